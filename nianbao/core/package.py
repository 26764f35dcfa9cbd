"""The data package model: a report's tables, notes and narrative as loaded from data/."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from nianbao.core.definitions import read_definition
from nianbao.core.templates import Table, Template

HEADING = re.compile(r"^##\s+(.+?)\s*$")


@dataclass
class TableData:
    table: Table
    file: str
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line in file, cells) of the rows whose ids are usable
    row_lines: dict[str, int] = field(default_factory=dict)


@dataclass
class Package:
    dir: Path
    display: str  # the folder as the user named it, for messages
    path_agency: str | None  # from reports/<agency>/<year>/, None when not laid out so
    path_year: int | None
    context: bool = False  # loaded only as the previous year of a package under validation
    descriptor: dict[str, Any] | None = None
    template: Template | None = None
    tables: dict[str, TableData] = field(default_factory=dict)
    notes: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    narrative: str | None = None
    resource_files: dict[str, str] = field(default_factory=dict)  # resource name -> display path

    @property
    def agency(self) -> str | None:
        value = (self.descriptor or {}).get("agency")
        return value if isinstance(value, str) else self.path_agency

    @property
    def year(self) -> int | None:
        value = (self.descriptor or {}).get("year")
        return value if isinstance(value, int) and not isinstance(value, bool) else self.path_year

    @property
    def key(self) -> str:
        return f"{self.agency}/{self.year}"

    def file(self, name: str) -> str:
        return str(Path(self.display) / name)

    @cached_property
    def sections(self) -> list[NarrativeSection]:
        """The narrative's sections, parsed once (by the check and by every page and download that shows them)."""
        return parse_narrative(self.narrative or "")


@dataclass
class DataRoot:
    dir: Path
    display: str
    named: bool = False  # named on the command line (its whole tree is checked), not only the root of a package


@dataclass
class Collection:
    """What validation loaded: the render stage works from this, without reading files again."""

    packages: list[Package]
    roots: list[DataRoot]
    cells: Any = None  # validate.Cells: every template cell, long form and as a packages × cells matrix
    registry: dict[str, dict[str, str]] = field(default_factory=dict)


SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class PackageFile:
    """One file of a package: the descriptor, or a resource it lists."""

    name: str  # resource name; "datapackage" for the descriptor
    path: str  # file name inside the package folder
    kind: str  # descriptor, table, notes, narrative or source
    table: Table | None = None
    index: int | None = None  # position in `resources`


@dataclass(frozen=True)
class Rejected:
    """A resource entry that names no file of the package (reported by the validator, skipped by everyone)."""

    index: int
    reason: str  # duplicate, path, unknown
    name: str
    path: str


def package_files(descriptor: dict[str, Any] | None, tmpl: Template | None) -> tuple[list[PackageFile], list[Rejected]]:
    """THE list of a package's files, read by validate, fmt and show alike: the descriptor, then each resource whose
    name the template (or package.yaml's extra resources, source.* included) knows and whose path stays in the folder."""
    files = [PackageFile("datapackage", "datapackage.json", "descriptor")]
    rejected: list[Rejected] = []
    resources = (descriptor or {}).get("resources")
    if not isinstance(resources, list):
        return files, rejected
    extra = {r["name"] for r in read_definition("package.yaml")["extra_resources"]}
    tables = {t.id: t for t in tmpl.tables} if tmpl else {}
    seen: set[str] = set()
    for index, resource in enumerate(resources):
        if not isinstance(resource, dict):
            continue
        name, path = resource.get("name"), resource.get("path")
        if not isinstance(name, str) or not isinstance(path, str):
            continue
        if name in seen:
            rejected.append(Rejected(index, "duplicate", name, path))
            continue
        seen.add(name)
        if not SAFE_NAME.fullmatch(path) or ".." in path or path == "datapackage.json":
            rejected.append(Rejected(index, "path", name, path))
        elif name in tables:
            files.append(PackageFile(name, path, "table", tables[name], index))
        elif name in extra:
            files.append(PackageFile(name, path, name, None, index))
        else:
            rejected.append(Rejected(index, "unknown", name, path))
    return files, rejected


