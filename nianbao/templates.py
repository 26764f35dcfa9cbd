"""The two national templates, read from definitions/*.yaml, and the Table Schemas generated from them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

DEFINITIONS = resources.files("nianbao") / "definitions"
TEMPLATE_IDS = ("V2019", "V2021")

# Frictionless type and constraints per template column type (templates.md §7, R9/R10).
_FIELD_TYPES: dict[str, dict[str, Any]] = {
    "count": {"type": "integer", "constraints": {"minimum": 0}},
    "change": {"type": "integer"},
    "money": {"type": "number", "constraints": {"minimum": 0}},
}


@cache
def read_definition(name: str) -> Any:
    """Parse one file of definitions/ (YAML or JSON), once; callers must not modify the result."""
    text = (DEFINITIONS / name).read_text(encoding="utf-8")
    return json.loads(text) if name.endswith(".json") else yaml.safe_load(text)


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    type: str = "count"
    group: str | None = None
    unit: str | None = None
    span: int = 1


@dataclass(frozen=True)
class Row:
    id: str
    label: str
    group: str | None = None
    optional: bool = False  # a group label row that some publishers print with values


@dataclass(frozen=True)
class Group:
    id: str
    label: str
    parent: str | None = None
    may_hold_values: bool = False


@dataclass(frozen=True)
class Table:
    id: str
    section: str
    caption: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    corner: str | None = None
    unit: str | None = None
    label_columns: int = 1
    column_groups: tuple[Group, ...] = ()
    row_groups: tuple[Group, ...] = ()
    row_sets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    column_sets: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def column_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.columns)

    @property
    def row_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.rows)

    @property
    def required_row_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.rows if not r.optional)

    @property
    def header(self) -> tuple[str, ...]:
        """The CSV header: row id, label as printed, then the columns in template order."""
        return ("row", "label", *self.column_ids)

    def row(self, row_id: str) -> Row:
        return next(r for r in self.rows if r.id == row_id)

    def column(self, column_id: str) -> Column:
        return next(c for c in self.columns if c.id == column_id)

    def row_ancestors(self, row: Row) -> list[Group]:
        return _ancestors(self.row_groups, row.group)

    def column_ancestors(self, column: Column) -> list[Group]:
        return _ancestors(self.column_groups, column.group)


@dataclass(frozen=True)
class Section:
    id: str
    heading: str
    kind: str


@dataclass(frozen=True)
class Template:
    id: str
    title: str
    basis: str
    first_year: int
    last_year: int | None
    sections: tuple[Section, ...]
    tables: tuple[Table, ...]

    def table(self, table_id: str) -> Table:
        return next(t for t in self.tables if t.id == table_id)

    @property
    def table_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.tables)

    def covers(self, year: int) -> bool:
        return year >= self.first_year and (self.last_year is None or year <= self.last_year)

    def cells(self) -> list[tuple[str, str, str]]:
        """Every (table, row, column) of the template, in printed order."""
        return [(t.id, r.id, c.id) for t in self.tables for r in t.rows for c in t.columns]


def _ancestors(groups: tuple[Group, ...], group_id: str | None) -> list[Group]:
    by_id = {g.id: g for g in groups}
    chain: list[Group] = []
    while group_id is not None:
        group = by_id[group_id]
        chain.insert(0, group)
        group_id = group.parent
    return chain


def _table(raw: dict[str, Any]) -> Table:
    row_groups = tuple(Group(**g) for g in raw.get("row_groups", []))
    rows: list[Row] = []
    placed: set[str] = set()
    for r in raw["rows"]:
        row = Row(**r)
        # A group that may hold values gets an optional row of its own, just before its members.
        for group in _ancestors(row_groups, row.group):
            if group.may_hold_values and group.id not in placed:
                placed.add(group.id)
                rows.append(Row(group.id, group.label, group.parent, optional=True))
        rows.append(row)
    return Table(
        id=raw["id"],
        section=raw["section"],
        caption=raw["caption"],
        corner=raw.get("corner"),
        unit=raw.get("unit"),
        label_columns=raw.get("label_columns", 1),
        columns=tuple(Column(**c) for c in raw["columns"]),
        rows=tuple(rows),
        column_groups=tuple(Group(**g) for g in raw.get("column_groups", [])),
        row_groups=row_groups,
        row_sets={k: tuple(v) for k, v in raw.get("row_sets", {}).items()},
        column_sets={k: tuple(v) for k, v in raw.get("column_sets", {}).items()},
    )


@cache
def template(template_id: str) -> Template:
    raw = read_definition(f"{template_id}.yaml")
    return Template(
        id=raw["id"],
        title=raw["title"],
        basis=raw["basis"],
        first_year=raw["years"]["first"],
        last_year=raw["years"].get("last"),
        sections=tuple(Section(**s) for s in raw["sections"]),
        tables=tuple(_table(t) for t in raw["tables"]),
    )


def templates() -> list[Template]:
    return [template(t) for t in TEMPLATE_IDS]


def template_for_year(year: int) -> Template | None:
    return next((t for t in templates() if t.covers(year)), None)


def table_schema(table: Table) -> dict[str, Any]:
    """The Frictionless Table Schema of one template table's CSV."""
    fields: list[dict[str, Any]] = [
        {
            "name": "row",
            "title": "行标识",
            "type": "string",
            "constraints": {"required": True, "unique": True, "enum": list(table.row_ids)},
        },
        {"name": "label", "title": "行名称（按原文）", "type": "string"},
    ]
    for column in table.columns:
        groups = [g.label for g in table.column_ancestors(column)]
        spec = _FIELD_TYPES[column.type]
        unit = column.unit or table.unit
        field_: dict[str, Any] = {
            "name": column.id,
            "title": " › ".join([*groups, column.label]),
            "type": spec["type"],
        }
        if unit:
            field_["description"] = f"单位：{unit}"
        if "constraints" in spec:
            field_["constraints"] = dict(spec["constraints"])
        fields.append(field_)
    return {"fields": fields, "missingValues": [""], "primaryKey": ["row"]}


