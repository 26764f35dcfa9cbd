"""Rows torn from a grid -> template cells, placed by label or template order and checked with the rules."""

# What cannot be placed for sure is uncertain (readings kept) or not found: a wrong value must never look certain.

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from dataclasses import dataclass

from nianbao.core import labels
from nianbao.core.definitions import read_definition
from nianbao.core.rules import Term, consistency_rules, equations
from nianbao.core.templates import Table, Template
from nianbao.importer.extract import BLANK, PRINTED, UNCERTAIN, Cell, Extraction, Unresolved

_NUMBER = re.compile(r"^(?P<num>[-−]?\d+(?:\.\d+)?)\s*(?P<note>.*)$")
Key = tuple[str, str]  # (table id, row id)
NOTES = 20  # unplaced numbers listed one by one in the import report's remarks, the rest counted
MAX_ROWS = 400  # past this many value rows in one section, rows are placed by label only (bounded time)


@dataclass
class Observed:
    label: str  # the row's label cell as printed, or the loose text printed just above a row without one
    text: str  # all the row's text cells (fragments of group labels included)
    values: list[str]  # value cells as printed, in the source's column order
    where: str


@dataclass
class Orphan:
    text: str  # a cell standing alone on a line, with its remark: 22（其中修订 16 件）
    where: str


def _rows_for(tables: list[Table], obs: Observed) -> tuple[list[Key], bool]:
    """The template rows a printed label can be, and whether it names one row for sure."""
    keys = [(t.id, r.id) for t in tables for r in t.rows]
    label_of = {(t.id, r.id): r.label for t in tables for r in t.rows}
    found: list[tuple[list[Key], bool]] = []
    for printed in dict.fromkeys((obs.label, obs.text)):
        norm = labels.normalise(printed)
        if len(norm) < 2:
            continue
        exact = [k for k in keys if norm.endswith(labels.normalise(label_of[k]))]
        if exact:
            return exact[-1:], True
        scored = sorted(
            ((labels.similarity(labels.core(printed), labels.core(label_of[k])), k) for k in keys), reverse=True
        )
        if scored[0][0] >= labels.SIMILARITY and (len(scored) == 1 or scored[1][0] < scored[0][0]):
            return [scored[0][1]], True
        part = labels.core(printed).rstrip(".、,，")
        inside = [k for k in keys if len(part) >= 4 and part in labels.normalise(label_of[k])]
        if inside:
            found.append((inside, len(inside) == 1 and len(part) >= 6))
    return min(found, key=lambda f: len(f[0])) if found else ([], False)


def _parse(text: str) -> Cell | None:
    """A printed value cell: a number with any unit or remark as its note; a blank mark; or None if neither."""
    folded = unicodedata.normalize("NFKC", text).strip()
    if not folded or folded in read_definition("import.yaml")["blank_marks"]:
        return Cell("", text.strip(), status=BLANK)
    match = _NUMBER.match(folded)
    if not match:
        return None
    value = match.group("num").replace("−", "-")
    if re.fullmatch(r"-?0\d+", value):
        value = str(int(value))
    note = text.strip()[len(match.group("num")) :].strip() if match.group("note") else ""
    return Cell(value, note)


def _merges(values: list[str], orphans: list[Orphan]) -> list[list[str]]:
    """Every reading of a short row with the loose cells printed near it: both keep their order, and a loose cell
    with the same number as one in the row is that cell printed again (with its remark)."""
    if not orphans:
        return [values]
    if not values:
        return [[o.text for o in orphans]]
    out = [[values[0], *rest] for rest in _merges(values[1:], orphans)]
    out += [[orphans[0].text, *rest] for rest in _merges(values, orphans[1:])]
    head = _parse(orphans[0].text)
    if head and head.value == (_parse(values[0]) or Cell("")).value:
        out += [[orphans[0].text, *rest] for rest in _merges(values[1:], orphans[1:])]
    return out


