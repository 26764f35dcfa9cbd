"""The real data in data/: valid, canonical, faithful to the published reports, and valid for frictionless too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DATA, chdir
from frictionless import Package as FrictionlessPackage

from nianbao.canonical import format_paths
from nianbao.check import validate
from nianbao.core.package import tidy_rows
from nianbao.core.schemas import self_contained
from nianbao.core.templates import template
from nianbao.show import load_one

PACKAGES = sorted(p.parent for p in (DATA / "reports").glob("*/*/datapackage.json"))


def test_data_validates_without_errors() -> None:
    report, _ = validate([str(DATA)])
    assert report.counts["packages"] == len(PACKAGES) >= 7
    assert report.errors == []
    # The only warnings are the publishers' own layouts, kept as printed: （六）其他处理 as one row (洪泽区, templates.md
    # §8), a report in another year's template or with a non-standard section (平潭's units, issue 12).
    assert {p.rule for p in report.warnings} <= {"R13", "template-year"}
    assert {(str(DATA / f"reports/hongze/{y}/s3.csv"), "R13") for y in (2023, 2024)} <= {
        (p.file, p.rule) for p in report.warnings
    }
    assert report.counts["cells"] > 0 and all(
        t.checked > 0 for r, t in report.rules.items() if r in {"R1", "R2", "R3", "R4", "R5"}
    )


def test_data_is_canonical() -> None:
    changes, failures = format_paths([str(DATA)], write=False)
    assert failures == []
    assert [c.file for c in changes] == []


@pytest.mark.parametrize("folder", PACKAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_frictionless_accepts_each_package(folder: Path) -> None:
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    report = FrictionlessPackage(
        self_contained(descriptor, template(descriptor["template"])), basepath=str(folder)
    ).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_beiyangjizhen_2019_is_transcribed_as_published() -> None:
    pkg, problems = load_one(str(DATA / "reports" / "beiyangjizhen" / "2019"))
    assert problems == []
    cells = {(x.table, x.row, x.column): (x.value, x.note) for x in tidy_rows(pkg)}
    assert len(cells) == 198  # every V2019 template cell: 22 + 161 + 15
    assert [cells[("s2_a20_1", "regulations", c)][0] for c in ("new_made", "new_published", "total_published")] == [
        "5",
        "5",
        "5",
    ]
    assert [cells[("s2_a20_1", "normative_docs", c)][0] for c in ("new_made", "new_published", "total_published")] == [
        "52",
        "52",
        "48",
    ]
    assert cells[("s2_a20_9", "central_procurement", "procurement_amount")] == ("0", "")
    assert {v for (t, _, _), (v, _) in cells.items() if t in {"s3", "s4"}} == {"0"}  # printed zeros, not blanks
    narrative = pkg.narrative or ""
    assert "全镇累计主动公开政府信息57条" in narrative
    assert narrative.rstrip().endswith("其他无需要报告的事项。")


def test_beiyangjizhen_oddity_is_kept_and_acknowledged() -> None:
    # ../shared/samples/README.md: 规范性文件 对外公开总数量 48 < 本年新公开数量 52, the publisher's own.
    with chdir(DATA.parent):
        report, _ = validate(["data/reports/beiyangjizhen/2019"])
    assert report.ok
    (finding,) = report.acknowledged
    assert finding.text() == (
        "data/reports/beiyangjizhen/2019/s2_a20_1.csv:3:total_published: 已确认 [R8] "
        "第二十条第（一）项：对外公开总数量不小于本年新公开数量："
        "s2_a20_1.normative_docs.total_published ≥ s2_a20_1.normative_docs.new_published 不成立"
        "（期望：≥ 52；实际：48）〔原报告数据不一致：原报告如此：规范性文件对外公开总数量 48 小于本年新公开数量 52。〕"
    )
    assert report.rules["R8"].acknowledged == 1 and report.rules["R8"].failed == 0
