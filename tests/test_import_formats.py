"""The forms reports really arrive in: damaged headings, converted Markdown, Word, PDF (issue 11)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import DATA
from pypdf import PdfReader, PdfWriter

from nianbao.core.templates import template
from nianbao.importer import headings
from nianbao.importer.extract import BLANK, NOT_FOUND, PRINTED, UNCERTAIN, Cell, Extraction, Unresolved, extract
from nianbao.importer.sources import read

SAMPLES = Path(__file__).parent / "fixtures" / "samples"  # copies of ../shared/samples


def _import(run, source: Path, agency: str, year: int, out: Path) -> tuple[int, str, str]:
    return run(
        "import", str(source), "--agency", agency, "--year", str(year), "--out", str(out), "--retrieved", "2026-11-26"
    )


def test_heading_with_a_typo_is_matched_and_reported(run, tmp_path: Path) -> None:
    # 四、政府信息公开行政法复议、行政诉讼情况 is printed so on a real page: the report still imports, cell for cell.
    text = (SAMPLES / "hongze-2024.pdf.txt").read_text(encoding="utf-8")
    damaged = text.replace("四、政府信息公开行政复议、行政诉讼情况", "四、政府信息公开行政法复议、行政诉讼情况")
    assert damaged != text
    source = tmp_path / "hongze-2024.txt"
    source.write_text(damaged, encoding="utf-8")
    code, report, err = _import(run, source, "hongze", 2024, tmp_path / "draft")
    assert (code, err) == (3, "")  # （六）'s sub-rows are not printed: not found, as in the undamaged report
    draft = json.loads((tmp_path / "draft" / "datapackage.json").read_text(encoding="utf-8"))
    assert [(u["status"], u["cells"][0]) for u in draft["unresolved"]] == [
        ("not-found", "s3.other_no_correction.natural_person"),
        ("not-found", "s3.other_unpaid_fee.natural_person"),
        ("not-found", "s3.other_other.natural_person"),
    ]
    assert (
        "  - 节标题“四、政府信息公开行政法复议、行政诉讼情况”近似匹配“四、政府信息公开行政复议、行政诉讼情况”"
        "（s4，相似度 0.97，第 112 行）\n" in report
    )
    for name in ("s3.csv", "s4.csv", "narrative.md"):
        assert (tmp_path / "draft" / name).read_text(encoding="utf-8") == (
            DATA / "reports" / "hongze" / "2024" / name
        ).read_text(encoding="utf-8"), name


def test_heading_words_without_the_numeral_are_not_a_heading() -> None:
    # A preamble names the sections in running text; only a heading that keeps its numeral counts.
    preamble = "全文包括因政府信息公开工作被申请行政复议、提起行政诉讼情况"
    assert headings.find(preamble, "s4") is None
    match = headings.find("四.政府信息公开行政法复议.行政诉讼情况行政复议", "s4")
    assert match is not None and (match.start, match.end, match.variant) == (
        0,
        20,
        "四、政府信息公开行政复议、行政诉讼情况",
    )
    assert headings.find("五.存在的主要问题及改进情况", "s4") is None


MARKDOWN = SAMPLES / "shanghai-bangongting-2025.md"


def _extraction(text: str) -> Extraction:
    doc = read(text.encode("utf-8"))
    assert doc.kind == "Markdown（PDF 转换稿）"
    return extract(doc, template("V2021"))


def _cells(text: str) -> dict[tuple[str, str, str], Cell]:
    return _extraction(text).cells


def _entry(result: Extraction, cell: str) -> Unresolved:
    """The one unresolved entry that holds `cell` (table.row.column)."""
    (entry,) = [u for u in result.unresolved if tuple(cell.split(".")) in u.cells]
    return entry


def test_converted_markdown_imports_every_cell_it_can_place(run, tmp_path: Path) -> None:
    code, report, err = _import(run, MARKDOWN, "shanghai-bangongting", 2025, tmp_path / "draft")
    assert (code, err) == (3, "")
    reviewed = DATA / "reports" / "shanghai-bangongting" / "2025"
    for name in ("s2_a20_5.csv", "s2_a20_6.csv", "s2_a20_8.csv", "s3.csv", "s4.csv", "source.txt"):
        assert (tmp_path / "draft" / name).read_text(encoding="utf-8") == (reviewed / name).read_text(
            encoding="utf-8"
        ), name
    # 规章 prints 22 | 235 in its row and 22（其中修订 16 件）, 55（含自然失效 29 件） on lines of their own: 22 is
    # certain (every reading agrees), the other two cells are not; 行政规范性文件 prints two cells of three.
    assert (tmp_path / "draft" / "s2_a20_1.csv").read_text(encoding="utf-8") == (
        "row,label,issued,repealed,in_force\nregulations,规章,22,,\nadmin_normative_docs,行政规范性文件,,,\n"
    )
    draft = json.loads((tmp_path / "draft" / "datapackage.json").read_text(encoding="utf-8"))
    assert draft["unresolved"] == [
        {
            "cells": ["s2_a20_1.regulations.repealed", "s2_a20_1.regulations.in_force"],
            "status": "uncertain",
            "note": "原文此行只印 2 格“22 235”（应有 3 格），与附近单独成行的数“22（其中修订 16 件） 55（含自然失效 29 件）”"
            "合读有 2 种读法：须对照原文确定",
            "candidates": [["235", "55"], ["55", "235"]],
            "source": "第 97 行",
        },
        {
            "cells": [
                "s2_a20_1.admin_normative_docs.issued",
                "s2_a20_1.admin_normative_docs.repealed",
                "s2_a20_1.admin_normative_docs.in_force",
            ],
            "status": "uncertain",
            "note": "原文此行只印 2 格“34 189”（应有 3 格），其余应是空白格，但不知是哪几格（3 种可能）：须对照原文确定",
            "candidates": [["", "34", "189"], ["34", "", "189"], ["34", "189", ""]],
            "source": "第 100 行",
        },
    ]
    assert "s2_a20_1,regulations,issued,（其中修订 16 件）" in (tmp_path / "draft" / "notes.csv").read_text(
        encoding="utf-8"
    )
    assert "原文此行只印 2 格，与其附近单独成行的数合读（第 97 行）" in report
    assert draft["title"] == "2025年上海市人民政府办公厅政府信息公开工作年度报告"


def test_markdown_row_without_a_label_is_placed_only_where_the_gap_is_exact() -> None:
    text = MARKDOWN.read_text(encoding="utf-8")
    cells = _cells(text)
    # | 0 | 0 | … | printed with no label between 4.无正当理由大量反复申请 and a fragment of （六）2.: the one row left.
    assert [cells[("s3", "np_confirm_reissue", c)].value for c in ("natural_person", "total")] == ["0", "0"]
    assert cells[("s3", "np_confirm_reissue", "total")].status == PRINTED
    # Without that row, the fragment 行政机关不再处理其政府信息公 could be （六）1. or the row before it: a guess.
    cut = _extraction(text.replace("\n| 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n", "\n", 1))
    columns = template("V2021").table("s3").columns
    assert {cut.cells[("s3", "np_confirm_reissue", c.id)].status for c in columns} == {NOT_FOUND}
    missing = _entry(cut, "s3.np_confirm_reissue.total")
    assert (missing.status, missing.note, len(missing.cells)) == (
        NOT_FOUND,
        "原文中找不到行“5.要求行政机关确认或重新出具已获取信息”",
        7,
    )
    guessed = cut.cells[("s3", "other_no_correction", "total")]
    assert (guessed.status, guessed.value) == (UNCERTAIN, "")
    entry = _entry(cut, "s3.other_no_correction.total")
    assert entry.candidates == [("40", "1", "0", "0", "2", "0", "43")] and len(entry.cells) == 7
    assert entry.note == "原文此行的行名称不全（“行政机关不再处理其政府信息公”），按模板行序推定为本行：须对照原文确定"
    assert entry.source == "第 155 行（按模板行序推定）"


def test_markdown_row_placed_by_order_that_breaks_a_rule_is_uncertain() -> None:
    text = MARKDOWN.read_text(encoding="utf-8").replace(
        "\n| 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n", "\n| 0 | 0 | 0 | 0 | 0 | 0 | 5 |\n", 1
    )
    result = _extraction(text)
    cell = result.cells[("s3", "np_confirm_reissue", "total")]
    assert (cell.status, cell.value) == (UNCERTAIN, "")
    entry = _entry(result, "s3.np_confirm_reissue.total")
    assert entry.candidates == [("0", "0", "0", "0", "0", "0", "5")]
    assert entry.note == (
        "原文此行没有行名称，按模板行序推定为本行，但其数使 R2 不成立"
        "（s3.np_confirm_reissue.total = Σ(s3.np_confirm_reissue.@applicants)）：须对照原文确定"
    )
    # …while a row known by its label keeps its printed value even when the publisher's arithmetic fails
    broken = _cells(MARKDOWN.read_text(encoding="utf-8").replace("| 3.其他 | 264 |", "| 3.其他 | 265 |"))
    assert (
        broken[("s3", "other_other", "natural_person")].status,
        broken[("s3", "other_other", "natural_person")].value,
    ) == (PRINTED, "265")


def test_markdown_with_no_recognisable_tables_finds_no_cell() -> None:
    text = "# 2025年某机关政府信息公开工作年度报告\n\n本年制发件数\n\n| 数据1 | 数据2 |\n|---|---|\n| 甲 | 乙 |\n"
    cells = _cells(text)
    assert len(cells) == 200 and {c.status for c in cells.values()} == {NOT_FOUND}


def test_docx_merged_cells_are_read_as_printed() -> None:
    import docx

    word = docx.Document()
    word.add_paragraph("第二十条第（五）项")
    table = word.add_table(rows=3, cols=4)
    table.cell(0, 0).merge(table.cell(2, 0)).text = "三、本年度办理结果"  # vMerge down three rows
    table.cell(0, 1).text = "（一）予以公开"
    table.cell(0, 2).merge(table.cell(0, 3)).text = "12"  # gridSpan over two columns: one value
    for r in (1, 2):
        for c, text in enumerate(("（二）部分公开", "3", "-"), start=1):
            table.cell(r, c).text = text
    out = io.BytesIO()
    word.save(out)
    doc = read(out.getvalue())
    assert doc.kind == "Word（.docx）"
    assert [(line.cells, line.where) for line in doc.lines] == [
        (None, "段落 1"),
        (["三、本年度办理结果", "（一）予以公开", "12"], "表 1 第 1 行"),
        (["（二）部分公开", "3", "-"], "表 1 第 2 行"),
        (["（二）部分公开", "3", "-"], "表 1 第 3 行"),
    ]


def test_legacy_doc_is_recognised_by_content(run, tmp_path: Path) -> None:
    source = tmp_path / "report.txt"  # the name says nothing: the OLE2 header does
    source.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    code, out, err = run("import", str(source), "--agency", "x", "--year", "2024", "--out", str(tmp_path / "d"))
    assert (code, out) == (1, "")
    assert err == (
        f"错误：{source}：是旧版 Word（.doc）文件，无法直接读取：请先另存为 .docx，例如用 LibreOffice："
        "soffice --headless --convert-to docx 文件名.doc，或在 Word 中“另存为”Word 文档（.docx）（未写出任何文件）\n"
    )
    assert not (tmp_path / "d").exists()


def test_docx_zip_bomb_is_refused_before_parsing(run, tmp_path: Path) -> None:
    # word/document.xml is small, but python-docx would unpack every part: 201 MB of them from a 200 KB file.
    # (A huge document.xml itself: test_import_hostile.py.)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"<")
        with z.open("word/media/image1.png", "w") as f:
            for _ in range(201):
                f.write(b" " * (1 << 20))
    source = tmp_path / "bomb.docx"
    source.write_bytes(out.getvalue())
    assert source.stat().st_size < 400_000
    code, _, err = run("import", str(source), "--agency", "x", "--year", "2024", "--out", str(tmp_path / "d"))
    assert (code, err) == (
        1,
        f"错误：{source}：Word 文档解压后共 210763785 字节，超过 200 MB，不予读取（可能是压缩炸弹）（未写出任何文件）\n",
    )
    assert not (tmp_path / "d").exists()


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """上海 2019's page printed by headless Chromium on half-height pages: section 三's table runs over a page
    break, and the browser prints its date, the address and the page number (5/7) on every page."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed")
    folder = tmp_path_factory.mktemp("pdf")
    html = folder / "page.html"
    body = (SAMPLES / "shanghai-bangongting-2019.html").read_text(encoding="utf-8")
    html.write_text(
        f'<html><head><meta charset="utf-8"><style>@page {{size: 8.5in 5.5in}}</style></head><body>{body}</body></html>',
        encoding="utf-8",
    )
    pdf = folder / "report.pdf"
    subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={pdf}", html.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return pdf


