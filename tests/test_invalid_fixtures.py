"""Every folder of fixtures/invalid/ produces exactly the problems its fault.yaml declares."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import chdir
from faults import build, fault_dirs, spec

from nianbao.check import validate

FAULTS = fault_dirs()


def test_there_is_a_fixture_per_fault() -> None:
    assert len(FAULTS) >= 35


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_fault_gives_declared_problems(fault: Path, tmp_path: Path) -> None:
    target = build(fault, tmp_path / "data")
    with chdir(target):
        report, _ = validate(["."])
    found = sorted((p.rule, p.file, p.line, p.column, p.text()) for p in report.problems if not p.acknowledged)
    expected = sorted((e["rule"], e["file"], e["line"], e["column"], e["text"]) for e in spec(fault)["expect"])
    assert found == expected
    has_errors = any(e["text"].split(": ", 1)[1].startswith("错误") for e in spec(fault)["expect"])
    assert report.ok is not has_errors
