"""The importer, one quirk of real reports at a time (templates.md §8)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from conftest import DATA

from nianbao.core.textfiles import decode
from nianbao.errors import FormatError
from nianbao.importer.extract import detect_template
from nianbao.importer.sources import Document, Line, read
from nianbao.importer.splits import splits
from nianbao.importer.tokens import clean_lines, tokens, units

SAMPLES = Path(__file__).parent / "fixtures" / "samples"  # copies of ../shared/samples


def _not_text(data: bytes) -> str:
    """The message for a source the project's one decoder refuses (its wording is the decoder's)."""
    with pytest.raises(FormatError) as exc:
        decode(data)
    return f"不是文本、HTML、Word（.docx）或 PDF 文件（{exc.value}）"


def kinds(line: str) -> list[tuple[str, str, str]]:
    return [(t.kind, t.text, t.note) for t in tokens([Line(line, "第 1 行")])]


def test_full_width_digits_and_spaces() -> None:
    assert kinds("规范性文件　　５２　５２　４８") == [
        ("text", "规范性文件", ""),
        ("num", "52", ""),
        ("num", "52", ""),
        ("num", "48", ""),
    ]


def test_units_and_remarks_are_split_off() -> None:
    assert kinds("政府集中采购 6 251000元") == [("text", "政府集中采购", ""), ("num", "6", ""), ("num", "251000", "元")]
    assert kinds("规章 22（其中修订16件） 55（含自然失效29件）")[1:] == [
        ("num", "22", "（其中修订16件）"),
        ("num", "55", "（含自然失效29件）"),
    ]
    # …but the numbering of the next label is not a remark
    assert kinds("7000007（二）部分公开")[:2] == [("num", "7000007", ""), ("text", "（二）部分公开", "")]


def test_negative_change() -> None:
    assert kinds("行政许可 520 -185 30")[2] == ("num", "-185", "")
    assert kinds("行政强制 40 −15 3")[2] == ("num", "-15", "")


def test_blank_marks_are_blank_with_the_mark_kept() -> None:
    row = Line("行政许可\t/\t5\t—", "表 1 第 2 行", ["行政许可", "/", "5", "—"])
    assert [(t.kind, t.text, t.note) for t in tokens([row])][:4] == [
        ("text", "行政许可", ""),
        ("blank", "", "/"),
        ("num", "5", ""),
        ("blank", "", "—"),
    ]


def test_label_numbering_after_run_together_digits() -> None:
    assert kinds("00000002.其他法律行政法规禁止公开")[:2] == [
        ("num", "0000000", ""),
        ("text", "2.其他法律行政法规禁止公开", ""),
    ]


def test_page_markers_and_breadcrumbs_are_dropped() -> None:
    doc = Document(
        "PDF 提取文本",
        [
            Line(x, f"第 {i} 行")
            for i, x in enumerate(
                ["当前位置：首页 > 年报", "- 5 -", "— 6 —", "法提供 2.没有现成信息需要另行制作 11 0 0 0 0 0 11"], 1
            )
        ],
    )
    assert [line.text for line in clean_lines(doc)] == ["法提供 2.没有现成信息需要另行制作 11 0 0 0 0 0 11"]


def test_wrapped_label_and_vertical_group_label_make_one_unit() -> None:
    lines = [
        "（六）其",
        "他处理",
        "1、申请人无正当理由逾期不补",
        "正、行政机关不再处理其政府信",
        "息公开申请",
        "67 3 0 0 1 0 71",
    ]
    (unit,) = units(tokens([Line(x, f"第 {i} 行") for i, x in enumerate(lines, 1)]))
    assert unit.raw == "（六）其他处理1、申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
    assert [v.text for v in unit.values] == ["67", "3", "0", "0", "1", "0", "71"]


def test_html_cells_keep_blanks_and_join_br() -> None:
    doc = read(
        "<table><tr><td>信息内容</td><td>本年新<br />制作数量</td></tr><tr><td>规章</td><td>&nbsp;</td><td>13</td></tr></table>".encode()
    )
    assert doc.kind == "HTML"
    assert [line.cells for line in doc.lines] == [["信息内容", "本年新制作数量"], ["规章", "", "13"]]


def test_html_excerpt_cut_inside_a_tag_has_no_text_before_its_first_tag() -> None:
    """平潭 2020's article part begins at a character offset of the saved page, inside an <iframe> tag: the tail of
    that tag is not text (it once became the start of the report's title); line numbers stay the page's."""
    page = (
        'qzbFile}}" rameborder="0" scrolling="no"></iframe>\n<p>平潭综合实验区2020年</p><p>政府信息公开工作年度报告</p>'
    )
    doc = read(page.encode())
    assert [line.text for line in doc.lines] == ["平潭综合实验区2020年", "政府信息公开工作年度报告"]
    assert doc.text == page  # the source copy keeps the excerpt as read
    assert read(b"<p>a > b</p>").lines[0].text == "a > b"  # a > inside text after the first tag stays text


def test_splits_of_run_together_digits() -> None:
    found = splits(["898989"], ["count"] * 3, 100)
    assert found.complete and found.readings[0] == ("8", "9", "8989") and ("89", "89", "89") in found.readings
    assert splits(["7000007"], ["count"] * 7, 100).readings == [("7", "0", "0", "0", "0", "0", "7")]
    assert all(not p.startswith("0") or p == "0" for s in found.readings for p in s)  # no leading zeros
    assert splits(["13575394432.52"], ["count", "money"], 100).readings[2] == ("135", "75394432.52")
    assert splits(["1.5"], ["count", "count"], 100).readings == []  # a decimal only in a money column


def test_rules_pick_the_one_split(run, tmp_path: Path) -> None:
    """R1 and R2 of rules.yaml, through the validator's equations, leave one reading of a run-together row."""
    text = (SAMPLES / "huaian-2024.pdf.txt").read_text(encoding="utf-8")
    printed = "一、本年新收政府信息公开申请数量 3001 53 0 0 61 4 3119"
    assert printed in text
    source = tmp_path / "r.txt"
    source.write_text(text.replace(printed, "一、本年新收政府信息公开申请数量 300153 0 0 614 3119"), encoding="utf-8")
    out = tmp_path / "d"
    code, report, _ = run("import", str(source), "--agency", "huaian", "--year", "2024", "--out", str(out), "--verbose")
    assert code == 0
    assert "  s3.new_received.natural_person = 3001  取自 第 92 行（连写数字拆分，由 R1、R2 确定）" in report
    assert (out / "s3.csv").read_text(encoding="utf-8") == (DATA / "reports/huaian/2024/s3.csv").read_text(
        encoding="utf-8"
    )


def test_template_is_told_by_labels() -> None:
    v21 = Document("纯文本", [Line("信息内容 本年制发件数 本年废止件数 现行有效件数", "第 1 行")])
    v19 = Document("纯文本", [Line("信息内容 本年新制作数量 本年新公开数量 对外公开总数量", "第 1 行")])
    assert (detect_template(v21), detect_template(v19)) == ("V2021", "V2019")


def test_template_year_mismatch_is_reported(run, tmp_path: Path) -> None:
    code, report, _ = run(
        "import",
        str(SAMPLES / "beiyangjizhen-2019.txt"),
        "--agency",
        "beiyangjizhen",
        "--year",
        "2022",
        "--out",
        str(tmp_path / "d"),
    )
    assert code == 0  # a draft is written; the maintainer decides
    assert "注意：按表头判定为 V2019，但 2022 年度应使用 V2021：请核对年度或原文" in report.splitlines()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件是空的"),
        (b"\x00\x01\x02binary\xff" * 10, _not_text(b"\x00\x01\x02binary\xff" * 10)),
        (
            "关于召开全区安全生产工作会议的通知\n各单位：定于下周一召开会议。\n".encode(),
            "看不出是政府信息公开工作年度报告：找不到两版模板的任何表头（如“本年制发件数”“本年新制作数量”）",
        ),
        (b"PK\x03\x04not really a zip", "是 zip 文件，但不是 Word（.docx）文档"),
    ],
    ids=["empty", "binary", "unrelated", "bad-zip"],
)
def test_bad_input_writes_nothing(run, tmp_path: Path, content: bytes, message: str) -> None:
    source = tmp_path / "source.txt"
    source.write_bytes(content)
    out = tmp_path / "out"
    code, stdout, err = run("import", str(source), "--agency", "x", "--year", "2019", "--out", str(out))
    assert (code, stdout) == (1, "")
    assert err == f"错误：{source}：{message}（未写出任何文件）\n"
    assert not out.exists()


