"""Units -> template cells: match rows by label, split run-together digits, resolve splits with the rules."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from nianbao.core import labels
from nianbao.core.definitions import read_definition
from nianbao.core.labels import normalise
from nianbao.core.templates import Table, Template
from nianbao.errors import SourceError
from nianbao.importer import headings
from nianbao.importer.sources import Document
from nianbao.importer.tokens import Token, Unit, clean_lines, tokens, units


@dataclass
class Cell:
    value: str  # canonical number, or "" for blank in the source
    note: str = ""
    where: str = ""
    status: str = "filled"  # filled / blank / missing / ambiguous
    candidates: list[str] = field(default_factory=list)


def shown(candidates: list[str], limit: int = 15) -> str:
    """Candidates for the import report and the package: all of them, or the first `limit` and how many more."""
    more = f"；另有 {len(candidates) - limit} 种" if len(candidates) > limit else ""
    return "；".join(candidates[:limit]) + more


@dataclass
class Extraction:
    cells: dict[tuple[str, str, str], Cell]
    labels: dict[tuple[str, str], str]  # (table, row) → label as printed
    fuzzy: list[str]  # matches that were not exact, for the import report
    notes: list[str]  # anything else the maintainer should read
    optional_rows: set[tuple[str, str]]  # optional rows (（六）其他处理 printed as one row) found in the source


def _score(unit: Unit, label: str) -> float:
    core = labels.core(label)
    if not core:
        return 0.0
    if unit.text.endswith(core) or unit.text.endswith(normalise(label)):
        return 1.0
    tail = unit.text[-(len(core) + 3) :]
    best = 0.0
    for start in range(max(len(tail) - len(core) - 1, 0) + 1):
        best = max(best, labels.similarity(core, tail[start:]))
    return best


def detect_template(doc: Document) -> str | None:
    text = normalise("".join(line.text for line in doc.lines))
    markers = read_definition("import.yaml")["version_markers"]
    found = {tid: sum(normalise(m) in text for m in words) for tid, words in markers.items()}
    best = max(found, key=lambda t: found[t])
    return best if found[best] else None


def extract(doc: Document, tmpl: Template) -> Extraction:
    from nianbao.importer import markdown  # converted Markdown has its own reader of torn grids

    if doc.kind == markdown.KIND:
        return markdown.extract(doc, tmpl)
    lines = clean_lines(doc)
    all_units = units(tokens(lines))
    result = Extraction({}, {}, [], [], set())
    anchors = _anchors(all_units, tmpl, result.fuzzy)
    for index, table in enumerate(tmpl.tables):
        start = anchors[table.id]
        end = next((anchors[t.id] for t in tmpl.tables[index + 1 :] if anchors[t.id] > start), len(all_units))
        window = all_units[start:end]
        if table.label_columns == 0:
            _unlabelled(table, window, result)
        else:
            _labelled(table, window, result)
    _resolve_with_rules(tmpl, result)
    return result


def _anchors(all_units: list[Unit], tmpl: Template, fuzzy: list[str]) -> dict[str, int]:
    """The unit where each table starts: its caption (s2) or its section heading (s3, s4, typos tolerated)."""
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
        if found is None:
            raise SourceError(f"找不到表 {table.id}（{table.caption}）：原文不完整，或不是{tmpl.id}格式的年度报告")
        anchors[table.id] = found
        cursor = found
    return anchors


def _labelled(table: Table, window: list[Unit], result: Extraction) -> None:
    cursor = 0
    n = len(table.columns)
    for row in table.rows:
        best, best_score = None, 0.0
        for i in range(cursor, min(cursor + 8, len(window))):
            if not window[i].values:
                continue
            score = _score(window[i], row.label)
            if score > best_score + 1e-9:
                best, best_score = i, score
            if score == 1.0:
                break
        threshold = 1.0 if row.optional else labels.SIMILARITY
        if best is None or best_score < threshold:
            if not row.optional:
                for column in table.columns:
                    result.cells[(table.id, row.id, column.id)] = Cell("", status="missing")
                result.notes.append(f"表 {table.id} 找不到行“{row.label}”（{row.id}）：其单元格记为缺失")
            continue
        unit = window[best]
        if row.optional:
            result.optional_rows.add((table.id, row.id))
        result.labels[(table.id, row.id)] = _printed_label(unit, row.label)
        if best_score < 1.0:
            printed = result.labels[(table.id, row.id)]
            result.fuzzy.append(
                f"表 {table.id} 行 {row.id}：原文“{printed}”近似匹配“{row.label}”（相似度 {best_score:.2f}，{unit.where}）"
            )
        _assign(table, row.id, unit, n, result)
        cursor = best + 1


def _unlabelled(table: Table, window: list[Unit], result: Extraction) -> None:
    """Section 四: one row of 15 values after a header that PDF text often scrambles."""
    values: list[Token] = []
    where = ""
    for unit in window:
        if unit.values:
            where = where or unit.where
            values.extend(unit.values)
        if sum(len(v.text) for v in values if v.kind == "num") >= len(table.columns) or len(values) >= len(
            table.columns
        ):
            break
    row = table.rows[0]
    result.labels[(table.id, row.id)] = row.label
    _assign(table, row.id, Unit(row.label, where, values), len(table.columns), result)


def _printed_label(unit: Unit, label: str) -> str:
    """The label as printed: the end of the unit's text from the label's numbering on (group labels before
    it, such as 三、本年度办理结果 or （四）无, dropped)."""
    core = labels.core(label)
    start = unit.text.rfind(core) if core else -1
    if start < 0:
        return unit.raw
    numbering = re.search(r"(?:[0-9]+\.|\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+\.)$", unit.text[:start])
    if numbering:
        start = numbering.start()
    return unit.raw[unit.index[start] :]


def _assign(table: Table, row_id: str, unit: Unit, n: int, result: Extraction) -> None:
    values = unit.values
    columns = table.columns
    if len(values) >= n:
        if len(values) > n:
            result.notes.append(f"表 {table.id} 行 {row_id}：原文有 {len(values)} 个数，只取前 {n} 个（{unit.where}）")
        for column, token in zip(columns, values[:n], strict=False):
            result.cells[(table.id, row_id, column.id)] = _cell(token)
        return
    # Fewer tokens than columns: digits that ran together. Split them (blanks cannot be told apart there).
    if any(v.kind != "num" for v in values):
        for column in columns:
            result.cells[(table.id, row_id, column.id)] = Cell("", status="missing", where=unit.where)
        result.notes.append(
            f"表 {table.id} 行 {row_id}：原文只有 {len(values)} 个数（应有 {n} 个），无法拆分（{unit.where}）"
        )
        return
    splits = _splits(values, n, [c.type for c in columns])
    valid = [s for s in splits if _row_holds(table, s)]
    ranked = sorted(valid or splits, key=_plausibility)
    if not ranked:
        for column in columns:
            result.cells[(table.id, row_id, column.id)] = Cell("", status="missing", where=unit.where)
        result.notes.append(
            f"表 {table.id} 行 {row_id}：连写的数字“{' '.join(v.text for v in values)}”无法拆成 {n} 个数（{unit.where}）"
        )
        return
    chosen = ranked[0]
    note = values[-1].note
    for k, column in enumerate(columns):
        options = sorted({s[k] for s in ranked}, key=lambda v: (len(v), v))
        cell = Cell(chosen[k], note if k == n - 1 else "", f"{unit.where}（连写数字拆分）")
        if len(ranked) > 1:
            cell.candidates = [" / ".join(s) for s in ranked]  # the row's splits, most plausible first
            if len(options) > 1:
                cell.status = "ambiguous"
        result.cells[(table.id, row_id, column.id)] = cell


def _cell(token: Token) -> Cell:
    if token.kind == "blank":
        return Cell("", token.note if token.note else "", token.where, "blank")
    value = token.text
    if re.fullmatch(r"-?0\d+", value):
        value = str(int(value))
    return Cell(value, token.note, token.where)


def _splits(values: list[Token], n: int, kinds: list[str]) -> list[tuple[str, ...]]:
    """Every way to cut the run-together digit strings into n numbers (no leading zeros, decimals whole)."""
    limit = read_definition("import.yaml")["max_splits"]
    per_token: list[list[list[str]]] = []
    for token in values:
        text = token.text
        options = []
        for parts in range(1, min(n, len(text)) + 1):
            for cuts in itertools.combinations(range(1, len(text)), parts - 1):
                pieces = [text[a:b] for a, b in zip((0, *cuts), (*cuts, len(text)), strict=True)]
                if all(re.fullmatch(r"-?(0|[1-9]\d*)(\.\d+)?", p) for p in pieces):
                    options.append(pieces)
        per_token.append(options)
    out = []
    for combo in itertools.product(*per_token):
        flat = tuple(p for pieces in combo for p in pieces)
        if len(flat) == n and all("." not in p or kinds[i] == "money" for i, p in enumerate(flat)):
            out.append(flat)
            if len(out) > limit:
                break
    return out


def _row_holds(table: Table, values: tuple[str, ...]) -> bool:
    """The constraints one row must meet by itself: 总计 = Σ applicants (R2), and R4's three totals."""
    nums = {c.id: float(v) for c, v in zip(table.columns, values, strict=True)}
    parts = table.column_sets.get("applicants")
    if parts and "total" in nums:
        return abs(nums["total"] - sum(nums[p] for p in parts)) < 1e-9
    if table.id == "s4":
        return all(
            abs(nums[f"{g}_total"] - sum(nums[f"{g}_{k}"] for k in ("upheld", "corrected", "other", "pending"))) < 1e-9
            for g in ("review", "lit_direct", "lit_after_review")
        )
    if {"new_published", "total_published"} <= set(nums):
        return nums["total_published"] >= nums["new_published"]  # R8, as a preference between splits
    return True