TABLES = (
    "s2_a20_1.csv",
    "s2_a20_5.csv",
    "s2_a20_6.csv",
    "s2_a20_8.csv",
    "s2_a20_9.csv",
    "s3.csv",
    "s4.csv",
    "notes.csv",
)


def _same_tables(draft: Path, agency: str, year: int) -> None:
    for name in TABLES:
        reviewed = DATA / "reports" / agency / str(year) / name
        assert (draft / name).read_text(encoding="utf-8") == reviewed.read_text(encoding="utf-8"), name


def test_pdf_printed_by_a_browser_imports_like_the_html(run, tmp_path: Path, browser_pdf: Path) -> None:
    doc = read(browser_pdf.read_bytes())
    assert doc.kind == "PDF"
    s3_pages = {line.where.split("页")[0] for line in doc.lines if line.cells and "申请" in line.cells[0]}
    assert len(s3_pages) == 2  # the table continues on the next page, without its header
    assert not [line.text for line in doc.lines if "file://" in line.text or re.fullmatch(r"\d+/\d+", line.text)]
    code, _, err = _import(run, browser_pdf, "shanghai-bangongting", 2019, tmp_path / "draft")
    assert (code, err) == (0, "")
    _same_tables(tmp_path / "draft", "shanghai-bangongting", 2019)


