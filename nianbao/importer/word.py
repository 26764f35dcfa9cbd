"""Word reports: .docx through python-docx (merged cells honoured); a legacy .doc is recognised and refused plainly."""

from __future__ import annotations

import io
import zipfile

from nianbao.errors import SourceError
from nianbao.importer.sources import Document, Line

KIND = "Word（.docx）"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the header of a legacy .doc (and .xls, .ppt) compound file
# A report's document.xml is well under a few MB; past these sizes a small upload is a zip bomb.
MAX_DOCUMENT_XML = 50 * 1024 * 1024
MAX_UNPACKED = 200 * 1024 * 1024

LEGACY_MESSAGE = (
    "是旧版 Word（.doc）文件，无法直接读取：请先另存为 .docx，例如用 LibreOffice："
    "soffice --headless --convert-to docx 文件名.doc，或在 Word 中“另存为”Word 文档（.docx）"
)


def read_docx(data: bytes) -> Document:
    """Paragraphs as lines and table rows as cells, in document order. A cell merged across columns (gridSpan)
    is one cell; the continuation of a cell merged down rows (vMerge) is left out, as HTML leaves out a rowspan."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            info = z.getinfo("word/document.xml")
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, KeyError):
        raise SourceError("是 zip 文件，但不是 Word（.docx）文档") from None
    if info.file_size > MAX_DOCUMENT_XML or unpacked > MAX_UNPACKED:
        raise SourceError(
            f"Word 文档解压后过大（word/document.xml {info.file_size} 字节，全部 {unpacked} 字节），"
            "不像年度报告，拒绝读取"
        )
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

    try:
        word = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds (KeyError, ValueError, lxml errors) for a broken file
        reason = str(exc.args[0]) if exc.args else type(exc).__name__
        raise SourceError(f"Word 文档内容无法解析，文件可能损坏（{reason}）") from None
    lines: list[Line] = []
    tables = 0
    for element in word.element.body.iterchildren():
        if element.tag == qn("w:p"):
            text = Paragraph(element, word).text.strip()
            if text:
                lines.append(Line(text, f"段落 {len(lines) + 1}"))
        elif element.tag == qn("w:tbl"):
            tables += 1
            table = Table(element, word)
            for r, tr in enumerate(element.tr_lst, start=1):
                cells = [
                    _Cell(tc, table).text.strip()
                    for tc in tr.tc_lst
                    if tc.vMerge != "continue"  # the rows below a vertically merged label
                ]
                lines.append(Line("\t".join(cells), f"表 {tables} 第 {r} 行", cells))
    return Document(KIND, lines)
