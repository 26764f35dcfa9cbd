"""Frictionless Table Schemas and package resources generated from the templates."""

from __future__ import annotations

from typing import Any

from nianbao.core.definitions import read_definition
from nianbao.core.templates import Table, Template

# Frictionless type and constraints per template column type (templates.md §7, R9/R10).
_FIELD_TYPES: dict[str, dict[str, Any]] = {
    "count": {"type": "integer", "constraints": {"minimum": 0}},
    "change": {"type": "integer"},
    "money": {"type": "number", "constraints": {"minimum": 0}},
}


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
