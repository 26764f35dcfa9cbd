"""An HTML page -> its report article as lines and table rows, the page's metadata, and the article's markup."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import ClassVar

from nianbao.core.definitions import read_definition
from nianbao.importer.sources import Document, Line
from nianbao.importer.tokens import is_number

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


def _span(value: str | None) -> int:
    """A rowspan or colspan as a browser reads it, bounded (a hostile colspan=10000000 must not cost memory)."""
    match = re.match(r"\s*(\d+)", value or "")
    return min(max(int(match.group(1)), 1), 200) if match else 1


@dataclass
class _Cell:
    text: str
    row: int
    col: int
    rowspan: int
    colspan: int


class _Table:
    """One table's cells placed on the grid that rowspan and colspan make."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.rows: list[list[_Cell]] = []
        self.cell: list[str] | None = None
        self.spans = (1, 1)
        self.taken: set[tuple[int, int]] = set()
        self.col = 0  # where the next cell of the row may start (cells are placed left to right)

    def start_row(self) -> None:
        self.end_row()
        self.rows.append([])
        self.col = 0

    def end_row(self) -> None:
        self.end_cell()

    def start_cell(self, rowspan: int, colspan: int) -> None:
        self.end_cell()
        if not self.rows:
            self.rows.append([])
        self.cell, self.spans = [], (rowspan, colspan)

    def end_cell(self) -> None:
        if self.cell is None:
            return
        r = len(self.rows) - 1
        c = self.col
        while (r, c) in self.taken:  # the places of cells spanning down from the rows above
            c += 1
        rowspan, colspan = self.spans
        if len(self.taken) + rowspan * colspan > 200_000:  # a hostile table of huge spans: bounded memory
            rowspan = colspan = 1
        text = re.sub(r"\s+", " ", "".join(self.cell).replace("\xa0", " ")).strip()
        self.rows[r].append(_Cell(text, r, c, rowspan, colspan))
        self.taken |= {(r + dr, c + dc) for dr in range(rowspan) for dc in range(colspan)}
        self.col = c + colspan
        self.cell = None

    def lines(self) -> list[Line]:
        """Each row's own cells in grid order. In a row of numbers, cells that fall under one header cell are
        one cell: an empty placeholder beside a value (a Word table whose header is split differently from its
        data rows) is dropped, so values keep their columns. Anything less certain is left as printed."""
        self.end_row()
        out = []
        header: dict[int, tuple[int, int]] = {}  # grid column -> the innermost header cell over it (row, col)
        for r, row in enumerate(self.rows):
            cells = row
            if any(is_number(c.text) for c in row):
                cells = _merge(row, header)
            else:
                if r and any(is_number(c.text) for c in self.rows[r - 1]):
                    header = {}  # a new header block (several tables printed as one)
                for c in row:
                    if c.text:
                        header.update({k: (c.row, c.col) for k in range(c.col, c.col + c.colspan)})
            texts = [c.text for c in cells]
            out.append(Line("\t".join(texts), f"表 {self.number} 第 {r + 1} 行", texts))
        return out


def _merge(row: list[_Cell], header: dict[int, tuple[int, int]]) -> list[_Cell]:
    out: list[_Cell] = []
    for cell in row:
        over = header.get(cell.col)
        if out and over is not None and header.get(out[-1].col) == over and not (out[-1].text and cell.text):
            if not out[-1].text:
                out[-1] = cell  # the value, not the placeholder
            continue
        out.append(cell)
    return out


class _Reader(HTMLParser):
    """Block text as lines and table rows as cells; <br> inside a cell joins (本年新<br>制作数量)."""

    BLOCKS: ClassVar[set[str]] = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "section", "article", "br"}

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.offsets = [0] + [i + 1 for i, ch in enumerate(page) if ch == "\n"]  # HTMLParser counts \n only
        self.page = page
        self.lines: list[Line] = []
        self.text: list[str] = []
        self.open_tables: list[_Table] = []  # tables being read (a table may sit in a cell of another)
        self.tables = 0
        self.skip = 0
        self.meta: dict[str, str] = {}
        self.stack: list[_Element] = []
        self.open: dict[str, int] = {}  # how many of each tag are on the stack (a lookup, not a scan, per end tag)
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
            if not self.open_tables:
                self._flush()
            self.tables += 1
            self.open_tables.append(_Table(self.tables))
        elif tag == "tr" and self.open_tables:
            self.open_tables[-1].start_row()
        elif tag in {"td", "th"} and self.open_tables:
            a = dict(attrs)
            self.open_tables[-1].start_cell(_span(a.get("rowspan")), _span(a.get("colspan")))
        elif tag in self.BLOCKS and not self._in_cell():
            self._flush()
        if tag not in _VOID:
            element = _Element(tag, self._offset(), len(self.lines))
            self.stack.append(element)
            self.open[tag] = self.open.get(tag, 0) + 1
            self.elements.append(element)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self.skip = max(self.skip - 1, 0)
        elif tag in {"td", "th"} and self.open_tables:
            self.open_tables[-1].end_cell()
        elif tag == "tr" and self.open_tables:
            self.open_tables[-1].end_row()
        elif tag == "table" and self.open_tables:
            self.lines.extend(self.open_tables.pop().lines())
        elif tag in self.BLOCKS and not self._in_cell():
            self._flush()
        if self.open.get(tag):
            end = self.page.find(">", self._offset()) + 1
            while self.stack:
                element = self.stack.pop()
                self.open[element.tag] -= 1
                element.end, element.last_line = end, len(self.lines)
                if element.tag == tag:
                    break

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self._in_cell():
            self.open_tables[-1].cell.append(data)  # type: ignore[union-attr]
        else:
            self.text.append(data)

    def _in_cell(self) -> bool:
        return bool(self.open_tables) and self.open_tables[-1].cell is not None

    def close_tables(self) -> None:
        """Tables cut off before </table>: keep what there is, the extraction reports the rest."""
        while self.open_tables:
            self.lines.extend(self.open_tables.pop().lines())

    def _flush(self) -> None:
        text = "".join(self.text).replace("\xa0", " ").strip()
        if text:
            self.lines.append(Line(text, f"段落 {len(self.lines) + 1}"))
        self.text = []


def read_html(page: str) -> Document:
    """The report in an HTML page. A whole web page is cut to its article: the innermost element holding the
    first and last section headings of the report, so that site menus and footers stay out of the narrative."""
    reader = _Reader(page)
    reader.feed(_without_cut_tag(page))
    reader.close()
    reader.close_tables()
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


def _without_cut_tag(page: str) -> str:
    """An excerpt that begins inside a tag (the article part cut from a saved page at a character offset, e.g.
    `qzbFile}}" rameborder="0">…`) has no text before its first tag: that tail of a tag is blanked, line breaks
    kept so that every position stays where it was."""
    first = page.find("<")
    lead = page[:first] if first >= 0 else ""
    if ">" not in lead:
        return page
    end = lead.rindex(">") + 1
    return re.sub(r"[^\n]", " ", page[:end]) + page[end:]


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
