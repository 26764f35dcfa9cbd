"""Where a number carries a flag (the publisher's own acknowledged inconsistency) and how findings name cells."""

from __future__ import annotations

import re
from collections.abc import Iterable

from nianbao.check.problems import Problem
from nianbao.core.templates import Template

# The values of the `flag` column of the tidy and wide downloads (issue 9: `uncertain` joins if ever published).
ACKNOWLEDGED = "acknowledged"

_CELL = re.compile(r"\b(s[0-9][0-9a-z_]*)\.([a-z][0-9a-z_]*)\.([a-z][0-9a-z_]*)\b")
_WORD = re.compile(r"\b[a-z][0-9a-z_]*\b")


def acknowledged_cells(problems: Iterable[Problem]) -> dict[str, Problem]:
    """ "table.row.column" → the acknowledged finding on that cell (the first, in report order)."""
    out: dict[str, Problem] = {}
    for p in problems:
        if p.acknowledged and p.cell:
            out.setdefault(p.cell, p)
    return out


def cell_label(tmpl: Template, table_id: str, row_id: str, column_id: str, printed: str | None = None) -> str:
    """A cell by its printed labels, as a reader finds it in the table: 行政复议 · 总计, （一）予以公开 · 总计."""
    if table_id not in tmpl.table_ids:
        return f"{table_id}.{row_id}.{column_id}"
    table = tmpl.table(table_id)
    row = next((r for r in table.rows if r.id == row_id), None)
    column = next((c for c in table.columns if c.id == column_id), None)
    if row is None or column is None:
        return f"{table_id}.{row_id}.{column_id}"
    label = (printed or row.label).strip()
    groups = [] if label else [g.label for g in table.column_ancestors(column)]
    return " · ".join(x for x in [label, *groups, column.label] if x)


def readable(text: str | None, tmpl: Template | None, table_id: str | None = None) -> str | None:
    """A finding's text with cell ids (s4.cases.review_total) and, within `table_id`, row ids replaced by the
    printed labels; what is not an id of the template stays as written."""
    if text is None or tmpl is None:
        return text

    def cell(m: re.Match[str]) -> str:
        return cell_label(tmpl, m.group(1), m.group(2), m.group(3))

    out = _CELL.sub(cell, text)
    if table_id and table_id in tmpl.table_ids:
        rows = {r.id: r.label for r in tmpl.table(table_id).rows if r.label}
        # Quoted: printed labels may hold "、" themselves, the separator of such lists.
        out = _WORD.sub(lambda m: f"“{rows[m.group(0)]}”" if m.group(0) in rows else m.group(0), out)
    return out
