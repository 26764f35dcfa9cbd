"""Word reports: .docx through python-docx (merged cells honoured); a legacy .doc is recognised and refused plainly."""

from __future__ import annotations

import io
import zipfile
import zlib

from nianbao.core.definitions import read_definition
from nianbao.errors import SourceError
from nianbao.importer.sources import Document, Line

KIND = "Word（.docx）"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the header of a legacy .doc (and .xls, .ppt) compound file

LEGACY_MESSAGE = (
    "是旧版 Word（.doc）文件，无法直接读取：请先另存为 .docx，例如用 LibreOffice："
    "soffice --headless --convert-to docx 文件名.doc，或在 Word 中“另存为”Word 文档（.docx）"
)


def read_docx(data: bytes) -> Document:
    """Paragraphs as lines and table rows as cells, in document order. A cell merged across columns (gridSpan)
    is one cell; the continuation of a cell merged down rows (vMerge) is left out, as HTML leaves out a rowspan."""
    _check_size(data)
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


def _check_size(data: bytes) -> None:
    """A small upload that unpacks to a huge file is a zip bomb: refused before python-docx unpacks it."""
    limits = read_definition("import.yaml")
    limit, total = limits["max_docx_xml_bytes"], limits["max_docx_unpacked_bytes"]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            # zipfile stops each member at the size its directory states (a lie fails the CRC check)
            unpacked = sum(i.file_size for i in z.infolist())
            with z.open("word/document.xml") as member:
                xml = member.read(limit + 1)  # never more, whatever the directory says
    except (zipfile.BadZipFile, KeyError, EOFError, zlib.error, NotImplementedError, RuntimeError):
        raise SourceError("是 zip 文件，但不是 Word（.docx）文档") from None
    if len(xml) > limit:
        raise SourceError(f"Word 文档的正文解压后超过 {limit // 2**20} MB，不予读取（可能是压缩炸弹）")
    if unpacked > total:
        raise SourceError(f"Word 文档解压后共 {unpacked} 字节，超过 {total // 2**20} MB，不予读取（可能是压缩炸弹）")