def _readings(values: list[str], n: int) -> list[list[str]]:
    """A row printed with fewer cells than the template's: a blank could have dropped out anywhere (the first
    max_candidates placements; _count says how many there are)."""
    out = []
    limit = read_definition("import.yaml")["max_candidates"]
    for gaps in itertools.islice(itertools.combinations(range(n), n - len(values)), limit):
        it = iter(values)
        out.append(["" if k in gaps else next(it) for k in range(n)])
    return out


def _runs(values: list[str], n: int) -> list[list[str]]:
    """A row printed with more cells than the template's: which n are the row's cannot be told, each run is a reading."""
    return [values[i : i + n] for i in range(len(values) - n + 1)]


def _shown(values: list[str], limit: int = 30) -> str:
    """Printed cells for a note: a hostile row of thousands is cut short."""
    more = f" …（共 {len(values)} 格）" if len(values) > limit else ""
    return " ".join(v.strip() or "（空）" for v in values[:limit]) + more


def _align(rows: list[Key], obs: list[Observed], options: list[tuple[list[Key], bool]]) -> dict[Key, int]:
    """Observed rows onto template rows, both in order: a row naming its template row must land there; one that
    names a few lands on one of them; one that names none can land anywhere. Most and surest placements win."""
    m, n = len(obs), len(rows)
    score = [[0.0] * (n + 1) for _ in range(m + 1)]
    back: dict[tuple[int, int], tuple[int, int]] = {}
    for i in range(m + 1):
        for j in range(n + 1):
            if i == 0 and j == 0:
                continue
            best, step = -1.0, (0, 0)
            if i and score[i - 1][j] > best:
                best, step = score[i - 1][j], (i - 1, j)
            if j and score[i][j - 1] > best:
                best, step = score[i][j - 1], (i, j - 1)
            if i and j:
                keys, sure = options[i - 1]
                gain = 0.0 if keys and rows[j - 1] not in keys else 10.0 if sure else 2.0 if keys else 1.0
                if gain and score[i - 1][j - 1] + gain > best:
                    best, step = score[i - 1][j - 1] + gain, (i - 1, j - 1)
            score[i][j], back[(i, j)] = best, step
    placed: dict[Key, int] = {}
    i, j = m, n
    while i and j:
        pi, pj = back[(i, j)]
        if (pi, pj) == (i - 1, j - 1):
            placed[rows[j - 1]] = i - 1
        i, j = pi, pj
    return placed