def test_existing_package_is_not_overwritten_without_force(run, tmp_path: Path) -> None:
    args = [
        "import",
        str(SAMPLES / "beiyangjizhen-2019.txt"),
        "--agency",
        "beiyangjizhen",
        "--year",
        "2019",
        "--out",
        str(tmp_path / "d"),
    ]
    assert run(*args)[0] == 0
    code, _, err = run(*args)
    assert code == 1 and "已有数据包；确认要覆盖请加 --force" in err
    assert run(*args, "--force")[0] == 0


def _docx_from(lines: list[Line]) -> bytes:
    """A .docx built with python-docx, with the same paragraphs and tables."""
    import docx

    word = docx.Document()
    rows: list[list[str]] = []
    for line in [*lines, Line("", "end")]:
        if line.cells is not None:
            rows.append(line.cells)
            continue
        if rows:
            table = word.add_table(rows=len(rows), cols=max(len(r) for r in rows))
            for r, cells in enumerate(rows):
                if len(cells) < len(table.columns):  # a short row: its last cell spans the rest (gridSpan)
                    table.cell(r, len(cells) - 1).merge(table.cell(r, len(table.columns) - 1))
                for c, text in enumerate(cells):
                    table.cell(r, c).text = text
            rows = []
        if line.text:
            word.add_paragraph(line.text)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def test_docx_is_read_by_content(run, tmp_path: Path) -> None:
    html = read((SAMPLES / "shanghai-bangongting-2019.html").read_bytes())
    source = tmp_path / "report.bin"  # no extension: detected by content
    source.write_bytes(_docx_from(html.lines))
    out = tmp_path / "d"
    code, report, _ = run(
        "import", str(source), "--agency", "shanghai-bangongting", "--year", "2019", "--out", str(out)
    )
    assert code == 0 and report.startswith("导入 Word（.docx） → ")
    reviewed = DATA / "reports" / "shanghai-bangongting" / "2019"
    for name in ("s2_a20_1.csv", "s2_a20_9.csv", "s3.csv", "s4.csv", "notes.csv"):
        assert (out / name).read_text(encoding="utf-8") == (reviewed / name).read_text(encoding="utf-8"), name