def test_rotated_pages_import_the_same(run, tmp_path: Path, browser_pdf: Path) -> None:
    reader, writer = PdfReader(browser_pdf), PdfWriter()
    for number, page in enumerate(reader.pages):
        writer.add_page(page)
        if number in (4, 5):  # the pages that carry section 三, turned for display
            writer.pages[-1].rotate(90)
    rotated = tmp_path / "rotated.pdf"
    with rotated.open("wb") as out:
        writer.write(out)
    code, _, err = _import(run, rotated, "shanghai-bangongting", 2019, tmp_path / "draft")
    assert (code, err) == (0, "")
    _same_tables(tmp_path / "draft", "shanghai-bangongting", 2019)


def test_scanned_pdf_says_it_needs_ocr(run, tmp_path: Path) -> None:
    from PIL import Image

    pages = [Image.new("RGB", (595, 842), "white") for _ in range(2)]  # page images, as a scanner makes them
    scan = tmp_path / "scan.pdf"
    pages[0].save(scan, "PDF", save_all=True, append_images=pages[1:])
    code, out, err = _import(run, scan, "x", 2024, tmp_path / "draft")
    assert (code, out) == (1, "")
    assert err == (
        f"错误：{scan}：PDF 没有文字层（共 2 页，都没有可提取的文字，多半是扫描件）："
        "需要先做文字识别（OCR），再导入识别出的文字或 Markdown（未写出任何文件）\n"
    )
    assert not (tmp_path / "draft").exists()