def place(tmpl: Template, tables: list[Table], obs: list[Observed], orphans: list[Orphan], result: Extraction) -> None:
    """Fill every cell of `tables` into `result`: printed, blank, uncertain (with its readings) or not found."""
    if not tables:
        return
    if tables[0].label_columns == 0:
        _unlabelled(tables[0], obs, result)
        return
    options = [_rows_for(tables, o) for o in obs]
    rows = [
        (t.id, r.id)
        for t in tables
        for r in t.rows
        if not r.optional or any(opt == ([(t.id, r.id)], True) for opt in options)
    ]
    # s2's sub-tables come in any order in converted files: only labels place them; s3's rows keep their order.
    ordered = len(tables) == 1 and len(obs) <= MAX_ROWS
    placed = _align(rows, obs, options) if ordered else {o[0][0]: i for i, o in enumerate(options) if o[1]}
    sure = {k for k, i in placed.items() if options[i][1]}
    by_position = set()
    anchors = sorted((placed[k], rows.index(k)) for k in sure)
    for key, i in placed.items():
        if key in sure:
            continue
        before = max((a for a in anchors if a[0] < i), default=(-1, -1))
        after = min((a for a in anchors if a[0] > i), default=(len(obs), len(rows)))
        if after[0] - before[0] != after[1] - before[1]:
            by_position.add(key)  # the gap between two rows known by label is not filled exactly: a guess
    free = list(orphans)
    for key in rows:
        table = tmpl.table(key[0])
        n = len(table.columns)
        if key not in placed:
            if not table.row(key[1]).optional:
                result.not_found(table, [key[1]], f"原文中找不到行“{table.row(key[1]).label}”", _span(obs))
            continue
        o = obs[placed[key]]
        if table.row(key[1]).optional:
            result.optional_rows.add(key)
        result.labels[key] = (
            o.label
            if labels.normalise(o.label) == labels.normalise(table.row(key[1]).label)
            else table.row(key[1]).label
        )
        printed, own = labels.normalise(o.text), labels.normalise(table.row(key[1]).label)
        if key in sure and not printed.endswith(own) and not labels.normalise(o.label).endswith(own):
            result.fuzzy.append(
                f"表 {key[0]} 行 {key[1]}：原文“{o.text}”近似匹配“{table.row(key[1]).label}”（{o.where}）"
            )
        guessed = key in by_position
        named = f"原文此行的行名称不全（“{o.text}”）" if o.text.strip() else "原文此行没有行名称"
        why = [f"{named}，按模板行序推定为本行"] if guessed else []
        mergeable = len(free) <= n  # loose cells near a short row: a few at most, or the readings explode
        merged = [r for r in _merges(o.values, free) if len(r) == n] if len(o.values) < n and mergeable else []
        if merged:
            loose = _shown([f.text for f in free])
            free = []
            result.remarks.append(
                f"表 {key[0]} 行 {key[1]}：原文此行只印 {len(o.values)} 格，与其附近单独成行的数合读（{o.where}）"
            )
            readings = merged
            if len(merged) > 1:
                why.append(
                    f"原文此行只印 {len(o.values)} 格“{_shown(o.values)}”（应有 {n} 格），"
                    f"与附近单独成行的数“{loose}”合读有 {len(merged)} 种读法"
                )
        elif len(o.values) < n:
            readings = _readings(o.values, n)
            total = math.comb(n, n - len(o.values))
            listed = f"，下列前 {len(readings)} 种" if total > len(readings) else ""
            why.append(
                f"原文此行只印 {len(o.values)} 格“{_shown(o.values)}”（应有 {n} 格），其余应是空白格，"
                f"但不知是哪几格（{total} 种可能{listed}）"
            )
        elif len(o.values) > n:
            readings = _runs(o.values, n)
            guessed = True
            why.append(f"原文此行有 {len(o.values)} 格“{_shown(o.values)}”（应有 {n} 格），无法确定哪些属于本行")
        else:
            readings = [o.values]
        where = f"{o.where}（按模板行序推定）" if key in by_position else o.where
        _set_row(result, table, key[1], readings, where, "；".join(why) + "：须对照原文确定", guessed)
    unplaced = [f"单独成行的数“{orphan.text}”无法归入任何单元格（{orphan.where}）" for orphan in free]
    used = set(placed.values())
    unplaced += [
        f"一行数“{' '.join(o.values)}”（行名称“{o.text}”）无法归入模板的任何行（{o.where}）"
        for i, o in enumerate(obs)
        if i not in used
    ]
    result.remarks += unplaced[:NOTES]
    if len(unplaced) > NOTES:
        result.remarks.append(f"另有 {len(unplaced) - NOTES} 处数无法归入任何单元格（未逐一列出）")
    _check(tmpl, tables, result, set(placed) - sure)


def _span(obs: list[Observed]) -> str:
    """Where a section's rows were looked for, for a not-found entry."""
    if not obs:
        return "原文中该部分所在处（无数字行）"
    return obs[0].where if len(obs) == 1 else f"{obs[0].where}至{obs[-1].where}"


