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


def test_collection_scores_source_copies_and_how_rows_were_settled(tmp_path: Path) -> None:
    """苏平片区 2019–2020 re-read from their crawler-text copies: every claimed cell right; the three rows the text
    ran together were settled as one of the importer's readings."""
    import shutil

    for year in (2019, 2020):
        shutil.copytree(
            DATA / "reports" / "pingtan-suping" / str(year), tmp_path / "reports" / "pingtan-suping" / str(year)
        )
    per_kind, rows = import_accuracy.collection(tmp_path)
    assert list(per_kind) == ["网页抓取文本"]
    tally = per_kind["网页抓取文本"]
    assert tally["reports"] == 2 and tally["wrong"] == 0 and tally["not found"] == 0
    assert tally["right"] + tally["uncertain"] == tally["cells"] == 396
    assert rows == {
        "uncertain, one of the readings": 3,
        "uncertain, none of the readings": 0,
        "not printed": 0,
        "unsettled": 0,
    }
