"""Read a published report in whatever form it came (text, PDF text, crawler dump, HTML, Markdown, .docx, .pdf)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import ClassVar

from nianbao.core.definitions import read_definition
from nianbao.errors import SourceError


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


_CRAWLER_HEADER = re.compile(r"^(标题|发布时间|文号|发布机构|栏目|原文链接|本地目录)\s*[:：]\s*(.*)$")


_CRAWLER_BODY = re.compile(r"^=+\s*正文\s*=+\s*$")


def read(data: bytes) -> Document:
    """Detect the kind of source by its content, not its name, and read it."""
    if not data.strip():
        raise SourceError("文件是空的")
    if data.startswith(b"%PDF"):
        from nianbao.importer import pdf

        return pdf.read_pdf(data, _pdf(data))
    if data.startswith(b"PK\x03\x04"):
        from nianbao.importer import word  # modules of their own that build on this one

        return word.read_docx(data)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        from nianbao.importer import word

        raise SourceError(word.LEGACY_MESSAGE)
    text = _decode(data)
    if re.search(r"<(table|p|div|html|body|tr|td)\b", text[:200000], re.IGNORECASE):
        return _html(text)
    from nianbao.importer import markdown  # a module of its own (it builds on this one)

    if markdown.looks_like(text):
        return markdown.read_markdown(text)
    lines = text.splitlines()
    if lines and _CRAWLER_HEADER.match(lines[0]) and any(_CRAWLER_BODY.match(x) for x in lines[:30]):
        return _crawler(lines)
    kind = "PDF 提取文本" if any(re.fullmatch(r"\s*[-—–]\s*\d+\s*[-—–]\s*", x) for x in lines) else "纯文本"
    return Document(kind, [Line(x, f"第 {i} 行") for i, x in enumerate(lines, start=1)])


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise SourceError("文件含二进制内容，不是文本、HTML、Word（.docx）或 PDF 文件")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SourceError("无法识别文件的编码（既不是 UTF-8 也不是 GBK）")


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


class _HTMLLines(HTMLParser):
    """Block text as lines and table rows as cells; <br> inside a cell joins (本年新<br>制作数量)."""

    BLOCKS: ClassVar[set[str]] = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "section", "article", "br"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[Line] = []
        self.text: list[str] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.tables = 0
        self.rows = 0
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self.skip += 1
        elif tag == "table":
            self._flush()
            self.tables += 1
            self.rows = 0
        elif tag == "tr":
            self.row = []
            self.rows += 1
        elif tag in {"td", "th"}:
            self.cell = []
        elif tag in self.BLOCKS and self.cell is None:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self.skip = max(self.skip - 1, 0)
        elif tag in {"td", "th"} and self.cell is not None and self.row is not None:
            self.row.append("".join(self.cell).replace("\xa0", " ").strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.lines.append(Line("\t".join(self.row), f"表 {self.tables} 第 {self.rows} 行", self.row))
            self.row = None
        elif tag in self.BLOCKS and self.cell is None:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        (self.cell if self.cell is not None else self.text).append(data)

    def _flush(self) -> None:
        text = "".join(self.text).replace("\xa0", " ").strip()
        if text:
            self.lines.append(Line(text, f"段落 {len(self.lines) + 1}"))
        self.text = []


def _html(text: str) -> Document:
    parser = _HTMLLines()
    parser.feed(text)
    parser.close()
    if parser.row is not None:  # a table cut off mid-row: keep what there is, the parser reports the rest
        parser.lines.append(Line("\t".join(parser.row), f"表 {parser.tables} 第 {parser.rows} 行", parser.row))
    parser._flush()
    meta = {}
    date = re.search(r"发布(日期|时间)[:：]\s*(\d{4}-\d{2}-\d{2})", text)
    if date:
        meta["published"] = date.group(2)
    return Document("HTML", parser.lines, meta)


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
