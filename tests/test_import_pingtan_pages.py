"""The importer on quirks of 平潭's department pages (crawler text, excerpts of real pages in fixtures/pingtan-pages)."""

from __future__ import annotations

from pathlib import Path

from nianbao.core.templates import template
from nianbao.importer.extract import BLANK, NOT_FOUND, PRINTED, extract
from nianbao.importer.sources import Document, Line, read

PAGES = Path(__file__).parent / "fixtures" / "pingtan-pages"


def _extract(name: str):
    text = (PAGES / name).read_text(encoding="utf-8").strip()
    return extract(Document("网页抓取文本", [Line(text, "第 1 行")]), template("V2021"))


def _row(result, table: str, row: str) -> list[tuple[str, str]]:
    columns = template("V2021").table(table).column_ids
    return [(result.cells[(table, row, c)].value, result.cells[(table, row, c)].status) for c in columns]


def test_rows_printed_without_numbers_are_blank_and_the_total_keeps_its_numbers() -> None:
    """shichang 2021 prints `…申请3.其他（七）总计5000005`: rows 2. and 3. of （六） are empty, 5000005 is the total."""
    result = _extract("shichang-2021-s3-s4.txt")
    assert _row(result, "s3", "other_unpaid_fee") == [("", BLANK)] * 7
    assert _row(result, "s3", "other_other") == [("", BLANK)] * 7
    assert [v for v, _ in _row(result, "s3", "total_processed")] == ["5", "0", "0", "0", "0", "0", "5"]
    assert (
        result.labels[("s3", "other_unpaid_fee")]
        == "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
    )
    assert result.labels[("s3", "other_other")] == "3.其他"
    assert not [u for u in result.unresolved if u.cells[0][0] == "s3"]


def test_section_four_heading_with_yu_and_a_year_in_its_narrative() -> None:
    """jingji 2021: `四、政府信息公开行政复议与行政诉讼情况 2021年我局未有…` then the 15 zeros of the table."""
    result = _extract("jingji-2021-s4.txt")
    assert _row(result, "s4", "cases") == [("0", PRINTED)] * 15
    assert not [u for u in result.unresolved if u.cells[0][0] == "s4"]


def test_section_four_heading_with_the_publishers_typo() -> None:
    """shehui 2023 prints `四、政府信息公开行政法复议、行政诉讼情况` (sic): the table is still found."""
    result = _extract("shehui-2023-s4.txt")
    assert result.cells[("s4", "cases", "review_upheld")].status != NOT_FOUND
    assert not [u for u in result.unresolved if u.cells[0][0] == "s4" and u.status == NOT_FOUND]


def test_caption_left_out_and_sections_numbered_one_on() -> None:
    """lvyou 2020 prints 行政处罚/行政强制 under 第二十条第（五）项 (no （六） caption) and numbers its sections
    三..七 (a section 二 inserted): every table is found, every cell printed."""
    text = (PAGES / "lvyou-2020-s2-s4.txt").read_text(encoding="utf-8").strip()
    result = extract(Document("网页抓取文本", [Line(text, "第 1 行")]), template("V2019"))
    columns = template("V2019").table("s2_a20_6").column_ids
    assert [result.cells[("s2_a20_6", "admin_penalty", c)].value for c in columns] == ["30", "0", "0"]
    assert [result.cells[("s2_a20_5", "admin_license", c)].value for c in columns] == ["15", "11", "0"]
    assert result.unresolved == []


def test_label_printed_differently_is_cut_from_the_narrative_before_it() -> None:
    """haitan 2024 leaves out the 规章 row and prints 规范性文件 for 行政规范性文件, right after the narrative: the
    label is 规范性文件 (not the narrative), and 规章 is not found (the publisher's omission, kept blank on review)."""
    text = (PAGES / "haitan-2024-s2.txt").read_text(encoding="utf-8").strip()
    result = extract(Document("网页抓取文本", [Line(text, "第 1 行")]), template("V2021"))
    assert result.labels[("s2_a20_1", "admin_normative_docs")] == "规范性文件"
    assert _row(result, "s2_a20_1", "admin_normative_docs") == [("0", PRINTED)] * 3
    assert result.cells[("s2_a20_1", "regulations", "issued")].status == NOT_FOUND


def test_table_row_of_its_label_alone_is_blank() -> None:
    """shichang 2024 (HTML) prints rows 2. and 3. of （六） as a label cell with no cells after it: blank, not
    not-found; the rows around them keep their numbers."""
    doc = read((PAGES / "shichang-2024-s3-rows.html").read_bytes())
    result = extract(doc, template("V2021"))
    assert _row(result, "s3", "other_unpaid_fee") == [("", BLANK)] * 7
    assert _row(result, "s3", "other_other") == [("", BLANK)] * 7
    assert [v for v, _ in _row(result, "s3", "total_processed")] == ["4", "0", "0", "0", "0", "0", "4"]
    assert [v for v, _ in _row(result, "s3", "other_no_correction")] == ["0"] * 7
