"""The two national templates as a model: tables, rows, columns, groups, sections."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from nianbao.core.definitions import read_definition

TEMPLATE_IDS = ("V2019", "V2021")


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
        return _find(self.rows, row_id, f"表 {self.id} 没有行 {row_id}")

    def column(self, column_id: str) -> Column:
        return _find(self.columns, column_id, f"表 {self.id} 没有列 {column_id}")

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
        return _find(self.tables, table_id, f"模板 {self.id} 没有表 {table_id}")

    @property
    def table_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.tables)

    def covers(self, year: int) -> bool:
        return year >= self.first_year and (self.last_year is None or year <= self.last_year)

    def cells(self) -> list[tuple[str, str, str]]:
        """Every (table, row, column) of the template, in printed order."""
        return [(t.id, r.id, c.id) for t in self.tables for r in t.rows for c in t.columns]


def _find(items: Any, item_id: str, missing: str) -> Any:
    """The item with this id; a KeyError that says what is missing (a typo in a definition file), not StopIteration."""
    found = next((x for x in items if x.id == item_id), None)
    if found is None:
        raise KeyError(missing)
    return found


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
    return template_from(read_definition(f"{template_id}.yaml"))


def template_from(raw: dict[str, Any]) -> Template:
    """A template from its definition file's content (core.definitions checks its shape with this)."""
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
