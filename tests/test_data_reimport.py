"""Every package in data/ with a copy of its source (source.*) re-imports from that copy to itself (issue 12).

The importer reads the copy (with the neighbouring years of data/ as evidence, as `nianbao import` does) and applies
the package's own `settled` entries (cells it could not determine, read by a maintainer in the original and quoted
there), exactly as `nianbao import --force` over the package does. Then, cell by cell, the package holds what the
importer read: a printed value, a blank, or the settled value; no cell is left not found or uncertain, and every
settled entry is used (one the importer no longer needs is stale); notes.csv holds what the importer reads beside
the numbers. All local: no network; the parse runs in-process without writing a draft.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import DATA

from nianbao.core.settled import settlements
from nianbao.importer.draft import _template
from nianbao.importer.evidence import neighbours
from nianbao.importer.extract import BLANK, PRINTED, extract
from nianbao.importer.settle import apply_settlements
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


def _notes(folder: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((folder / "notes.csv").read_text(encoding="utf-8"))))


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
    _, unused = apply_settlements(extraction, settlements(descriptor, tmpl))
    assert [s.cells for s in unused] == []  # every settled entry still names cells the importer cannot read
    kept = _cells(folder)
    differences = [
        (".".join(key), cell.status, cell.value, kept.get(key))
        for key, cell in extraction.cells.items()
        if cell.status not in (PRINTED, BLANK) or kept.get(key) != cell.value
    ]
    assert differences == []
    # notes.csv: what each cell prints besides its number (元, （其中修订16件）), as the draft writes it
    notes = {key: cell.note for key, cell in extraction.cells.items() if cell.note}
    kept_notes = {(n["table"], n["row"], n["column"]): n["note"] for n in _notes(folder)}
    assert notes == kept_notes
