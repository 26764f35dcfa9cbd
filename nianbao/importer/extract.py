"""Units -> template cells: match rows by label, split run-together digits, resolve splits with the rules."""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field

from nianbao.core import labels
from nianbao.core.definitions import read_definition
from nianbao.core.labels import normalise
from nianbao.core.templates import Table, Template
from nianbao.importer import headings, rowlabels
from nianbao.importer.evidence import Pending, Year, resolve
from nianbao.importer.sources import Document
from nianbao.importer.splits import shorter, splits
from nianbao.importer.tokens import Token, Unit, clean_lines, tokens, units

# The four statuses of a template cell (BRIEF, issue 9): the last two are recorded in `unresolved`, never published.
PRINTED, BLANK, NOT_FOUND, UNCERTAIN = "printed", "blank", "not-found", "uncertain"


@dataclass
class Cell:
    value: str  # canonical number; "" unless printed
    note: str = ""  # unit or remark printed in the cell (notes.csv), or the placeholder of a blank cell
    where: str = ""
    status: str = PRINTED


@dataclass
class Unresolved:
    """Cells the import could not settle, as written to datapackage.json `unresolved`."""

    cells: list[tuple[str, str, str]]
    status: str  # not-found / uncertain
    note: str
    source: str  # where in the source it looked
    candidates: list[tuple[str, ...]] = field(default_factory=list)  # uncertain: one reading per candidate

    def entry(self) -> dict[str, object]:
        out: dict[str, object] = {"cells": [".".join(k) for k in self.cells], "status": self.status}
        out["note"] = self.note
        if self.status == UNCERTAIN:
            out["candidates"] = [list(c) for c in self.candidates]
        out["source"] = self.source
        return out


@dataclass
class Extraction:
    cells: dict[tuple[str, str, str], Cell]
    labels: dict[tuple[str, str], str]  # (table, row) → label as printed
    fuzzy: list[str]  # matches that were not exact (row labels, section headings), for the import report
    optional_rows: set[tuple[str, str]]  # optional rows (（六）其他处理 printed as one row) found in the source
    unresolved: list[Unresolved] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)  # other readings to check (converted Markdown's loose cells)

    def not_found(self, table: Table, row_ids: list[str], note: str, source: str) -> None:
        keys = [(table.id, r, c) for r in row_ids for c in table.column_ids]
        for key in keys:
            self.cells[key] = Cell("", where=source, status=NOT_FOUND)
        self.unresolved.append(Unresolved(keys, NOT_FOUND, note, source))


def detect_template(doc: Document) -> str | None:
    text = normalise("".join(line.text for line in doc.lines))
    markers = read_definition("import.yaml")["version_markers"]
    found = {tid: sum(normalise(m) in text for m in words) for tid, words in markers.items()}
    best = max(found, key=lambda t: found[t])
    return best if found[best] else None


def extract(doc: Document, tmpl: Template, year: int | None = None, years: dict[int, Year] | None = None) -> Extraction:
    """Every template cell of `doc`, each printed, blank, not found or uncertain.

    `years` holds the neighbouring years of the same agency (evidence for splitting run-together digits).
    """
    from nianbao.importer import markdown  # converted Markdown has its own reader of torn grids

    if doc.kind == markdown.KIND:
        return markdown.extract(doc, tmpl)
    lines = clean_lines(doc)
    all_units = units(tokens(lines))
    result = Extraction({}, {}, [], set())
    anchors = _anchors(all_units, tmpl, result.fuzzy)
    found = [t for t in tmpl.tables if t.id in anchors]
    for table in tmpl.tables:
        if table.id not in anchors:
            rows = [r.id for r in table.rows if not r.optional]
            result.not_found(table, rows, f"原文中找不到表“{table.caption}”（表头或所在章节标题）", "全文")
            continue
        start = anchors[table.id]
        later = [anchors[t.id] for t in found[found.index(table) + 1 :] if anchors[t.id] > start]
        window = all_units[start : later[0] if later else len(all_units)]
        if table.label_columns == 0:
            _unlabelled(table, window, result)
        else:
            _labelled(table, window, result)
    values = {k: c.value for k, c in result.cells.items() if c.status == PRINTED}
    resolve(tmpl, values, result.pending, year or 0, years or {})
    for pending in result.pending:
        _settle(pending, result)
    return result


