"""Every package in data/ with a copy of its source (source.*) re-imports from that copy to itself (issue 12).

The rule, cell by cell, for what the importer reads from the copy (with the neighbouring years of data/ as evidence,
as `nianbao import` does):
- printed or blank in the source: the package holds the same value (blank stays blank);
- not found: the package keeps the cell blank — the publisher did not print it (a row left out, （六）其他处理
  printed as one row); the package's description says so;
- uncertain: allowed only where the package records where the values were settled: the values kept for the
  importer's entry are one of its readings, and the description states them (settled from the original page, or
  from the source's order) — at least one value of the entry quoted, or 照录为空白 for a cell kept blank.
All local: no network; the parse runs in-process without writing a draft.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import DATA

from nianbao.importer.draft import _template
from nianbao.importer.evidence import neighbours
from nianbao.importer.extract import BLANK, NOT_FOUND, PRINTED, UNCERTAIN, extract
from nianbao.importer.sources import read

PACKAGES = sorted(p.parent for p in (DATA / "reports").glob("*/*/datapackage.json") if list(p.parent.glob("source.*")))


def _cells(folder: Path) -> dict[tuple[str, str, str], str]:
    out = {}
    for path in folder.glob("*.csv"):
        if path.name == "notes.csv":
            continue
        for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))):
            for column, value in row.items():
                if column not in ("row", "label"):
                    out[(path.stem, row["row"], column)] = value
    return out


def test_there_are_packages_with_sources() -> None:
    assert len(PACKAGES) >= 50  # 平潭's reports, each with its source copy


@pytest.mark.parametrize("folder", PACKAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_package_reimports_from_its_source_to_itself(folder: Path) -> None:
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    agency, year = descriptor["agency"], descriptor["year"]
    source = next(folder.glob("source.*"))
    doc = read(source.read_bytes())
    tmpl = _template(doc, year)
    assert tmpl.id == descriptor["template"]
    extraction = extract(doc, tmpl, year, neighbours(DATA, agency, year))
    kept = _cells(folder)
    description = descriptor.get("description", "")
    settled = set()  # cells of uncertain entries whose kept reading the description records
    for entry in (u for u in extraction.unresolved if u.status == UNCERTAIN):
        reading = tuple(kept.get(c) for c in entry.cells)
        stated = any(v and v in description for v in reading) or "照录为空白" in description
        if reading in entry.candidates and stated:
            settled.update(entry.cells)
    differences = []
    for key, cell in extraction.cells.items():
        value = kept.get(key)
        if cell.status in (PRINTED, BLANK) and value != cell.value:
            differences.append((".".join(key), cell.status, cell.value, value))
        elif cell.status == NOT_FOUND and value != "":
            differences.append((".".join(key), "not-found but filled", "", value))
        elif cell.status == UNCERTAIN and key not in settled:
            differences.append((".".join(key), "uncertain, not settled from the original", "", value))
    assert differences == []
    if any(c.status == NOT_FOUND for c in extraction.cells.values()):
        assert "照录为空白" in description or "照录" in description  # the omission is stated, not hidden
