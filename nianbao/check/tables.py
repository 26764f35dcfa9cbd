"""Reading table and notes CSVs: csv-*, row-*, note-target and the template rows of R13."""

from __future__ import annotations

import csv
import io

from nianbao.check.problems import Problem, problem
from nianbao.core import labels
from nianbao.core.definitions import read_definition
from nianbao.core.package import Package, TableData
from nianbao.core.templates import Table, Template


def parse_csv(
    text: str, display: str, problems: list[Problem], package: str | None
) -> list[tuple[int, list[str]]] | None:
    """All records of a CSV text with the line each ends on; None (reported) when it cannot be parsed."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            records.append((reader.line_num, cells))
    except csv.Error as exc:
        problems.append(
            problem("csv-syntax", f"CSV 无法解析：{exc}", file=display, line=reader.line_num + 1, package=package)
        )
        return None
    return records


def _shape_problem(display: str, line: int, expected: int, found: int, package: str | None) -> Problem:
    return problem(
        "row-shape",
        "该行的单元格数与表头不一致",
        file=display,
        line=line,
        expected=f"{expected} 个",
        found=f"{found} 个",
        package=package,
    )


def _too_many(records: list[tuple[int, list[str]]], limit: int, display: str, package: str | None) -> Problem | None:
    """One problem for a file with far more records than a report can have (bounded output and time: a
    million blank lines are one finding, not a million)."""
    if len(records) <= limit:
        return None
    return problem(
        "row-shape",
        "文件的行数远多于模板所能有的行数，未逐行检查",
        file=display,
        expected=f"不超过 {limit} 行",
        found=f"{len(records):,} 行",
        package=package,
    )


def _load_table(pkg: Package, table: Table, display: str, text: str, problems: list[Problem]) -> None:
    records = parse_csv(text, display, problems, pkg.key)
    if records is None:
        return
    excess = _too_many(records, 4 * len(table.rows) + 1, display, pkg.key)
    if excess:
        problems.append(excess)
        return
    if not records:
        problems.append(
            problem(
                "csv-header",
                "文件是空的",
                file=display,
                line=1,
                expected=",".join(table.header),
                found="空",
                package=pkg.key,
            )
        )
        return
    (_, header), *body = records
    if header != list(table.header):
        problems.append(
            problem(
                "csv-header",
                f"表头与模板 {pkg.template.id} 的表 {table.id} 不符",
                file=display,
                line=1,
                expected=",".join(table.header),
                found=",".join(header),
                package=pkg.key,
            )
        )
        if "row" not in header:
            return
    data = TableData(table, display, header, [])
    row_col = header.index("row")
    label_col = header.index("label") if "label" in header else None
    for line, cells in body:
        if cells == []:
            problems.append(problem("row-shape", "空行", file=display, line=line, package=pkg.key))
            continue
        if len(cells) != len(header):
            problems.append(
                problem(
                    "row-shape",
                    "该行的单元格数与表头不一致（可能错列），本行数值未检查",
                    file=display,
                    line=line,
                    expected=f"{len(header)} 个",
                    found=f"{len(cells)} 个",
                    package=pkg.key,
                )
            )
            if len(cells) > row_col and cells[row_col] in table.row_ids:
                data.row_lines.setdefault(cells[row_col], line)  # present, if unreadable: not "missing"
            continue
        row_id = cells[row_col]
        printed = cells[label_col] if label_col is not None else ""
        if row_id not in table.row_ids:
            guess, score = labels.best_row(table, printed)
            hint = f"（按行名称应为 {guess}）" if guess and score >= labels.SIMILARITY else ""
            bad = f"表 {table.id} 没有这个行标识{hint}"
        elif row_id in data.row_lines:
            bad = f"行标识重复（第 {data.row_lines[row_id]} 行已有）"
        else:
            bad = None
        if bad:
            where = {"file": display, "line": line, "column": "row", "column_number": row_col + 1}
            problems.append(problem("row-unknown", bad, found=row_id, package=pkg.key, **where))
            continue
        data.row_lines[row_id] = line
        if label_col is not None:
            ok, other = labels.label_matches(table, row_id, printed)
            if not ok:
                shifted = f"，却像是 {other} 行的名称（错行？）" if other else ""
                problems.append(
                    problem(
                        "row-label",
                        f"行名称与行标识 {row_id} 不符{shifted}",
                        file=display,
                        line=line,
                        column="label",
                        column_number=label_col + 1,
                        expected=table.row(row_id).label,
                        found=printed,
                        package=pkg.key,
                    )
                )
        data.rows.append((line, cells))
    for row in table.rows:
        if not row.optional and row.id not in data.row_lines:
            problems.append(
                problem(
                    "R13",
                    "缺少模板规定的行",
                    file=display,
                    column="row",
                    expected=f"{row.id}（{row.label}）",
                    found="无",
                    package=pkg.key,
                )
            )
    _check_group_rows(table, data, display, problems, pkg.key)
    pkg.tables[table.id] = data


def _check_group_rows(
    table: Table, data: TableData, display: str, problems: list[Problem], package: str | None
) -> None:
    """A group printed as one row of values (V2021 （六）其他处理 in the V2019 layout) with its sub-rows blank:
    kept as printed, and reported, because the template's rows are then incomplete (templates.md §8)."""
    index = {name: i for i, name in enumerate(data.header)}
    cells = {c[index["row"]]: c for _, c in data.rows}
    for row in table.rows:
        if not row.optional or row.id not in cells:
            continue
        members = [r.id for r in table.rows if r.group == row.id]
        blank = all(
            not cells.get(m, [""] * len(data.header))[index[c.id]]
            for m in members
            for c in table.columns
            if c.id in index
        )
        if blank:
            problems.append(
                problem(
                    "R13",
                    f"“{row.label}”按 V2019 版式印成一行，其 {len(members)} 个子行空白：照录原文，模板的行不完整",
                    "warning",
                    file=display,
                    line=data.row_lines[row.id],
                    column="row",
                    expected="、".join(members),
                    found=row.id,
                    package=package,
                )
            )


