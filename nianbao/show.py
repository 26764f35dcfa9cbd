"""Read one package back: every template cell in tidy form (table,row,column,value,note), or a readable overview."""

from __future__ import annotations

from pathlib import Path

from nianbao.check.files import load_package
from nianbao.check.problems import Problem
from nianbao.core.package import Package
from nianbao.core.textfiles import write_csv

TIDY_HEADER = ["table", "row", "column", "value", "note"]


def load_one(folder: str) -> tuple[Package, list[Problem]]:
    problems: list[Problem] = []
    return load_package(Path(folder), folder, False, problems), problems


def tidy_rows(pkg: Package) -> list[list[str]]:
    """One row per template cell in printed order; an empty value is blank in the source.

    An optional row (a V2021 group printed with values) appears only when the package has it.
    """
    notes = {(n["table"], n["row"], n["column"]): n["note"] for _, n in pkg.notes}
    for entry in (pkg.descriptor or {}).get("unresolved") or []:
        for cell in entry.get("cells", []) if isinstance(entry, dict) else []:
            key = tuple(cell.split("."))
            flag = f"[待核对] {entry.get('note', '')}"
            notes[key] = f"{notes[key]} {flag}" if key in notes else flag  # type: ignore[index]
    rows = []
    if pkg.template is None:
        return rows
    for table in pkg.template.tables:
        data = pkg.tables.get(table.id)
        present: dict[str, list[str]] = {}
        index: dict[str, int] = {}
        if data:
            index = {name: i for i, name in enumerate(data.header)}
            present = {cells[index["row"]]: cells for _, cells in data.rows}
        for row in table.rows:
            cells = present.get(row.id)
            if row.optional and cells is None:
                continue
            for column in table.columns:
                value = cells[index[column.id]] if cells is not None and column.id in index else ""
                rows.append([table.id, row.id, column.id, value, notes.get((table.id, row.id, column.id), "")])
    return rows


def tidy_csv(pkg: Package) -> str:
    return write_csv([TIDY_HEADER, *tidy_rows(pkg)])


def overview(pkg: Package) -> str:
    d = pkg.descriptor or {}
    lines = [f"{d.get('title', '（无标题）')}", f"机构：{pkg.agency}  年度：{pkg.year}  模板：{d.get('template')}"]
    for key, label in (("published", "发布日期"), ("source_url", "原文链接"), ("retrieved", "获取日期")):
        if d.get(key):
            lines.append(f"{label}：{d[key]}")
    for ack in d.get("acknowledgements") or []:
        if isinstance(ack, dict):
            lines.append(
                f"已确认的原报告数据不一致：{ack.get('rule')} {', '.join(map(str, ack.get('cells', [])))}：{ack.get('note')}"
            )
    if pkg.template:
        for table in pkg.template.tables:
            data = pkg.tables.get(table.id)
            lines += ["", f"{table.id}  {table.caption}"]
            if not data:
                lines.append("  （缺失）")
                continue
            index = {name: i for i, name in enumerate(data.header)}
            lines.append("  " + " | ".join(["行", *(c.label for c in table.columns)]))
            for _, cells in data.rows:
                label = cells[index["label"]] if "label" in index else cells[index["row"]]
                values = [cells[index[c.id]] or "·" if c.id in index else "?" for c in table.columns]
                lines.append("  " + " | ".join([label or cells[index["row"]], *values]))
    return "\n".join(lines) + "\n"