def notes_schema() -> dict[str, Any]:
    spec = read_definition("package.yaml")
    fields = [dict(f) for f in spec["notes_fields"]]
    for f in fields:
        f["constraints"] = {"required": True}
    return {"fields": fields, "missingValues": [""], "primaryKey": ["table", "row", "column"]}


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


def self_contained(descriptor: dict[str, Any], tmpl: Template) -> dict[str, Any]:
    """The descriptor with every table's Table Schema inlined, as frictionless and data users need it."""
    schemas = {t.id: table_schema(t) for t in tmpl.tables}
    schemas["notes"] = notes_schema()
    out = dict(descriptor)
    out["resources"] = [
        {**r, "schema": schemas[r["name"]]} if isinstance(r, dict) and r.get("name") in schemas else r
        for r in descriptor.get("resources", [])
    ]
    return out


def package_resources(tmpl: Template, source: str | None = None) -> list[dict[str, Any]]:
    """The `resources` of a package of this template, in canonical order; `source` names the optional copy of the
    source as received (source.txt or source.html)."""
    out: list[dict[str, Any]] = [
        {
            "name": t.id,
            "path": f"{t.id}.csv",
            "title": t.caption,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
        }
        for t in tmpl.tables
    ]
    for extra in read_definition("package.yaml")["extra_resources"]:
        if extra.get("optional") and not (extra["name"] == "source" and source):
            continue
        path = source if extra["name"] == "source" and source else extra["path"]
        mediatype = "text/html" if path.endswith(".html") else extra["mediatype"]
        out.append(
            {
                "name": extra["name"],
                "path": path,
                "title": extra["title"],
                "format": path.rsplit(".", 1)[1],
                "mediatype": mediatype,
                "encoding": "utf-8",
            }
        )
    return out