def _set_row(
    result: Extraction, table: Table, row_id: str, readings: list[list[str]], where: str, why: str, guessed: bool
) -> None:
    """One row from its readings: a cell every reading agrees on is printed (or blank); the others, or all of
    them when the row itself is `guessed`, are uncertain, in one `unresolved` entry with each reading a candidate."""
    keys = [(table.id, row_id, c.id) for c in table.columns]
    parsed = [[_parse(r[k]) or Cell(r[k].strip()) for k in range(len(keys))] for r in readings]
    doubtful = []
    for k, key in enumerate(keys):
        first = parsed[0][k]
        if not guessed and all(p[k] == first for p in parsed):
            result.cells[key] = Cell(first.value, first.note, where, first.status)
        else:
            result.cells[key] = Cell("", where=where, status=UNCERTAIN)
            doubtful.append(k)
    if doubtful:
        candidates = list(dict.fromkeys(tuple(p[k].value for k in doubtful) for p in parsed))
        limit = read_definition("import.yaml")["max_candidates"]
        if len(candidates) > limit:  # bounded like the text importer's: the note says how many there are
            why = (
                why.removesuffix("：须对照原文确定")
                + f"（共 {len(candidates)} 种读法，下列前 {limit} 种）：须对照原文确定"
            )
            candidates = candidates[:limit]
        result.unresolved.append(Unresolved([keys[k] for k in doubtful], UNCERTAIN, why, where, candidates))


def _unlabelled(table: Table, obs: list[Observed], result: Extraction) -> None:
    """Section 四: one row of 15 values; fragments are read in order (the template's column order)."""
    n = len(table.columns)
    row = table.rows[0]
    whole = [o for o in obs if len(o.values) == n]
    values = whole[0].values if whole else [v for o in obs for v in o.values]
    where = whole[0].where if whole else "、".join(o.where for o in obs)
    if not values:
        result.not_found(table, [row.id], f"原文中找不到“{table.caption}”的数", _span(obs))
        return
    result.labels[(table.id, row.id)] = row.label
    if whole:
        _set_row(result, table, row.id, [values], where, "", False)
        return
    if len(values) == n:
        why, readings = f"原文此表的数分在 {len(obs)} 处，按模板列序合读", [values]
    elif len(values) > n:
        why, readings = (
            f"原文此表有 {len(values)} 个数“{_shown(values)}”（应有 {n} 个），无法确定哪些属于本表",
            _runs(values, n),
        )
    else:
        readings = _readings(values, n)
        total = math.comb(n, n - len(values))
        listed = f"，下列前 {len(readings)} 种" if total > len(readings) else ""
        why = f"原文此表只有 {len(values)} 个数“{_shown(values)}”（应有 {n} 个），不知哪几格空白（{total} 种可能{listed}）"
    _set_row(result, table, row.id, readings, where, f"{why}：须对照原文确定", True)


def _check(tmpl: Template, tables: list[Table], result: Extraction, guessed: set[Key]) -> None:
    """The consistency rules over what was placed: a row placed by order that breaks one is not certain."""
    ids = {t.id for t in tables}

    def value(term: Term) -> str | None:
        cell = result.cells.get((term.table, term.row, term.column))
        return cell.value if cell and cell.status == PRINTED and cell.value else None

    for r in consistency_rules():
        if r.cross_year or tmpl.id not in r.templates:
            continue
        for eq in equations(r, tmpl):
            rows = {(t.table, t.row) for t in eq.terms}
            if not {t for t, _ in rows} <= ids or eq.holds(value) is not False:
                continue
            for table_id, row_id in sorted(rows & guessed):
                table = tmpl.table(table_id)
                keys = [(table_id, row_id, c.id) for c in table.columns]
                cells = [result.cells[k] for k in keys]
                if all(c.status in (PRINTED, BLANK) for c in cells) and any(c.status == PRINTED for c in cells):
                    reading = tuple(c.value for c in cells)
                    for c in cells:
                        c.status, c.value = UNCERTAIN, ""
                    note = (
                        f"原文此行没有行名称，按模板行序推定为本行，但其数使 {r.id} 不成立（{eq.text}）：须对照原文确定"
                    )
                    result.unresolved.append(Unresolved(keys, UNCERTAIN, note, cells[0].where, [reading]))
