"""The vectorised cell checks agree with frictionless validating the same package with the same schemas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import chdir
from faults import INVALID, build
from frictionless import Package as FrictionlessPackage

from nianbao.check import validate
from nianbao.core.schemas import self_contained
from nianbao.core.templates import template

# Cell faults both must flag; frictionless reads full-width digits as numbers, we do not (see README).
CELL_FAULTS = ["cell-not-integer", "cell-negative", "cell-decimal-count", "cell-with-unit", "cell-blank-marker"]


def frictionless_cells(folder: Path) -> set[tuple[str, int, str]]:
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    package = FrictionlessPackage(self_contained(descriptor, template(descriptor["template"])), basepath=str(folder))
    report = package.validate()
    return {
        (f"{task.name}.csv", error.row_number, error.field_name)
        for task in report.tasks
        for error in task.errors
        if hasattr(error, "field_name")
    }


@pytest.mark.parametrize("fault", CELL_FAULTS)
def test_cell_faults_match_frictionless(fault: str, tmp_path: Path) -> None:
    target = build(INVALID / fault, tmp_path / "data")
    with chdir(target):
        report, _ = validate(["."])
    ours = {(Path(p.file).name, p.line, p.column) for p in report.errors}
    assert ours == frictionless_cells(target / "reports" / "testtown" / "2019")


def test_fullwidth_digits_are_stricter_than_frictionless(tmp_path: Path) -> None:
    target = build(INVALID / "cell-fullwidth-digits", tmp_path / "data")
    assert frictionless_cells(target / "reports" / "testtown" / "2019") == set()
    with chdir(target):
        report, _ = validate(["."])
    assert [p.rule for p in report.errors] == ["R10"]
