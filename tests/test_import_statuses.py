"""Every template cell an import writes is printed, blank in the source, not found or uncertain (issue 9), and
units printed inside cells become notes, never lost."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from nianbao.core.templates import template
from nianbao.importer.sources import Line
from nianbao.importer.tokens import tokens

SAMPLES = Path(__file__).parent / "fixtures" / "samples"
SHANGHAI = (SAMPLES / "shanghai-bangongting-2019.html").read_text(encoding="utf-8")
CELL = '<td colspan="2" nowrap="nowrap" style="width:150px;"><p align="center">{}</p></td>'


def _import(run, source: Path, out: Path, year: int = 2019, agency: str = "shanghai-bangongting"):
    return run("import", str(source), "--agency", agency, "--year", str(year), "--out", str(out))


def _csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def _unresolved(out: Path) -> list[dict[str, object]]:
    return json.loads((out / "datapackage.json").read_text(encoding="utf-8")).get("unresolved", [])


@pytest.mark.parametrize(
    ("printed", "value", "note"),
    [
        ("2笔", "2", "笔"),
        ("3条", "3", "条"),
        ("4个", "4", "个"),
        ("5项", "5", "项"),
        ("6件", "6", "件"),
        ("984361元", "984361", "元"),
        ("24252.311082万元", "24252.311082", "万元"),
        ("22（其中修订16件）", "22", "（其中修订16件）"),
        ("55（含自然失效29件）", "55", "（含自然失效29件）"),
        ("7 笔", "7", "笔"),
    ],
)
def test_unit_in_a_cell_is_value_and_note(printed: str, value: str, note: str) -> None:
    as_text = [(t.kind, t.text, t.note) for t in tokens([Line(f"政府集中采购 {printed} 1", "第 1 行")])]
    as_cell = [(t.kind, t.text, t.note) for t in tokens([Line("", "表 1 第 1 行", ["政府集中采购", printed, "1"])])]
    assert as_text == [("text", "政府集中采购", ""), ("num", value, note), ("num", "1", "")]
    assert as_cell[:3] == as_text


def test_counter_and_unit_of_procurement_become_notes(run, tmp_path: Path) -> None:
    """政府集中采购 2笔 984361元: both cells printed, both units in notes.csv (issue 9)."""
    page = SHANGHAI.replace(CELL.format("6"), CELL.format("2笔")).replace("251000元", "984361元")
    source = tmp_path / "report.html"
    source.write_text(page, encoding="utf-8")
    out = tmp_path / "d"
    code, _, err = _import(run, source, out)
    assert (code, err) == (0, "")
    assert _csv(out / "s2_a20_9.csv")[1] == ["central_procurement", "政府集中采购", "2", "984361"]
    assert _csv(out / "notes.csv") == [
        ["table", "row", "column", "note"],
        ["s2_a20_9", "central_procurement", "procurement_items", "笔"],
        ["s2_a20_9", "central_procurement", "procurement_amount", "元"],
    ]


@pytest.mark.parametrize(
    ("printed", "kinds"),
    [
        ("52¹", [("num", "52", "¹")]),
        ("95²", [("num", "95", "²")]),
        ("①", [("text", "①", "")]),
        ("㉕", [("text", "㉕", "")]),
        ("５２", [("num", "52", "")]),
        ("－１５", [("num", "-15", "")]),
        ("３．５", [("num", "3.5", "")]),
    ],
)
def test_only_full_width_digits_minus_and_point_are_folded(printed: str, kinds: list[tuple[str, str, str]]) -> None:
    """NFKC would read 52¹ as 521, 95² as 952 and ① as 1 (issue 10): a footnote mark is a note, ① is not a number."""
    assert [(t.kind, t.text, t.note) for t in tokens([Line(f"规章　{printed}", "第 1 行")])][1:] == kinds
    assert [(t.kind, t.text, t.note) for t in tokens([Line("", "表", ["规章", printed])])][1:2] == kinds


def test_blank_placeholders_are_blank_and_an_absent_row_is_not_found(run, tmp_path: Path) -> None:
    """In a real table, `/`, `—` and an empty cell are blank in the source; a row that is not there is not found."""
    penalty = SHANGHAI.index('<tr><td nowrap="nowrap" style="width:219px;"><p>行政处罚</p>')
    coercion = SHANGHAI.index('<tr><td nowrap="nowrap" style="width:219px;"><p>行政强制</p>')
    page = SHANGHAI[:penalty] + SHANGHAI[coercion:]  # the 行政处罚 row removed
    page = page.replace(CELL.format("6"), CELL.format("/")).replace("251000元", "&nbsp;")
    source = tmp_path / "report.html"
    source.write_text(page, encoding="utf-8")
    out = tmp_path / "d"
    code, report, _ = _import(run, source, out)
    assert code == 3
    assert _csv(out / "s2_a20_9.csv")[1] == ["central_procurement", "政府集中采购", "", ""]
    assert _csv(out / "s2_a20_6.csv")[1] == ["admin_penalty", "行政处罚", "", "", ""]
    assert ["s2_a20_9", "central_procurement", "procurement_items", "/"] in _csv(out / "notes.csv")
    assert _unresolved(out) == [
        {
            "cells": [
                "s2_a20_6.admin_penalty.prev_year_items",
                "s2_a20_6.admin_penalty.change",
                "s2_a20_6.admin_penalty.decisions",
            ],
            "status": "not-found",
            "note": "原文中找不到行“行政处罚”",
            "source": "表 s2_a20_6 所在处（表 1 第 9 行第 1 格至表 1 第 11 行第 1 格）",
        }
    ]
    assert (
        report.splitlines()[2]
        == "单元格：共 198 个；取自原文 58 个，原文空白 137 个，原文中未找到 3 个，无法确定 0 个。"
    )
    assert (
        "  - 未找到：s2_a20_6.admin_penalty.{prev_year_items,change,decisions}"
        "（表 s2_a20_6 所在处（表 1 第 9 行第 1 格至表 1 第 11 行第 1 格））：原文中找不到行“行政处罚”"
    ) in report.splitlines()


def test_truncated_html_reports_the_missing_table(run, tmp_path: Path) -> None:
    source = tmp_path / "cut.html"
    source.write_text(SHANGHAI[: SHANGHAI.index("四、政府信息公开")], encoding="utf-8")
    out = tmp_path / "out"
    code, report, err = _import(run, source, out)
    assert (code, err) == (3, "")
    s4 = [f"s4.cases.{c}" for c in template("V2019").table("s4").column_ids]
    assert _unresolved(out) == [
        {
            "cells": s4,
            "status": "not-found",
            "note": "原文中找不到表“四、政府信息公开行政复议、行政诉讼情况”（表头或所在章节标题）",
            "source": "全文",
        }
    ]
    assert _csv(out / "s4.csv")[1] == ["cases", "", *[""] * 15]
    assert (
        "  - 未找到：s4.cases.*（15 格）（全文）：原文中找不到表“四、政府信息公开行政复议、行政诉讼情况”（表头或所在章节标题）"
        in report
    )


def test_report_without_recognisable_tables_claims_nothing_blank(run, tmp_path: Path) -> None:
    """Headings and text but no table the importer can read (a badly converted PDF): every cell not found, exit 3."""
    text = "\n".join(
        [
            "某某区人民政府2021年政府信息公开工作年度报告",
            "一、总体情况",
            "本年度，我区……",
            "二、主动公开政府信息情况",
            "（见附图）",
            "三、收到和处理政府信息公开申请情况",
            "（见附图）",
            "四、政府信息公开行政复议、行政诉讼情况",
            "（见附图）",
            "五、存在的主要问题及改进情况",
            "一是……",
            "六、其他需要报告的事项",
            "无。",
        ]
    )
    source = tmp_path / "report.txt"
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "d"
    code, report, err = _import(run, source, out, year=2021, agency="mouqu")
    assert (code, err) == (3, "")
    tmpl = template("V2021")
    every = [f"{t.id}.{r}.{c}" for t in tmpl.tables for r in t.required_row_ids for c in t.column_ids]
    entries = _unresolved(out)
    assert sorted(c for e in entries for c in e["cells"]) == sorted(every)  # type: ignore[union-attr]
    assert {e["status"] for e in entries} == {"not-found"}
    for table in tmpl.tables:
        for row in _csv(out / f"{table.id}.csv")[1:]:
            assert row[2:] == [""] * len(table.columns)
    assert _csv(out / "notes.csv") == [["table", "row", "column", "note"]]
    assert (
        report.splitlines()[2]
        == f"单元格：共 {len(every)} 个；取自原文 0 个，原文空白 0 个，原文中未找到 {len(every)} 个，无法确定 0 个。"
    )


def _neighbour(data: Path, year: int, row: str, prev_year_items: str, change: str) -> None:
    """A copy of the reviewed 平潭 2019 package as another year, with one row of s2_a20_5 changed."""
    import shutil

    from conftest import DATA

    folder = data / "reports" / "pingtan" / str(year)
    shutil.copytree(DATA / "reports" / "pingtan" / "2019", folder)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor.update(name=f"pingtan-{year}", year=year)
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    lines = (folder / "s2_a20_5.csv").read_text(encoding="utf-8").splitlines()
    lines = [
        ",".join([*x.split(",")[:2], prev_year_items, change, "1"]) if x.startswith(row + ",") else x for x in lines
    ]
    (folder / "s2_a20_5.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_neighbouring_years_settle_a_split_through_r7(run, tmp_path: Path) -> None:
    """R7 (上一年项目数量 = 上年的上一年项目数量 + 上年的本年增/减), read from rules.yaml, against 2018 and 2020 in
    data/: 3960181 can only be 396 / 0 / 181 after a 2018 of 396 + 0; 100153 only 10 / 0 / 153 before a 2020 of 10."""
    from conftest import chdir

    _neighbour(tmp_path / "data", 2018, "admin_license", "396", "0")
    _neighbour(tmp_path / "data", 2020, "other_external_services", "10", "5")
    with chdir(tmp_path):
        code, report, _ = run(
            "import",
            str(SAMPLES / "pingtan-2019.web.txt"),
            "--agency",
            "pingtan",
            "--year",
            "2019",
            "--out",
            "d",
            "--verbose",
        )
    assert code == 3
    assert _csv(tmp_path / "d" / "s2_a20_5.csv")[1:] == [
        ["admin_license", "行政许可", "396", "0", "181"],
        ["other_external_services", "其他对外管理服务事项", "10", "0", "153"],
    ]
    assert "  s2_a20_5.admin_license.prev_year_items = 396  取自 第 10 行（连写数字拆分，由 R7 确定）" in report
    cells = {c for e in _unresolved(tmp_path / "d") for c in e["cells"]}  # type: ignore[union-attr]
    assert cells == {  # no rule reaches these: still uncertain (the neighbours settled 行政处罚, 行政强制, 收费 too)
        "s2_a20_1.normative_docs.new_made",
        "s2_a20_1.normative_docs.new_published",
        "s2_a20_1.normative_docs.total_published",
        "s2_a20_9.central_procurement.procurement_items",
        "s2_a20_9.central_procurement.procurement_amount",
    }


def test_more_values_than_columns_is_uncertain_not_truncated(run, tmp_path: Path) -> None:
    """A row printed with one value too many: the first n are not taken silently; each run of n is a reading."""
    text = (SAMPLES / "huaian-2024.pdf.txt").read_text(encoding="utf-8")
    printed = "二、上年结转政府信息公开申请数量 34 0 0 0 0 0 34"
    assert printed in text
    source = tmp_path / "r.txt"
    source.write_text(text.replace(printed, printed + " 7"), encoding="utf-8")
    out = tmp_path / "d"
    code, _, _ = run("import", str(source), "--agency", "huaian", "--year", "2024", "--out", str(out))
    assert code == 3
    entry = _unresolved(out)[0]
    assert entry == {
        "cells": [f"s3.carried_over.{c}" for c in template("V2021").table("s3").column_ids],
        "status": "uncertain",
        "note": "原文此行有 8 个值“34 0 0 0 0 0 34 7”（应有 7 个），无法确定哪些属于本行：须对照原文确定",
        "candidates": [["34", "0", "0", "0", "0", "0", "34"], ["0", "0", "0", "0", "0", "34", "7"]],
        "source": "第 93 行",
    }
    assert _csv(out / "s3.csv")[2] == ["carried_over", "二、上年结转政府信息公开申请数量", *[""] * 7]


def test_a_single_split_that_a_blank_cell_could_also_explain_is_uncertain(run, tmp_path: Path) -> None:
    """`行政许可125` splits into three numbers only as 1 / 2 / 5, but 12 / (blank) / 5 leaves the same digits and no
    rule reaches the row: uncertain, not published. `规章000` cannot hide a blank: printed."""
    text = (SAMPLES / "pingtan-2019.web.txt").read_text(encoding="utf-8")
    assert "行政许可3960181" in text and "规章000" in text
    source = tmp_path / "dump.txt"
    source.write_text(text.replace("行政许可3960181", "行政许可125"), encoding="utf-8")
    out = tmp_path / "d"
    code, report, _ = run(
        "import", str(source), "--agency", "pingtan", "--year", "2019", "--out", str(out), "--verbose"
    )
    assert code == 3
    entry = next(e for e in _unresolved(out) if e["cells"][0].startswith("s2_a20_5.admin_license"))  # type: ignore[union-attr]
    assert entry == {
        "cells": [
            "s2_a20_5.admin_license.prev_year_items",
            "s2_a20_5.admin_license.change",
            "s2_a20_5.admin_license.decisions",
        ],
        "status": "uncertain",
        "note": "连写的数字“125”只有一种拆法，但原文若有空白格，也可能是更少的数，且没有勾稽关系可以印证：须对照原文确定",
        "candidates": [["1", "2", "5"]],
        "source": "第 10 行",
    }
    assert _csv(out / "s2_a20_1.csv")[1] == ["regulations", "规章", "0", "0", "0"]
    assert "  s3.new_received.total = 23  取自 第 10 行（连写数字拆分，由 R1、R2 确定）" in report
    assert "  s4.cases.review_total = 0  取自 第 10 行（连写数字拆分，经 R4 印证）" in report


def test_too_few_values_for_a_row_is_uncertain_with_every_placement(run, tmp_path: Path) -> None:
    """Pasted text drops blank cells: 行政处罚 printed with two numbers in a three-column row is 5, 3 and a blank
    somewhere; each placement is a candidate, none is published."""
    lines = (SAMPLES / "beiyangjizhen-2019.txt").read_text(encoding="utf-8").splitlines()
    at = lines.index("\t行政处罚")
    assert [x.strip() for x in lines[at + 1 : at + 4]] == ["0", "0", "0"]
    lines[at + 1 : at + 4] = ["\t5", "\t3"]
    source = tmp_path / "r.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "d"
    code, _, _ = run("import", str(source), "--agency", "beiyangjizhen", "--year", "2019", "--out", str(out))
    assert code == 3
    assert _unresolved(out) == [
        {
            "cells": [f"s2_a20_6.admin_penalty.{c}" for c in ("prev_year_items", "change", "decisions")],
            "status": "uncertain",
            "note": "原文此行只有 2 个值“5 3”（应有 3 个），其余应是空白格，但不知是哪几格（3 种可能）：须对照原文确定",
            "candidates": [["5", "3", ""], ["5", "", "3"], ["", "5", "3"]],
            "source": f"第 {at + 2} 行",
        }
    ]
    assert _csv(out / "s2_a20_6.csv")[1] == ["admin_penalty", "行政处罚", "", "", ""]
