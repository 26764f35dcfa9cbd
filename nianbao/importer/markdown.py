"""Markdown from PDF converters and OCR: pipe-table fragments and loose lines -> observed rows per table section."""

from __future__ import annotations

import re
import unicodedata

from nianbao.core import labels
from nianbao.core.definitions import read_definition
from nianbao.core.templates import Template
from nianbao.importer import headings
from nianbao.importer.extract import Extraction
from nianbao.importer.grid import Observed, Orphan, place
from nianbao.importer.sources import Document, Line

KIND = "Markdown（PDF 转换稿）"

_ROW = re.compile(r"^\s*\|.*\|\s*$")
_SEPARATOR = re.compile(r"^\s*\|?(\s*:?-{3,}:?\s*\|)+\s*(:?-{3,}:?\s*)?$")
_HEADING = re.compile(r"^\s*#{1,6}\s+")
# A value cell: a number, maybe with a unit or a remark printed after it (22（其中修订 16 件）).
_VALUE = re.compile(
    r"^(?P<num>[-−]?\d+(?:\.\d+)?)\s*(?P<note>(?:万元|元|件|个|项|笔|条)?\s*(?:[（(][^（）()]*[）)])?)$"
)
_NOTE_LINE = re.compile(r"^[（(][^（）()]*[）)]$")
# A loose line that is a label and its values (行政许可 0), as PDF converters write small tables.
_LABELLED = re.compile(r"^(?P<label>\D*[\u4e00-\u9fff）)])\s+(?P<values>[-−]?\d+(?:\.\d+)?(?:\s+[-−]?\d+(?:\.\d+)?)*)$")


def looks_like(text: str) -> bool:
    """Pipe tables with their separator rows: what PDF-to-Markdown tools write."""
    lines = text.splitlines()
    return any(_SEPARATOR.match(x) for x in lines) and sum(bool(_ROW.match(x)) for x in lines) >= 2


def read_markdown(text: str) -> Document:
    """Lines of the Markdown: table rows as cells, separator rows dropped, heading marks (##) removed."""
    lines = []
    for i, raw in enumerate(text.splitlines(), start=1):
        if _SEPARATOR.match(raw):
            continue
        if _ROW.match(raw):
            cells = [c.strip() for c in raw.strip().strip("|").split("|")]
            lines.append(Line("\t".join(cells), f"第 {i} 行", cells))
        else:
            lines.append(Line(_HEADING.sub("", raw), f"第 {i} 行"))
    return Document(KIND, lines)


def _is_value(cell: str, blanks: set[str]) -> bool:
    text = unicodedata.normalize("NFKC", cell).strip()
    return not text or text in blanks or bool(_VALUE.match(text))


def observe(lines: list[Line]) -> tuple[list[Observed], list[Orphan]]:
    """Rows that hold values (with the label printed in the row, or in the loose text just above it) and
    numbers standing alone on a line (a cell the converter tore out of its row)."""
    blanks = set(read_definition("import.yaml")["blank_marks"])
    rows: list[Observed] = []
    orphans: list[Orphan] = []
    pending: list[str] = []
    for k, line in enumerate(lines):
        text = line.text.strip()
        if line.cells is not None:
            texts = [c for c in line.cells if not _is_value(c, blanks)]
            values = [c for c in line.cells if _is_value(c, blanks)]
            if any(v.strip() for v in values):
                label = texts[-1] if texts else "".join(pending)
                rows.append(Observed(label, "".join(texts) or "".join(pending), _trim(values), line.where))
            pending = []
            continue
        match = _LABELLED.match(unicodedata.normalize("NFKC", text))
        if match:
            rows.append(Observed(match.group("label"), match.group("label"), match.group("values").split(), line.where))
            pending = []
        elif _VALUE.match(unicodedata.normalize("NFKC", text)) and text:
            note = lines[k + 1].text.strip() if k + 1 < len(lines) else ""
            orphans.append(Orphan(text + (note if _NOTE_LINE.match(note) else ""), line.where))
        elif text and not _NOTE_LINE.match(text):
            pending.append(text)
    return rows, orphans


def _trim(values: list[str]) -> list[str]:
    """Empty cells at the edges of a fragment are the layout's (a shifted group-label column), not blanks."""
    while values and not values[0].strip():
        values = values[1:]
    while values and not values[-1].strip():
        values = values[:-1]
    return values


def extract(doc: Document, tmpl: Template) -> Extraction:
    """Every template cell from a converted Markdown: section by section, rows placed by label, order and rules."""
    result = Extraction({}, {}, [], set())
    texts = [labels.normalise(line.text) if line.cells is None else "" for line in doc.lines]
    starts: dict[str, int] = {}
    cursor = 0
    for sid in ("s2", "s3", "s4", "s5", "s6"):
        hit = headings.find_in(texts, sid, cursor)
        if hit:
            starts[sid], cursor = hit[0], hit[0]
            if hit[1].score < 1.0:
                printed = doc.lines[hit[0]].text.strip()
                result.fuzzy.append(headings.fuzzy_note(sid, printed, hit[1], doc.lines[hit[0]].where))
    order = ["s2", "s3", "s4", "s5", "s6"]
    for sid in ("s2", "s3", "s4"):
        tables = [t for t in tmpl.tables if t.section == sid]
        if sid not in starts:  # as for text sources: the section's cells are not found, the rest still read
            for table in tables:
                rows = [r.id for r in table.rows if not r.optional]
                heading = f"第{'二三四'[order.index(sid)]}部分的标题"
                result.not_found(table, rows, f"原文中找不到表“{table.caption}”（{heading}）", "全文")
            continue
        later = [starts[s] for s in order[order.index(sid) + 1 :] if s in starts]
        found, orphans = observe(doc.lines[starts[sid] + 1 : later[0] if later else len(doc.lines)])
        place(tmpl, tables, found, orphans, result)
    return result
