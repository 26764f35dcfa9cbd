"""The data package model: a report's tables, notes and narrative as loaded from data/."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nianbao.check.problems import Problem
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


@dataclass
class DataRoot:
    dir: Path
    display: str


@dataclass
class Collection:
    """What validation loaded: the render stage works from this, without reading files again."""

    packages: list[Package]
    roots: list[DataRoot]
    problems: list[Problem]
    cells: Any = None  # validate.Cells: every template cell, long form and as a packages × cells matrix
    registry: dict[str, dict[str, str]] = field(default_factory=dict)


def narrative_sections(text: str) -> list[tuple[int, str, str]]:
    """The `## ` headings of narrative.md: (line, section id or "", heading as printed)."""
    numerals = {"一": "s1", "二": "s2", "三": "s3", "四": "s4", "五": "s5", "六": "s6"}
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = HEADING.match(line)
        if match:
            heading = match.group(1)
            found.append((number, numerals.get(heading[:1], "") if heading[1:2] in "、." else "", heading))
    return found


def split_narrative(text: str) -> list[tuple[str, str, str]]:
    """(section id, heading as printed, body) for each `## ` section; text before the first is ("", "", body)."""
    out: list[tuple[str, str, str]] = []
    current: tuple[str, str] = ("", "")
    body: list[str] = []
    headings = {line: (sid, heading) for line, sid, heading in narrative_sections(text)}
    for number, line in enumerate(text.splitlines(), start=1):
        if number in headings:
            if current != ("", "") or any(b.strip() for b in body):
                out.append((*current, "\n".join(body).strip()))
            current, body = headings[number], []
        else:
            body.append(line)
    if current != ("", "") or any(b.strip() for b in body):
        out.append((*current, "\n".join(body).strip()))
    return out
