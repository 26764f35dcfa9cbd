"""The official print layout of a template table: header grid and row-label cells with their spans."""

from __future__ import annotations

from typing import Any

from nianbao.core.templates import Table


def header_grid(table: Table) -> list[list[dict[str, Any]]]:
    """The table's header rows in the official layout: cells with text, colspan, rowspan.

    Column groups nest (申请人情况 › 法人或其他组织 › 商业企业); a leaf that sits higher than the
    deepest level spans the rows below it (自然人 has rowspan 2), as printed.
    """
    depth = 1 + max((len(table.column_ancestors(c)) for c in table.columns), default=0)
    grid: list[list[dict[str, Any]]] = [[] for _ in range(depth)]
    if table.label_columns:
        grid[0].append({"text": table.corner or "", "colspan": table.label_columns, "rowspan": depth, "corner": True})
    seen: set[str] = set()
    for column in table.columns:
        chain = table.column_ancestors(column)
        for level, group in enumerate(chain):
            if group.id in seen:
                continue
            seen.add(group.id)
            width = sum(c.span for c in table.columns if group in table.column_ancestors(c))
            grid[level].append({"text": group.label, "colspan": width, "rowspan": 1, "group": group.id})
        grid[len(chain)].append(
            {
                "text": column.label,
                "colspan": column.span,
                "rowspan": depth - len(chain),
                "column": column.id,
            }
        )
    return grid


def body_label_cells(table: Table, row_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The label cells that start each printed row, with the vertical group labels' rowspans.

    三、本年度办理结果 spans 20 rows in V2019 and 22 in V2021; （三）不予公开 spans its eight rows.
    `row_ids` are the rows actually present: a group printed as a row of its own (（六）其他处理 in
    some V2021 reports) is not drawn as a vertical label, and its members' labels widen instead.
    """
    rows = [table.row(r) for r in row_ids]
    cells: dict[str, list[dict[str, Any]]] = {r.id: [] for r in rows}
    opened: set[str] = set()
    for row in rows:
        vertical = [g for g in table.row_ancestors(row) if g.id not in row_ids]
        for group in vertical:
            if group.id in opened:
                continue
            opened.add(group.id)
            span = sum(1 for r in rows if group in table.row_ancestors(r))
            cells[row.id].append({"text": group.label, "rowspan": span, "colspan": 1, "group": group.id})
        if table.label_columns:
            width = max(table.label_columns - len(vertical), 1)
            cells[row.id].append({"text": row.label, "rowspan": 1, "colspan": width, "row": row.id})
    return cells