def _pdf(text: str) -> bytes:
    """A one-page PDF with a line of ASCII text, xref offsets computed."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_pdf_is_read_by_content(run, tmp_path: Path) -> None:
    source = tmp_path / "report.txt"  # a PDF named .txt
    source.write_bytes(_pdf("Annual report of nothing"))
    doc = read(source.read_bytes())
    assert doc.kind == "PDF" and doc.lines[0].text == "Annual report of nothing"
    code, _, err = run("import", str(source), "--agency", "x", "--year", "2019", "--out", str(tmp_path / "out"))
    assert code == 1 and "看不出是政府信息公开工作年度报告" in err


def test_crawler_header_gives_metadata() -> None:
    doc = read((SAMPLES / "pingtan-2019.web.txt").read_bytes())
    assert doc.kind == "网页抓取文本"
    assert doc.meta == {
        "title": "平潭综合实验区2019年度政府信息公开工作年度报告",
        "published": "2020-01-20",
        "source_url": "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202001/t20200120_80576.htm",
    }


def test_narrative_has_no_page_furniture() -> None:
    for package in ("pingtan/2021", "huaian/2024", "hongze/2023"):
        text = (DATA / "reports" / package / "narrative.md").read_text(encoding="utf-8")
        for furniture in ("附件下载", "当前位置", "- 3 -", "微信 微博 QQ空间"):
            assert furniture not in text, (package, furniture)


def _broken_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", "<w:document><w:body><unclosed>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"\xff\xfe\x80\x81\x82 not text in any encoding \x80\xff",
            _not_text(b"\xff\xfe\x80\x81\x82 not text in any encoding \x80\xff"),
        ),
        (
            _broken_docx(),
            "Word 文档内容无法解析，文件可能损坏（There is no item named '[Content_Types].xml' in the archive）",
        ),
        (b"%PDF-1.4\n%%EOF", "PDF 无法读取，文件可能损坏或不完整（startxref not found）"),
    ],
    ids=["undecodable", "broken-docx", "broken-pdf"],
)
def test_unreadable_sources(run, tmp_path: Path, content: bytes, message: str) -> None:
    source = tmp_path / "source"
    source.write_bytes(content)
    code, _, err = run("import", str(source), "--agency", "x", "--year", "2019", "--out", str(tmp_path / "out"))
    assert code == 1 and err == f"错误：{source}：{message}（未写出任何文件）\n"
    assert not (tmp_path / "out").exists()


def test_bad_agency_id_is_a_usage_error(run, tmp_path: Path) -> None:
    code, _, err = run("import", str(SAMPLES / "beiyangjizhen-2019.txt"), "--agency", "北杨集镇", "--year", "2019")
    assert (code, err) == (2, "错误：机构标识只能用小写 ASCII 字母、数字和连字符：北杨集镇\n")


def test_missing_source_file(run, tmp_path: Path) -> None:
    code, _, err = run(
        "import", str(tmp_path / "nope.txt"), "--agency", "x", "--year", "2019", "--out", str(tmp_path / "o")
    )
    assert code == 1 and err.startswith(f"错误：{tmp_path / 'nope.txt'}：无法读取 ")


def test_pdf_without_text(run, tmp_path: Path) -> None:
    source = tmp_path / "scan.pdf"
    source.write_bytes(_pdf(""))
    code, _, err = run("import", str(source), "--agency", "x", "--year", "2019", "--out", str(tmp_path / "o"))
    assert (code, err) == (
        1,
        f"错误：{source}：PDF 没有文字层（共 1 页，都没有可提取的文字，多半是扫描件）："
        "需要先做文字识别（OCR），再导入识别出的文字或 Markdown（未写出任何文件）\n",
    )


def test_html_table_grid_keeps_values_under_their_header() -> None:
    """rowspan/colspan placed on a grid: a placeholder cell under a split header cell does not shift the values
    (平潭 2021's 11-column grid), and a group label split into two cells of 10 rows stays a label (平潭 2019)."""
    page = (
        "<table>"
        '<tr><td colspan="3" rowspan="2">（本列数据的勾稽关系）</td><td colspan="2">自然人</td><td>商业企业</td>'
        "<td>总计</td></tr>"
        '<tr><td></td><td colspan="2">placeholder-row</td><td></td></tr>'
        '<tr><td colspan="3">一、本年新收政府信息公开申请数量</td><td>64</td><td></td><td>6</td><td>70</td></tr>'
        '<tr><td rowspan="2">三、本年度办理结果</td><td colspan="2">（一）予以公开</td><td>27</td><td>&nbsp;</td>'
        "<td>/</td><td>27</td></tr>"
        '<tr><td colspan="2">（二）部分公开</td><td colspan="2">5</td><td>0</td><td>5</td></tr>'
        "</table>"
    )
    assert [line.cells for line in read(page.encode()).lines][2:] == [
        ["一、本年新收政府信息公开申请数量", "64", "6", "70"],
        ["三、本年度办理结果", "（一）予以公开", "27", "/", "27"],
        ["（二）部分公开", "5", "0", "5"],
    ]


def test_hostile_colspan_is_bounded() -> None:
    page = '<table><tr><td colspan="999999999">规章</td><td rowspan="99999999">1</td></tr></table>'
    assert [line.cells for line in read(page.encode()).lines] == [["规章", "1"]]


def test_hostile_spans_and_nesting_are_bounded() -> None:
    """Thousands of 200 × 200 spans, or 50,000 nested elements: read in bounded memory, every cell kept."""
    page = "<table><tr>" + '<td rowspan="200" colspan="200">1</td>' * 5000 + "</tr></table>"
    assert read(page.encode()).lines[0].cells == ["1"] * 5000
    nested = "<div>" * 50000 + "规章" + "</div>" * 50000
    assert [line.text for line in read(nested.encode()).lines] == ["规章"]