def _anchors(all_units: list[Unit], tmpl: Template, fuzzy: list[str]) -> dict[str, int]:
    """The unit where each table starts: its caption (s2) or its section heading (s3, s4, typos tolerated and
    reported in `fuzzy`); absent if not found."""
    anchors: dict[str, int] = {}
    cursor = 0
    for table in tmpl.tables:
        if table.section == "s2":
            key = normalise(table.caption)
            found = next((i for i in range(cursor, len(all_units)) if key in all_units[i].text), None)
        else:
            hit = headings.find_in([u.text for u in all_units], table.section, cursor)
            found = hit[0] if hit else None
            if hit and hit[1].score < 1.0:
                unit = all_units[hit[0]]
                printed = unit.raw[unit.index[hit[1].start] : unit.index[hit[1].end - 1] + 1]
                fuzzy.append(headings.fuzzy_note(table.section, printed, hit[1], unit.where))
        if found is not None:
            anchors[table.id] = cursor = found
    rowlabels.captionless(all_units, tmpl, anchors)
    return anchors


def _span(window: list[Unit]) -> str:
    """Where a table was looked for, for a not-found entry: from its first unit to its last."""
    if not window:
        return "原文中该表所在处"
    first, last = window[0].where, window[-1].where
    return first if first == last else f"{first}至{last}"


def _labelled(table: Table, window: list[Unit], result: Extraction) -> None:
    cursor = 0
    n = len(table.columns)
    for index, row in enumerate(table.rows):
        empty = rowlabels.printed_empty(row, table.rows[index + 1 :], window[cursor : cursor + 8])
        if empty is not None:  # the row's label, then the next row's label with no number between: blank cells
            result.labels[(table.id, row.id)] = rowlabels.printed_label(empty, row.label, cut=True)
            for column in table.columns:
                result.cells[(table.id, row.id, column.id)] = Cell("", where=empty.where, status=BLANK)
            continue
        best, best_score = None, 0.0
        for i in range(cursor, min(cursor + 8, len(window))):
            if not window[i].values:
                continue
            score = rowlabels.score(window[i], row.label)
            if score > best_score + 1e-9:
                best, best_score = i, score
            if score == 1.0:
                break
        threshold = 1.0 if row.optional else labels.SIMILARITY
        if best is None or best_score < threshold:
            if not row.optional:
                note = f"原文中找不到行“{row.label}”"
                if (table.id, row.group) in result.optional_rows:  # templates.md §8: V2021 printing a V2019 row
                    note += f"（原文按 V2019 版式把“{table.row(row.group or '').label}”印成一行，未印其子行）"
                result.not_found(table, [row.id], note, f"表 {table.id} 所在处（{_span(window)}）")
            continue
        unit = window[best]
        if row.optional:
            result.optional_rows.add((table.id, row.id))
        result.labels[(table.id, row.id)] = rowlabels.printed_label(unit, row.label)
        if best_score < 1.0:
            printed = result.labels[(table.id, row.id)]
            result.fuzzy.append(
                f"表 {table.id} 行 {row.id}：原文“{printed}”近似匹配“{row.label}”（相似度 {best_score:.2f}，{unit.where}）"
            )
        _assign(table, row.id, unit, n, result)
        cursor = best + 1


def _unlabelled(table: Table, window: list[Unit], result: Extraction) -> None:
    """Section 四: one row of 15 values after a header that PDF text often scrambles.

    The values are those of the first unit that has any, and of the units right after it that carry no words
    (cell separators such as `|`): words end the row, so narrative numbers (2024 年) are never taken for cells.
    """
    runs: list[list[Token]] = [[]]
    for unit in window:
        if runs[-1] and len(unit.text) > 3:
            runs.append([])
        runs[-1].extend(unit.values)
        if len(runs[-1]) >= len(table.columns):
            break
    # a number in the section's narrative (2021年我局未有…) is a run of its own, ended by words: the row is the
    # run that fills the columns, else the first run
    values = next((r for r in runs if len(r) >= len(table.columns)), runs[0])
    row = table.rows[0]
    if not values:
        result.not_found(
            table, [row.id], f"原文中找不到“{table.caption}”的数字", f"表 {table.id} 所在处（{_span(window)}）"
        )
        return
    result.labels[(table.id, row.id)] = row.label
    _assign(table, row.id, Unit(row.label, values[0].where, values), len(table.columns), result)