def _plausibility(split: tuple[str, ...]) -> tuple[int, int, tuple[int, ...]]:
    """Prefer pieces of even length (89/89/89 over 8/98/989), then longer leading pieces."""
    lengths = [len(p.split(".")[0].lstrip("-")) for p in split]
    return (
        max(lengths) - min(lengths),
        sum(abs(a - b) for a, b in itertools.pairwise(lengths)),
        tuple(-x for x in lengths),
    )


def _resolve_with_rules(tmpl: Template, result: Extraction) -> None:
    """Ambiguous rows of section 三: keep the split that makes R1 and R3 hold in its column."""
    if "s3" not in tmpl.table_ids:
        return
    table = tmpl.table("s3")
    results = table.row_sets["results"]
    ambiguous_rows = sorted({r for (t, r, c), cell in result.cells.items() if t == "s3" and cell.status == "ambiguous"})
    for row_id in ambiguous_rows:
        options = [o.split(" / ") for o in result.cells[("s3", row_id, table.columns[0].id)].candidates]
        if not options:
            continue
        fitting = []
        for option in options:
            trial = {c.id: option[k] for k, c in enumerate(table.columns)}

            def value(r: str, c: str, trial: dict[str, str] = trial, row_id: str = row_id) -> float | None:
                cell = result.cells.get(("s3", r, c))
                raw = trial[c] if r == row_id else (cell.value if cell else "")
                return float(raw) if raw not in ("", None) else None

            ok = True
            for c in table.column_ids:
                parts = [value(r, c) for r in results]
                total = value("total_processed", c)
                if None not in parts and total is not None and abs(sum(parts) - total) > 1e-9:
                    ok = False
                sides = [value(r, c) for r in ("new_received", "carried_over", "total_processed", "carried_forward")]
                if None not in sides and abs(sides[0] + sides[1] - sides[2] - sides[3]) > 1e-9:
                    ok = False
            if ok:
                fitting.append(option)
        if len(fitting) == 1:
            for k, c in enumerate(table.columns):
                cell = result.cells[("s3", row_id, c.id)]
                cell.value, cell.status, cell.candidates = fitting[0][k], "filled", []
                cell.where += "，由 R1/R3 确定"