# The status of a template cell (issue 9): what the number column of every tidy output means.
CELL_STATUS = ("printed", "blank", "not-found", "uncertain")


@dataclass(frozen=True)
class TidyRow:
    """One template cell of one package: THE long form, for `nianbao show --tidy` and the site's tidy download."""

    table: str
    row: str
    column: str
    value: str  # as printed; "" unless status is "printed"
    status: str  # one of CELL_STATUS
    note: str  # notes.csv's note for the cell, then the unresolved entry's note


# THE tidy shape of a cell, as Table Schema fields: `nianbao show --tidy` prints these columns, and the site's tidy
# download is these columns with the report's identity before them and the template's labels after them.
TIDY_SCHEMA: tuple[dict[str, Any], ...] = (
    {"name": "table", "title": "表", "type": "string"},
    {"name": "row", "title": "行", "type": "string"},
    {"name": "column", "title": "列", "type": "string"},
    {"name": "value", "title": "数值（空白表示原文空白）", "type": "number"},
    {
        "name": "status",
        "title": "状态（printed 原文所印；blank 原文空白；not-found 原文中未找到；uncertain 有几种读法）",
        "type": "string",
        "constraints": {"enum": list(CELL_STATUS)},
    },
    {"name": "note", "title": "单元格说明（原文）", "type": "string"},
)
TIDY_FIELDS = tuple(f["name"] for f in TIDY_SCHEMA)


def unresolved_cells(pkg: Package) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(table, row, column) -> the unresolved entry naming it (well-formed entries; the validator reports others)."""
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for entry in (pkg.descriptor or {}).get("unresolved") or []:
        cells = entry.get("cells") if isinstance(entry, dict) else None
        for cell in cells if isinstance(cells, list) else []:
            if isinstance(cell, str) and cell.count(".") == 2:
                table, row, column = cell.split(".")
                out.setdefault((table, row, column), entry)
    return out


def tidy_rows(pkg: Package) -> list[TidyRow]:
    """One row per template cell in printed order, with its status: a number printed, blank in the source, or
    (from `unresolved`) not found or uncertain. An optional row (a V2021 group printed with values) appears only
    when the package has it."""
    notes = {(n["table"], n["row"], n["column"]): n["note"] for _, n in pkg.notes}
    unresolved = unresolved_cells(pkg)
    rows: list[TidyRow] = []
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
                key = (table.id, row.id, column.id)
                value = cells[index[column.id]] if cells is not None and column.id in index else ""
                entry = unresolved.get(key)
                status = str(entry.get("status", "uncertain")) if entry else "printed" if value else "blank"
                if status not in CELL_STATUS:
                    status = "uncertain"
                note = "；".join(n for n in (notes.get(key, ""), str(entry.get("note", "")) if entry else "") if n)
                rows.append(TidyRow(*key, value if status == "printed" else "", status, note))
    return rows


@dataclass(frozen=True)
class NarrativeSection:
    """One `## ` section of narrative.md; text before the first heading is the preamble (id and heading "")."""

    id: str  # s1, s5, s6 … from the heading's numeral (一、五、六), "" when the heading has none
    heading: str  # as printed
    body: str
    line: int  # line of the heading in narrative.md (0 for the preamble)


_NUMERALS = {"一": "s1", "二": "s2", "三": "s3", "四": "s4", "五": "s5", "六": "s6"}


def parse_narrative(text: str) -> list[NarrativeSection]:
    """Every `## ` section of narrative.md with its body, in order; a preamble first if there is text before."""
    out: list[NarrativeSection] = []
    current = NarrativeSection("", "", "", 0)
    body: list[str] = []

    def close() -> None:
        if current.line or any(b.strip() for b in body):
            out.append(NarrativeSection(current.id, current.heading, "\n".join(body).strip(), current.line))

    for number, line in enumerate(text.splitlines(), start=1):
        match = HEADING.match(line)
        if match:
            close()
            heading = match.group(1)
            sid = _NUMERALS.get(heading[:1], "") if heading[1:2] in "、." else ""
            current, body = NarrativeSection(sid, heading, "", number), []
        else:
            body.append(line)
    close()
    return out