def _assign(table: Table, row_id: str, unit: Unit, n: int, result: Extraction) -> None:
    values = unit.values
    columns = table.columns
    if len(values) == n:
        for column, token in zip(columns, values, strict=True):
            result.cells[(table.id, row_id, column.id)] = _cell(token)
        return
    if len(values) > n:  # which n of them are this row's cannot be told: each run of n is a reading
        shown = [v.text or v.note or "（空）" for v in values]
        read = [_canonical(v.text) if v.kind == "num" else "" for v in values]
        readings = list(dict.fromkeys(tuple(read[i : i + n]) for i in range(len(values) - n + 1)))
        keys = [(table.id, row_id, c.id) for c in columns]
        for key in keys:
            result.cells[key] = Cell("", where=values[0].where, status=UNCERTAIN)
        note = f"原文此行有 {len(values)} 个值“{' '.join(shown)}”（应有 {n} 个），无法确定哪些属于本行：须对照原文确定"
        result.unresolved.append(Unresolved(keys, UNCERTAIN, note, values[0].where, readings))
        return
    # Fewer values than columns. Where a blank went cannot be told, so only digits that ran together are split.
    printed = " ".join(v.text or v.note for v in values)
    if any(v.kind != "num" for v in values):  # a blank mark among them: nothing ran together
        _placements(table, row_id, values, result)
        return
    limit = read_definition("import.yaml")["max_splits"]
    found = splits([v.text for v in values], [c.type for c in columns], limit)  # each reading: every cell a number
    if not found.readings:  # too few digits for every cell: the others were blank, but which cannot be told
        _placements(table, row_id, values, result)
        return
    kinds = [c.type for c in columns]
    pending = Pending(
        table.id, row_id, list(table.column_ids), values[0].where, printed, found, kinds, [v.text for v in values]
    )
    pending.note = values[-1].note  # a unit printed after the run belongs to the last cell (75394432.52元)
    result.pending.append(pending)


def _placements(table: Table, row_id: str, values: list[Token], result: Extraction) -> None:
    """A row with fewer values than cells (text drops blank cells): each placement of them is a reading."""
    n = len(table.columns)
    limit = read_definition("import.yaml")["max_candidates"]
    keys = [(table.id, row_id, c.id) for c in table.columns]
    readings = []
    for places in itertools.islice(itertools.combinations(range(n), len(values)), limit):
        reading = [""] * n
        for place, token in zip(places, values, strict=True):
            reading[place] = _canonical(token.text) if token.kind == "num" else ""
        readings.append(tuple(reading))
    for key in keys:
        result.cells[key] = Cell("", where=values[0].where, status=UNCERTAIN)
    total = math.comb(n, len(values))
    listed = f"，下列前 {limit} 种" if total > limit else ""
    printed = " ".join(v.text or v.note or "（空）" for v in values)
    note = (
        f"原文此行只有 {len(values)} 个值“{printed}”（应有 {n} 个），其余应是空白格，但不知是哪几格"
        f"（{total} 种可能{listed}）：须对照原文确定"
    )
    result.unresolved.append(Unresolved(keys, UNCERTAIN, note, values[0].where, readings))


def _settle(p: Pending, result: Extraction) -> None:
    """A split row: the cells every remaining reading agrees on are printed; the others are uncertain. One reading
    left is printed only when no blank cell could explain the digits too, or an error rule confirms it."""
    readings = p.splits.readings
    keys = p.keys()
    unconfirmed = len(readings) == 1 and not (p.confirmed_by or p.decided_by) and shorter(p.texts, p.kinds)
    decided = f"，由 {'、'.join(sorted(p.decided_by))} 确定" if p.decided_by else ""
    if p.confirmed_by and not p.decided_by:
        decided = f"，经 {'、'.join(sorted(p.confirmed_by))} 印证"
    doubtful = [
        k for k, _ in enumerate(keys) if unconfirmed or not p.splits.complete or len({r[k] for r in readings}) > 1
    ]
    for k, key in enumerate(keys):
        note = p.note if k == len(keys) - 1 else ""
        if k in doubtful:
            result.cells[key] = Cell("", note, f"{p.where}（连写数字拆分）", UNCERTAIN)
        else:
            result.cells[key] = Cell(_canonical(readings[0][k]), note, f"{p.where}（连写数字拆分{decided}）")
    if not doubtful:
        return
    limit = read_definition("import.yaml")["max_candidates"]
    if unconfirmed:
        count = "只有一种拆法，但原文若有空白格，也可能是更少的数，且没有勾稽关系可以印证"
    elif p.splits.complete:
        count = f"有 {len(readings)} 种拆法，模板的勾稽关系不能确定其一"
    else:
        count = f"拆法超过 {len(readings)} 种，未全部列出"
    listed = f"，下列前 {limit} 种" if len(readings) > limit else ""
    result.unresolved.append(
        Unresolved(
            [keys[k] for k in doubtful],
            UNCERTAIN,
            f"连写的数字“{p.printed}”{count}{listed}：须对照原文确定",
            p.where,
            [tuple(r[k] for k in doubtful) for r in readings[:limit]],
        )
    )


def _canonical(value: str) -> str:
    return str(int(value)) if re.fullmatch(r"-?0\d+", value) else value


def _cell(token: Token) -> Cell:
    if token.kind == "blank":
        return Cell("", token.note, token.where, BLANK)
    return Cell(_canonical(token.text), token.note, token.where)