def test_markdown_with_its_own_section_numbering_and_ocr_errors_in_labels() -> None:
    text = MARKDOWN.read_text(encoding="utf-8")
    damaged = (
        text.replace("二、主动公开政府信息情况", "二、政务公开重点工作\n全年推进重点工作。\n\n三、主动公开政府信息情况")
        .replace("三、收到和处理政府信息公开申请情况\n申请人", "四、收到和处理政府信息公开申请情况\n申请人")
        .replace("四、政府信息公开行政复议、行政诉讼情况", "五、政府信息公开行政复议、行政诉讼情况")
        .replace("六、其他需要报告的事项", "七、其他需要报告的事项")
        .replace("| 1.信访举报投诉类申请 |", "| 1.信访举报投拆类申请 |")  # an OCR near miss
    )
    doc = read(damaged.encode("utf-8"))
    result = extract(doc, template("V2021"))
    original = _cells(text)
    assert {k: (c.value, c.status) for k, c in result.cells.items()} == {
        k: (c.value, c.status) for k, c in original.items()
    }
    assert result.fuzzy == [
        "节标题“三、主动公开政府信息情况”的编号与全国格式不同，按标题文字认作“二、主动公开政府信息情况”（s2，第 80 行）",
        "节标题“四、收到和处理政府信息公开申请情况”的编号与全国格式不同，按标题文字认作“三、收到和处理政府信息公开申请情况”"
        "（s3，第 106 行）",
        "节标题“五、政府信息公开行政复议、行政诉讼情况”的编号与全国格式不同，按标题文字认作“四、政府信息公开行政复议、行政诉讼情况”"
        "（s4，第 174 行）",
        "节标题“七、其他需要报告的事项”的编号与全国格式不同，按标题文字认作“六、其他需要报告的事项”（s6，第 217 行）",
        "表 s3 行 np_petition：原文“1.信访举报投拆类申请”近似匹配“1.信访举报投诉类申请”（第 151 行）",
        "表 s3 行 other_unpaid_fee：原文“缴纳费用、行政机关不再处理其政”近似匹配"
        "“2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请”（第 167 行）",
    ]


