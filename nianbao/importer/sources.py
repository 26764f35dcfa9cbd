"""Read a published report in whatever form it came (text, PDF text, crawler dump, HTML, Markdown, .docx, .pdf)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

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
    kind: str  # 纯文本 / PDF 提取文本 / 网页抓取文本 / HTML / Markdown（PDF 转换稿）/ Word（.docx）/ PDF
    lines: list[Line]
    meta: dict[str, str] = field(default_factory=dict)
    text: str = ""  # the source as decoded once (the package's source.* copy is written from it)


_CRAWLER_HEADER = re.compile(r"^(标题|发布时间|文号|发布机构|栏目|原文链接|本地目录)\s*[:：]\s*(.*)$")


_CRAWLER_BODY = re.compile(r"^=+\s*正文\s*=+\s*$")


def read(data: bytes) -> Document:
    """Detect the kind of source by its content, not its name, and read it."""
    if not data.strip():
        raise SourceError("文件是空的")
    # pdf.py, word.py, html.py and markdown.py are modules of their own that build on this one's Line and Document
    if data.startswith(b"%PDF"):
        from nianbao.importer import pdf

        return pdf.read_pdf(data, _pdf(data))
    if data.startswith(b"PK\x03\x04"):
        from nianbao.importer import word

        return word.read_docx(data)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: a legacy .doc
        from nianbao.importer import word

        raise SourceError(word.LEGACY_MESSAGE)
    try:
        text, _ = decode(data)  # the project's one decoder: BOM, GBK/GB18030, line ends
    except FormatError as exc:
        raise SourceError(f"不是文本、HTML、Word（.docx）或 PDF 文件（{exc}）") from None
    from nianbao.importer import html, markdown

    if re.search(r"<(table|p|div|html|body|tr|td)\b", text[:200000], re.IGNORECASE):
        doc = html.read_html(text)
    elif markdown.looks_like(text):  # before the plain-text kinds: a converter's pipe tables
        doc = markdown.read_markdown(text)
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
        raise SourceError(
            f"PDF 没有文字层（共 {len(pages)} 页，都没有可提取的文字，多半是扫描件）："
            "需要先做文字识别（OCR），再导入识别出的文字或 Markdown"
        )
    return Document("PDF", lines)


def boilerplate() -> list[re.Pattern[str]]:
    return [re.compile(p) for p in read_definition("import.yaml")["boilerplate"]]