def _load_notes(pkg: Package, display: str, text: str, problems: list[Problem]) -> None:
    records = parse_csv(text, display, problems, pkg.key)
    if records is None:
        return
    cells = len(pkg.template.cells()) if pkg.template else 0
    excess = _too_many(records, 2 * cells + 1 if cells else 1000, display, pkg.key)
    if excess:
        problems.append(excess)
        return
    expected = [f["name"] for f in read_definition("package.yaml")["notes_fields"]]
    if not records or records[0][1] != expected:
        problems.append(
            problem(
                "csv-header",
                "单元格说明文件的表头不对",
                file=display,
                line=1,
                expected=",".join(expected),
                found=",".join(records[0][1]) if records else "空",
                package=pkg.key,
            )
        )
        return
    seen: dict[tuple[str, str, str], int] = {}
    for line, cells in records[1:]:
        if len(cells) != len(expected):
            problems.append(_shape_problem(display, line, len(expected), len(cells), pkg.key))
            continue
        note = dict(zip(expected, cells, strict=True))
        key = (note["table"], note["row"], note["column"])
        target = ".".join(key)
        if not _cell_exists(pkg.template, *key):
            problems.append(
                problem(
                    "note-target",
                    "说明指向的单元格不在模板中",
                    file=display,
                    line=line,
                    column="table",
                    column_number=1,
                    found=target,
                    package=pkg.key,
                )
            )
        elif key in seen:
            problems.append(
                problem(
                    "note-target",
                    f"同一单元格的说明重复（第 {seen[key]} 行已有）",
                    file=display,
                    line=line,
                    column="table",
                    column_number=1,
                    found=target,
                    package=pkg.key,
                )
            )
        elif not note["note"].strip():
            problems.append(
                problem(
                    "note-target",
                    "说明是空的",
                    file=display,
                    line=line,
                    column="note",
                    column_number=4,
                    found=target,
                    package=pkg.key,
                )
            )
        else:
            seen[key] = line
            pkg.notes.append((line, note))


def _cell_exists(tmpl: Template | None, table_id: str, row_id: str, column_id: str) -> bool:
    if tmpl is None or table_id not in tmpl.table_ids:
        return False
    table = tmpl.table(table_id)
    return row_id in table.row_ids and column_id in table.column_ids
