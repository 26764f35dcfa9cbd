"""The import printout: what was matched, what is uncertain, what to review."""

from __future__ import annotations

from nianbao.core.templates import template_for_year
from nianbao.importer.draft import ImportResult
from nianbao.importer.extract import BLANK, NOT_FOUND, PRINTED, UNCERTAIN


def counts(result: ImportResult) -> dict[str, int]:
    out = {PRINTED: 0, BLANK: 0, NOT_FOUND: 0, UNCERTAIN: 0}
    for cell in result.extraction.cells.values():
        out[cell.status] += 1
    return out


def year_note(result: ImportResult, year: int) -> str | None:
    due = template_for_year(year)
    if due and due.id != result.template.id:
        return f"按表头判定为 {result.template.id}，但 {year} 年度应使用 {due.id}：请核对年度或原文"
    return None


def format_report(
    result: ImportResult, agency: str, year: int, registry: set[str], problems: list[str], verbose: bool = False
) -> str:
    """The import report: what was taken from where, what is blank, not found or uncertain, and what to do next."""
    c = counts(result)
    total = sum(c.values())
    ex = result.extraction
    out = [
        f"导入 {result.doc.kind} → {result.out}",
        f"模板：{result.template.id}（按表头判定）",
        f"单元格：共 {total} 个；取自原文 {c[PRINTED]} 个，原文空白 {c[BLANK]} 个，原文中未找到 {c[NOT_FOUND]} 个，"
        f"无法确定 {c[UNCERTAIN]} 个。",
        f"文字部分：{'、'.join(h for h, _ in result.narrative.values()) or '未找到'}。",
    ]
    note = year_note(result, year)
    if note:
        out.append(f"注意：{note}")
    if ex.fuzzy:
        out.append("近似匹配的行名称与节标题（请核对）：")
        out += [f"  - {item}" for item in ex.fuzzy]
    if ex.remarks:
        out.append("其他须核对之处（转换稿中单独成行的数如何归入、未能归入的数）：")
        out += [f"  - {item}" for item in ex.remarks]
    if result.settled:
        out.append("按被替换数据包的 settled 记录（对照原文核定）填入的单元格：")
        for st in result.settled:
            keys = [(t, r, c) for t, r, c in (cell.split(".") for cell in st.cells)]
            out.append(f"  - {_cells(keys)} = {' / '.join(v or '空白' for v in st.values)}（{st.source}）")
    if result.unused:
        out.append(
            "被替换数据包中不再需要的 settled 记录（这次导入已能读出，或不再是同一组单元格；未带入草稿，请核对）："
        )
        out += [f"  - {'、'.join(st.cells)} = {' / '.join(v or '空白' for v in st.values)}" for st in result.unused]
    if result.unresolved:
        out.append(
            "未找到或无法确定的单元格（已写入 datapackage.json 的 unresolved，草稿中留空；"
            "须对照原文填入数值，把该条移到 settled，见 CONTRIBUTING.md）："
        )
        for u in result.unresolved:
            status = "未找到" if u.status == NOT_FOUND else "无法确定"
            cells = _cells(u.cells)
            readings = "；".join(" / ".join(c) for c in u.candidates)
            out.append(f"  - {status}：{cells}（{u.source}）：{u.note}" + (f"；候选 {readings}" if readings else ""))
    if problems:
        out.append("校验发现的问题（原报告自身的不一致请核对后在 datapackage.json 的 acknowledgements 中确认）：")
        out += [f"  - {p}" for p in problems]
    if agency not in registry:
        out.append(f"机构 {agency} 不在机构名录中；请在 data/agencies.csv 加一行（填写全称、层级等）：")
        out.append(
            f"  {agency},<机构全称>,<层级：中央/省级/地市级/县级/乡镇级/部门/片区>,<省>,<市>,<县>,<上级机构标识>,<网站>"
        )
    if verbose:
        status = {PRINTED: "取自", BLANK: "原文空白", NOT_FOUND: "原文中未找到", UNCERTAIN: "无法确定"}
        out.append("逐格来源：")
        for table in result.template.tables:
            for row in table.rows:
                for column in table.columns:
                    cell = ex.cells.get((table.id, row.id, column.id))
                    if cell is None:
                        continue
                    where = f" {cell.where}" if cell.where else ""
                    out.append(
                        f"  {table.id}.{row.id}.{column.id} = {cell.value or '（空）'}  {status[cell.status]}{where}"
                    )
    out.append("下一步：对照原文逐格核对草稿（nianbao show 目录 --tidy），改正后运行 nianbao fmt 与 nianbao validate。")
    return "\n".join(out) + "\n"


def _cells(keys: list[tuple[str, str, str]]) -> str:
    """Cells of one entry, a whole row as table.row.*, a whole table as table.*."""
    rows: dict[tuple[str, str], list[str]] = {}
    for t, r, c in keys:
        rows.setdefault((t, r), []).append(c)
    if len(rows) > 3 and len({t for t, _ in rows}) == 1:
        return f"{keys[0][0]}.*（{len(keys)} 格）"
    if len(rows) == 1 and len(keys) > 7:
        return f"{keys[0][0]}.{keys[0][1]}.*（{len(keys)} 格）"
    return "、".join(f"{t}.{r}." + (c[0] if len(c) == 1 else "{" + ",".join(c) + "}") for (t, r), c in rows.items())
