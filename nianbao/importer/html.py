"""An HTML page -> its report article as lines and table rows, the page's metadata, and the article's markup."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import ClassVar

from nianbao.core.definitions import read_definition
from nianbao.importer.sources import Document, Line

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "wbr"}

# Metadata that CMS pages of Chinese governments carry (TRS and others): <meta name="ArticleTitle" …>.
_META = {"articletitle": "title", "pubdate": "published", "url": "source_url"}


@dataclass
class _Element:
    tag: str
    start: int  # offset of its start tag in the page
    first_line: int  # index of the first line produced inside it
    end: int = -1
    last_line: int = -1  # one past the last line produced inside it


class _Reader(HTMLParser):
    """Block text as lines and table rows as cells; <br> inside a cell joins (本年新<br>制作数量)."""

    BLOCKS: ClassVar[set[str]] = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "section", "article", "br"}

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.offsets = [0]
        for line in page.splitlines(keepends=True):
            self.offsets.append(self.offsets[-1] + len(line))
        self.page = page
        self.lines: list[Line] = []
        self.text: list[str] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.tables = 0
        self.rows = 0
        self.skip = 0
        self.meta: dict[str, str] = {}
        self.stack: list[_Element] = []
        self.elements: list[_Element] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.offsets[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            a = dict(attrs)
            key = _META.get((a.get("name") or "").lower())
            if key and a.get("content"):
                self.meta.setdefault(key, (a["content"] or "").strip())
        if tag in {"script", "style"}:
            self.skip += 1
        elif tag == "table":
            self._flush()
            self.tables += 1
            self.rows = 0
        elif tag == "tr":
            self._end_row()
            self.row = []
            self.rows += 1
        elif tag in {"td", "th"}:
            self._end_cell()
            self.cell = []
        elif tag in self.BLOCKS and self.cell is None:
            self._flush()
        if tag not in _VOID:
            element = _Element(tag, self._offset(), len(self.lines))
            self.stack.append(element)
            self.elements.append(element)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self.skip = max(self.skip - 1, 0)
        elif tag in {"td", "th"}:
            self._end_cell()
        elif tag == "tr":
            self._end_row()
        elif tag in self.BLOCKS and self.cell is None:
            self._flush()
        if any(e.tag == tag for e in self.stack):
            end = self.page.find(">", self._offset()) + 1
            while self.stack:
                element = self.stack.pop()
                element.end, element.last_line = end, len(self.lines)
                if element.tag == tag:
                    break

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        (self.cell if self.cell is not None else self.text).append(data)

    def _end_cell(self) -> None:
        if self.cell is not None and self.row is not None:
            self.row.append(re.sub(r"\s+", " ", "".join(self.cell).replace("\xa0", " ")).strip())
        self.cell = None

    def _end_row(self) -> None:
        self._end_cell()
        if self.row is not None:
            self.lines.append(Line("\t".join(self.row), f"表 {self.tables} 第 {self.rows} 行", self.row))
        self.row = None

    def _flush(self) -> None:
        text = "".join(self.text).replace("\xa0", " ").strip()
        if text:
            self.lines.append(Line(text, f"段落 {len(self.lines) + 1}"))
        self.text = []


def read_html(page: str) -> Document:
    """The report in an HTML page. A whole web page is cut to its article: the innermost element holding the
    first and last section headings of the report, so that site menus and footers stay out of the narrative."""
    reader = _Reader(page)
    reader.feed(page)
    reader.close()
    reader._end_row()  # a table cut off mid-row: keep what there is, the extraction reports the rest
    reader._flush()
    for element in reader.elements:
        if element.end < 0:
            element.end, element.last_line = len(page), len(reader.lines)
    lines, text = reader.lines, page
    article = _article(reader) if re.search(r"<(html|body)\b", page, re.IGNORECASE) else None
    if article is not None:
        lines = reader.lines[article.first_line : article.last_line]
        text = page[article.start : article.end]
    meta = dict(reader.meta)
    if "published" in meta:
        meta["published"] = meta["published"][:10]
    else:
        date = re.search(r"发布(日期|时间)[:：]\s*(\d{4}-\d{2}-\d{2})", page)
        if date:
            meta["published"] = date.group(2)
    for key, value in list(meta.items()):
        if key == "published" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            del meta[key]
        if key == "source_url" and not re.fullmatch(r"https?://\S+", value):
            del meta[key]
    return Document("HTML", lines, meta, text)


def _article(reader: _Reader) -> _Element | None:
    sections = read_definition("import.yaml")["sections"]

    def where(sid: str) -> int | None:
        headings = [re.sub(r"\s+", "", h) for h in sections[sid]]
        for i, line in enumerate(reader.lines):
            if line.cells is None and any(h in re.sub(r"\s+", "", line.text) for h in headings):
                return i
        return None

    first, last = where("s1"), where("s6")
    if first is None or last is None or last < first:
        return None
    holding = [e for e in reader.elements if e.first_line <= first and e.last_line > last and e.tag != "html"]
    if not holding:
        return None
    return min(holding, key=lambda e: e.end - e.start)
