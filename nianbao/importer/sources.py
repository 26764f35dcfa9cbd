"""Read a published report in whatever form it came (text, PDF text, crawler dump, HTML, .docx, .pdf) as lines."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.etree import ElementTree

from nianbao.core.definitions import read_definition
from nianbao.core.textfiles import decode
from nianbao.errors import FormatError, SourceError


@dataclass
class Line:
    text: str  # the line's text; for a table row, its cells joined by tabs
    where: str  # provenance for the import report: 第 12 行, 表 3 第 5 行
    cells: list[str] | None = None  # a table row's cells, when the source has real tables


@dataclass
class Document:
    kind: str  # 纯文本 / PDF 提取文本 / 网页抓取文本 / HTML / Word（.docx）/ PDF
    lines: list[Line]
    meta: dict[str, str] = field(default_factory=dict)
    text: str = ""  # the source as decoded once (the package's source.* copy is written from it)


_CRAWLER_HEADER = re.compile(r"^(标题|发布时间|文号|发布机构|栏目|原文链接|本地目录)\s*[:：]\s*(.*)$")


_CRAWLER_BODY = re.compile(r"^=+\s*正文\s*=+\s*$")


def read(data: bytes) -> Document:
    """Detect the kind of source by its content, not its name, and read it."""
    if not data.strip():
        raise SourceError("文件是空的")
    if data.startswith(b"%PDF"):
        return _pdf(data)
    if data.startswith(b"PK\x03\x04"):
        return _docx(data)
    try:
        text, _ = decode(data)  # the project's one decoder: BOM, GBK/GB18030, line ends
    except FormatError as exc:
        raise SourceError(f"不是文本、HTML、Word（.docx）或 PDF 文件（{exc}）") from None
    if re.search(r"<(table|p|div|html|body|tr|td)\b", text[:200000], re.IGNORECASE):
        from nianbao.importer.html import read_html  # html.py builds on this module's Line and Document

        doc = read_html(text)
    else:
        lines = text.splitlines()
        if lines and _CRAWLER_HEADER.match(lines[0]) and any(_CRAWLER_BODY.match(x) for x in lines[:30]):
            doc = _crawler(lines)
        else:
            kind = "PDF 提取文本" if any(re.fullmatch(r"\s*[-—–]\s*\d+\s*[-—–]\s*", x) for x in lines) else "纯文本"
            doc = Document(kind, [Line(x, f"第 {i} 行") for i, x in enumerate(lines, start=1)])
    doc.text = doc.text or text
    return doc


def _crawler(lines: list[str]) -> Document:
    meta: dict[str, str] = {}
    start = 0
    for i, line in enumerate(lines):
        if _CRAWLER_BODY.match(line):
            start = i + 1
            break
        match = _CRAWLER_HEADER.match(line)
        if match and match.group(2).strip():
            key = {"标题": "title", "发布时间": "published", "原文链接": "source_url"}.get(match.group(1))
            if key:
                meta[key] = match.group(2).strip()
    if "published" in meta:
        meta["published"] = meta["published"][:10]
    body = [Line(x, f"第 {i} 行") for i, x in enumerate(lines[start:], start=start + 1)]
    return Document("网页抓取文本", body, meta)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx(data: bytes) -> Document:
    limit = read_definition("import.yaml")["max_docx_xml_bytes"]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z, z.open("word/document.xml") as member:
            xml = member.read(limit + 1)  # never more: the size in the zip's directory may lie
    except (zipfile.BadZipFile, KeyError, EOFError, zlib.error, NotImplementedError, RuntimeError):
        raise SourceError("是 zip 文件，但不是 Word（.docx）文档") from None
    if len(xml) > limit:
        raise SourceError(f"Word 文档的正文解压后超过 {limit // 2**20} MB，不予读取（可能是压缩炸弹）")
    try:
        body = ElementTree.fromstring(xml).find(f"{_W}body")
    except ElementTree.ParseError as exc:
        raise SourceError(f"Word 文档内容无法解析，文件可能损坏（{exc}）") from None
    lines: list[Line] = []
    tables = 0
    for element in body if body is not None else []:
        if element.tag == f"{_W}p":
            text = "".join(t.text or "" for t in element.iter(f"{_W}t")).strip()
            if text:
                lines.append(Line(text, f"段落 {len(lines) + 1}"))
        elif element.tag == f"{_W}tbl":
            tables += 1
            for r, tr in enumerate(element.iter(f"{_W}tr"), start=1):
                cells = []
                for tc in tr.findall(f"{_W}tc"):
                    merge = tc.find(f"{_W}tcPr/{_W}vMerge")
                    if merge is not None and merge.get(f"{_W}val") != "restart":
                        continue  # the continuation of a vertically merged label cell
                    cells.append("".join(t.text or "" for t in tc.iter(f"{_W}t")).strip())
                lines.append(Line("\t".join(cells), f"表 {tables} 第 {r} 行", cells))
    return Document("Word（.docx）", lines)


def _pdf(data: bytes) -> Document:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:  # pragma: no cover - pypdf is a dependency
        raise SourceError("读取 PDF 需要 pypdf") from None
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise SourceError(f"PDF 无法读取，文件可能损坏或不完整（{exc}）") from None
    lines = []
    for p, text in enumerate(pages, start=1):
        for i, line in enumerate(text.splitlines(), start=1):
            lines.append(Line(line, f"第 {p} 页第 {i} 行"))
    if not any(line.text.strip() for line in lines):
        raise SourceError("PDF 中没有可提取的文字（可能是扫描件，需要先做文字识别）")
    return Document("PDF", lines)


def boilerplate() -> list[re.Pattern[str]]:
    return [re.compile(p) for p in read_definition("import.yaml")["boilerplate"]]
