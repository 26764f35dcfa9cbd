"""PDF reports: ruled tables as grids across page breaks and rotated pages; a scan is refused with what to do."""

# pdfplumber reads the ruled tables (blank cells kept); page furniture (page numbers, browser headers) is dropped.

from __future__ import annotations

import io
import logging
import re
import unicodedata
from typing import Any

from nianbao.importer.sources import Document, Line

KIND = "PDF"
MAX_PAGES = 200  # past this many pages the tables are not read as grids (pdfplumber takes ~0.5 s a page)

# Fonts such as Noto CJK map some glyphs to the CJK radicals instead of the ideographs (⼈⺠ for 人民): the Kangxi
# radicals fold by NFKC, these supplement radicals by this table.
_RADICALS = str.maketrans(
    {
        **{"⺠": "民", "⻓": "长", "⻔": "门", "⻅": "见", "⻆": "角", "⻉": "贝", "⻋": "车", "⻛": "风", "⻜": "飞"},
        **{"⻝": "食", "⻚": "页", "⻢": "马", "⻦": "鸟", "⻥": "鱼", "⻩": "黄", "⻬": "齐", "⻮": "齿", "⻰": "龙"},
        **{"⻳": "龟", "⺟": "母", "⻄": "西", "⻘": "青", "⻧": "卤", "⻨": "麦", "⻣": "骨", "⻤": "鬼", "⻪": "黾"},
    }
)
# A line at the top or bottom of a page that repeats from page to page (digits aside) is furniture: a running
# title, a browser's date and address, 第 3 页, 1/5, - 3 -.
_DIGITS = re.compile(r"\d+")
_PAGE_NUMBER = re.compile(r"^\s*(第\s*)?[-—–－]?\s*\d{1,4}\s*[-—–－]?\s*(页)?(\s*/\s*\d{1,4}|\s*共\s*\d+\s*页)?\s*$")


def fold(text: str) -> str:
    out = []
    for ch in text:
        out.append(unicodedata.normalize("NFKC", ch) if "\u2f00" <= ch <= "\u2fdf" or ch in "ﬁﬂ" else ch)
    return "".join(out).translate(_RADICALS)


def read_pdf(data: bytes, text: Document) -> Document:
    """The PDF with its ruled tables read as grids; `text` (pypdf's text of the same PDF) where it has none."""
    text = Document(text.kind, [Line(fold(x.text), x.where) for x in text.lines], dict(text.meta))
    try:
        import pdfplumber
    except ImportError:  # pragma: no cover - a dependency
        return text
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # font warnings of every other PDF are not the user's
    try:
        with pdfplumber.open(io.BytesIO(_upright(data))) as pdf:
            if len(pdf.pages) > MAX_PAGES:  # bounded time: a report is a few pages; its text layer still serves
                return text
            pages = [_page(page) for page in pdf.pages]
    except Exception:  # pypdf read this file: its text is the fallback, never a traceback
        return text
    if not any(isinstance(block, list) for _, blocks in pages for block in blocks):
        return text
    furniture = _furniture([lines for lines, _ in pages])
    out: list[Line] = []
    for p, (_, blocks) in enumerate(pages, start=1):
        for i, block in enumerate(blocks):
            if isinstance(block, list):
                out.append(Line("\t".join(block), f"第 {p} 页第 {i + 1} 行（表格）", block))
            elif block.strip() and _DIGITS.sub("#", block.strip()) not in furniture and not _PAGE_NUMBER.match(block):
                out.append(Line(block, f"第 {p} 页第 {i + 1} 行"))
    return Document(KIND, out, dict(text.meta))


def _upright(data: bytes) -> bytes:
    """A page turned for display (/Rotate) still has its text laid out upright in its own space: read it so."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, NumberObject

    reader = PdfReader(io.BytesIO(data))
    if not any(page.rotation % 360 for page in reader.pages):
        return data
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
        writer.pages[-1][NameObject("/Rotate")] = NumberObject(0)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _page(page: Any) -> tuple[list[str], list[str | list[str]]]:  # a pdfplumber Page
    """The page's text lines, and its blocks in reading order: text lines and table rows (cells)."""
    if not page.chars:
        return [], []
    edges = [e for e in page.edges if e["orientation"] == "h"]
    settings = {}
    if edges:  # a table whose outer border is not drawn all the way down still ends where its rules end
        settings["explicit_vertical_lines"] = [min(e["x0"] for e in edges), max(e["x1"] for e in edges)]
    tables = page.find_tables(settings)
    boxes = [t.bbox for t in tables]

    def outside(obj: dict) -> bool:
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

    placed: list[tuple[float, str | list[str]]] = []
    rest = page.filter(outside)
    for line in rest.extract_text_lines(keep_blank_chars=True):
        placed.append((line["top"], fold(line["text"])))
    for table in tables:
        for r, row in enumerate(table.extract()):
            cells = [fold(re.sub(r"\s*\n\s*", "", c)).strip() for c in row if c is not None]
            if any(cells):
                placed.append((table.rows[r].bbox[1], cells))
    placed.sort(key=lambda item: item[0])
    text = [b for _, b in placed if isinstance(b, str)]
    return text, [b for _, b in placed]


def _furniture(pages: list[list[str]]) -> set[str]:
    """Lines that open or close at least half of the pages (two at least), digits masked."""
    if len(pages) < 2:
        return set()
    seen: dict[str, int] = {}
    for text in pages:
        for line in {_DIGITS.sub("#", x.strip()) for x in text[:2] + text[-2:]}:
            seen[line] = seen.get(line, 0) + 1
    return {line for line, n in seen.items() if n >= max(2, len(pages) // 2) and line}
