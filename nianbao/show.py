"""Read one package back: every template cell in tidy form (table,row,column,value,status,note), or an overview."""

from __future__ import annotations

from pathlib import Path

from nianbao.check.files import load_package
from nianbao.check.problems import Problem
from nianbao.core.package import TIDY_FIELDS, Package, tidy_rows
from nianbao.core.settled import settlements
from nianbao.core.textfiles import printable, write_csv


def load_one(folder: str) -> tuple[Package, list[Problem]]:
    problems: list[Problem] = []
    return load_package(Path(folder), folder, False, problems), problems


def tidy_csv(pkg: Package) -> str:
    return write_csv([list(TIDY_FIELDS), *([getattr(r, f) for f in TIDY_FIELDS] for r in tidy_rows(pkg))])


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
    for st in settlements(d, pkg.template):
        values = " / ".join(v or "空白" for v in st.values)
        lines.append(f"按原文核定：{', '.join(st.cells)} = {values}（原文所印：{st.printed}；{st.source}）")
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
    return "".join(printable(line) + "\n" for line in lines)  # titles and labels come from data: one line each
