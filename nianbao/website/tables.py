"""Draw a report's tables as HTML in the official layout (rowspan/colspan from the template definitions)."""

from __future__ import annotations

from markupsafe import Markup, escape

from nianbao.core.layout import body_label_cells, header_grid
from nianbao.core.package import Package
from nianbao.core.templates import Table
from nianbao.website.model import display_number


def _attrs(cell: dict) -> str:
    out = ""
    if cell.get("colspan", 1) > 1:
        out += f' colspan="{cell["colspan"]}"'
    if cell.get("rowspan", 1) > 1:
        out += f' rowspan="{cell["rowspan"]}"'
    return out


def package_cells(pkg: Package) -> dict[tuple[str, str, str], str]:
    """(table, row, column) → the value as stored (empty = blank in the source)."""
    out: dict[tuple[str, str, str], str] = {}
    for table_id, data in pkg.tables.items():
        index = {name: i for i, name in enumerate(data.header)}
        for _, cells in data.rows:
            for column in data.table.columns:
                if column.id in index:
                    out[(table_id, cells[index["row"]], column.id)] = cells[index[column.id]]
    return out


def package_labels(pkg: Package) -> dict[tuple[str, str], str]:
    """(table, row) → the row label as printed in this report."""
    out = {}
    for table_id, data in pkg.tables.items():
        if "label" in data.header:
            index = {name: i for i, name in enumerate(data.header)}
            for _, cells in data.rows:
                out[(table_id, cells[index["row"]])] = cells[index["label"]]
    return out


def table_html(
    table: Table,
    values: dict[tuple[str, str, str], str],
    labels: dict[tuple[str, str], str],
    notes: dict[tuple[str, str, str], str],
    flagged: dict[str, tuple[int, str, str]],
    settled: frozenset[str] = frozenset(),
) -> Markup:
    """One template table. `flagged` maps "table.row.column" to the number of the finding on that cell (the
    marker ※n links to #finding-n below the tables), its one-line text and its kind (原报告数据不一致, 警告);
    a cell in `settled` was read in the original by a maintainer (the marker † links to #settled)."""
    present = [r.id for r in table.rows if not r.optional or (table.id, r.id, table.columns[0].id) in values]
    parts = [f'<table class="nb-table" id="{table.id}">']
    parts.append(f"<caption>{escape(table.caption)}{_unit(table)}</caption>")
    parts.append(_thead(table))
    label_cells = _label_cells(table, tuple(present))
    for row_id in present:
        parts.append(f'<tr data-row="{row_id}">')
        for cell in label_cells[row_id]:
            text = labels.get((table.id, row_id), cell["text"]) if "row" in cell else cell["text"]
            scope = ' scope="rowgroup"' if "group" in cell else ' scope="row"'
            parts.append(f"<th{scope}{_attrs(cell)}>{escape(text)}</th>")
        for column in table.columns:
            key = (table.id, row_id, column.id)
            value = values.get(key, "")
            note = notes.get(key)
            finding = flagged.get(".".join(key))
            css = ["nb-blank"] if value == "" else []
            text = escape(display_number(value, "")) if value else Markup('<span class="nb-sr">原报告空白</span>')
            mark = ""
            if finding:
                css.append("nb-flag")
                number, why, kind = finding
                mark = (
                    f'<a class="nb-mark" href="#finding-{number}" title="{escape(why)}">'
                    f'<span aria-hidden="true">※{number}</span><span class="nb-sr">（{kind}，见说明 {number}）</span></a>'
                )
            if ".".join(key) in settled:
                mark += (
                    '<a class="nb-settled-mark" href="#settled" title="按原文核定：导入所用的副本中读不出，已对照原文读出">'
                    '<span aria-hidden="true">†</span><span class="nb-sr">（按原文核定，见“按原文核定的单元格”）</span></a>'
                )
            klass = f' class="{" ".join(css)}"' if css else ""
            span = f' colspan="{column.span}"' if column.span > 1 else ""
            note_html = f'<span class="nb-note">{escape(note)}</span>' if note else ""
            parts.append(f'<td data-column="{column.id}"{span}{klass}>{text}{mark}{note_html}</td>')
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return Markup("".join(parts))


# Templates are loaded once, so a table's identity keys its layout, the same for every report.
_THEAD: dict[int, str] = {}


_LABELS: dict[tuple[int, tuple[str, ...]], dict[str, list[dict]]] = {}


def _thead(table: Table) -> str:
    if id(table) not in _THEAD:
        parts: list[str] = []
        parts.append("<thead>")
        for row in header_grid(table):
            parts.append("<tr>")
            for cell in row:
                scope = ' scope="col"' if "column" in cell else ' scope="colgroup"' if "group" in cell else ""
                css = ' class="nb-corner"' if cell.get("corner") else ""
                if cell.get("corner") and not scope:
                    scope = ' scope="col"'  # the corner heads the label column (信息内容)
                parts.append(f"<th{scope}{css}{_attrs(cell)}>{escape(cell['text'])}</th>")
            parts.append("</tr>")
        parts.append("</thead><tbody>")
        _THEAD[id(table)] = "".join(parts)
    return _THEAD[id(table)]


def _label_cells(table: Table, present: tuple[str, ...]) -> dict[str, list[dict]]:
    key = (id(table), present)
    if key not in _LABELS:
        _LABELS[key] = body_label_cells(table, list(present))
    return _LABELS[key]


def _unit(table: Table) -> Markup:
    return Markup(f'<span class="nb-unit">（单位：{escape(table.unit)}）</span>') if table.unit else Markup("")
