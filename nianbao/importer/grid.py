"""Rows torn from a grid -> template cells: placed by label where one is printed, by the template's row and column
order where not, and checked with the consistency rules; what cannot be placed for sure is uncertain or not found."""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

from nianbao.core import labels
from nianbao.core.definitions import read_definition
from nianbao.core.rules import Term, consistency_rules, equations
from nianbao.core.templates import Table, Template
from nianbao.importer.extract import Cell, Extraction

_NUMBER = re.compile(r"^(?P<num>[-−]?\d+(?:\.\d+)?)\s*(?P<note>.*)$")
Key = tuple[str, str]  # (table id, row id)
NOTES = 20  # unplaced numbers listed one by one in the import report, the rest counted
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
        return Cell("", text.strip(), status="blank")
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
    """A row printed with fewer cells than the template's: a blank could have dropped out anywhere."""
    out = []
    for gaps in itertools.combinations(range(n), n - len(values)):
        it = iter(values)
        out.append(["" if k in gaps else next(it) for k in range(n)])
    return out


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
                _set_row(result, table, key[1], [], "missing", "")
                result.notes.append(f"表 {key[0]} 找不到行“{table.row(key[1]).label}”：其单元格记为未找到")
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
        mergeable = len(free) <= n  # loose cells near a short row: a few at most, or the readings explode
        readings = (
            [o.values]
            if len(o.values) >= n
            else [r for r in _merges(o.values, free) if len(r) == n]
            if mergeable
            else []
        )
        if len(o.values) < n and readings:
            free = []
            result.notes.append(
                f"表 {key[0]} 行 {key[1]}：原文此行只印 {len(o.values)} 格，与其附近单独成行的数合读（{o.where}）"
            )
        readings = readings or _readings(o.values, n)
        if len(o.values) > n:
            _set_row(result, table, key[1], [], "missing", o.where)
            result.notes.append(
                f"表 {key[0]} 行 {key[1]}：原文有 {len(o.values)} 格（应有 {n} 格），无法对应（{o.where}）"
            )
        elif key in by_position:
            _set_row(result, table, key[1], readings, "ambiguous", f"{o.where}（按模板行序推定，无行名称）")
        else:
            _set_row(result, table, key[1], readings, "filled", o.where)
    unplaced = [f"单独成行的数“{orphan.text}”无法归入任何单元格（{orphan.where}）" for orphan in free]
    used = set(placed.values())
    unplaced += [
        f"一行数“{' '.join(o.values)}”（行名称“{o.text}”）无法归入模板的任何行（{o.where}）"
        for i, o in enumerate(obs)
        if i not in used
    ]
    result.notes += unplaced[:NOTES]
    if len(unplaced) > NOTES:
        result.notes.append(f"另有 {len(unplaced) - NOTES} 处数无法归入任何单元格（未逐一列出）")
    _check(tmpl, tables, result, set(placed) - sure)


def _set_row(result: Extraction, table: Table, row_id: str, readings: list[list[str]], status: str, where: str) -> None:
    for k, column in enumerate(table.columns):
        key = (table.id, row_id, column.id)
        if not readings:
            result.cells[key] = Cell("", status="missing", where=where)
            continue
        cells = [_parse(r[k]) for r in readings]
        first = cells[0]
        if status == "filled" and first is not None and all(c == first for c in cells):
            first.where = where
            result.cells[key] = first
        else:
            joined = [" / ".join(r) for r in readings]
            result.cells[key] = Cell("", where=where, status="ambiguous", candidates=joined)


def _unlabelled(table: Table, obs: list[Observed], result: Extraction) -> None:
    """Section 四: one row of 15 values; fragments are read in order (the template's column order)."""
    n = len(table.columns)
    row = table.rows[0]
    result.labels[(table.id, row.id)] = row.label
    whole = [o for o in obs if len(o.values) == n]
    values = whole[0].values if whole else [v for o in obs for v in o.values]
    where = whole[0].where if whole else "、".join(o.where for o in obs)
    if len(values) != n:
        _set_row(result, table, row.id, [], "missing", where)
        result.notes.append(f"表 {table.id}：找到 {len(values)} 个数（应有 {n} 个），无法对应（{where or '无'}）")
        return
    _set_row(result, table, row.id, [values], "filled" if whole else "ambiguous", where)


def _check(tmpl: Template, tables: list[Table], result: Extraction, guessed: set[Key]) -> None:
    """The consistency rules over what was placed: a row placed by order that breaks one is not certain."""
    ids = {t.id for t in tables}

    def value(term: Term) -> float | None:
        cell = result.cells.get((term.table, term.row, term.column))
        return float(cell.value) if cell and cell.status == "filled" and cell.value else None

    for r in consistency_rules():
        if r.cross_year or tmpl.id not in r.templates:
            continue
        for eq in equations(r, tmpl):
            rows = {(t.table, t.row) for t in eq.terms}
            if not {t for t, _ in rows} <= ids or eq.holds(value) is not False:
                continue
            for table_id, row_id in sorted(rows & guessed):
                table = tmpl.table(table_id)
                cells = [result.cells[(table_id, row_id, c.id)] for c in table.columns]
                if all(c.status == "filled" for c in cells):
                    reading = " / ".join(c.value for c in cells)
                    for c in cells:
                        c.status, c.value, c.candidates = "ambiguous", "", [reading]
                    result.notes.append(f"表 {table_id} 行 {row_id}：按行序推定的数使 {r.id} 不成立（{eq.text}）")