def test_markdown_placeholder_cells_are_blank_with_their_mark() -> None:
    text = MARKDOWN.read_text(encoding="utf-8").replace("行政许可 0\n", "| 行政许可 | - |\n|---|---|\n")
    cell = _cells(text)[("s2_a20_5", "admin_license", "decisions")]
    assert (cell.value, cell.note, cell.status) == ("", "-", BLANK)


def test_markdown_flooded_with_loose_numbers_stays_bounded() -> None:
    # 500 loose numbers and 20,000 rows without a label: placed by label only, the rest counted, not listed
    text = (
        MARKDOWN.read_text(encoding="utf-8")
        .replace("第二十条第（一）项\n", "第二十条第（一）项\n" + "7\n" * 500)
        .replace("| 3.其他 |", "| 1 | 2 | 3 | 4 | 5 | 6 | 7 |\n" * 20000 + "| 3.其他 |")
    )
    result = extract(read(text.encode("utf-8")), template("V2021"))
    assert result.cells[("s3", "other_other", "total")].value == "276"
    assert result.cells[("s2_a20_1", "regulations", "issued")].status == "uncertain"
    assert "另有 19982 处数无法归入任何单元格（未逐一列出）" in result.remarks
    assert len(result.remarks) < 50


def test_markdown_row_with_more_cells_than_the_template_is_uncertain_and_bounded() -> None:
    # Which 7 of 40 cells are 3.其他's cannot be told: each run of 7 is a reading, never the first 7 taken silently.
    row = "| 3.其他 | " + " | ".join(str(i) for i in range(40)) + " |"
    text = MARKDOWN.read_text(encoding="utf-8").replace("| 3.其他 | 264 | 12 | 0 | 0 | 0 | 0 | 276 |", row)
    result = _extraction(text)
    assert result.cells[("s3", "other_other", "total")].status == UNCERTAIN
    entry = _entry(result, "s3.other_other.total")
    assert len(entry.cells) == 7 and entry.source == "第 166 行"
    assert entry.note == (
        "原文此行有 40 格“" + " ".join(str(i) for i in range(30)) + " …（共 40 格）”（应有 7 格），"
        "无法确定哪些属于本行（共 34 种读法，下列前 20 种）：须对照原文确定"
    )
    assert entry.candidates[:2] == [tuple(str(i) for i in range(7)), tuple(str(i) for i in range(1, 8))]
    assert len(entry.candidates) == 20
