"""The import accuracy scorer (benchmarks/import_accuracy.py) runs on one sample, so that it cannot rot."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import DATA, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import import_accuracy

SAMPLES = Path(__file__).parent / "fixtures" / "samples"


def test_scorer_counts_every_reviewed_cell(tmp_path: Path) -> None:
    kind, tally = import_accuracy.score(
        SAMPLES / "shanghai-bangongting-2025.md", "shanghai-bangongting", 2025, DATA, tmp_path
    )
    assert kind == "Markdown（PDF 转换稿）"
    assert tally == {"cells": 200, "right": 195, "wrong": 0, "uncertain": 5, "not found": 0}
    assert import_accuracy.table({kind: {"reports": 1, **tally}}).splitlines() == [
        "| format | reports | cells | right | wrong | uncertain | not found |",
        "|---|---:|---:|---:|---:|---:|---:|",
        "| Markdown（PDF 转换稿） | 1 | 200 | 195 | 0 | 5 | 0 |",
        "| **all** | 1 | 200 | 195 | 0 | 5 | 0 |",
    ]


def test_every_case_names_a_reviewed_package() -> None:
    for name, agency, year in import_accuracy.CASES:
        assert (DATA / "reports" / agency / str(year) / "datapackage.json").is_file(), name
