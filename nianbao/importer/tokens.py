"""Source lines -> tokens (numbers, blanks, labels) -> units (a label with the values after it)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nianbao.core import labels
from nianbao.core.definitions import read_definition
from nianbao.importer.sources import Document, Line, boilerplate

_NUMBER = r"[-−]?[0-9]+(?:\.[0-9]+)?"  # ASCII digits only: ① or ² are not digits of a number


# What a publisher prints after a number in a cell, kept as the cell's note: a unit or counter (2笔 984361元),
# a remark (22（其中修订16件）), a footnote mark (52¹) — but not the numbering of the next label (（二）部分公开).
_UNIT = r"(?:\s*(?:万元|元|件|个|项|笔|条))?"
_REMARK = r"(?:\s*[（(](?![一二三四五六七八九十]+[）)])[^（）()]*[）)])?"
_FOOTNOTE = r"(?:[¹²³⁰⁴⁵⁶⁷⁸⁹]+|[*※])?"
_NOTE = _UNIT + _REMARK + _FOOTNOTE


_TOKEN = re.compile(rf"(?P<num>{_NUMBER}){_NOTE}")


_NUMBERING = re.compile(r"\s*[.、．]\s*[\u4e00-\u9fff]")


_CELL = re.compile(rf"\s*(?P<num>{_NUMBER})(?P<note>{_NOTE})\s*")

# Only what is certainly the same character is folded (issue 10): full-width digits, minus, point and space.
# NFKC would also turn 52¹ into 521, 95² into 952 and ① into 1.
_WIDTH = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "－": "-", "−": "-", "．": ".", "\u3000": " "})


@dataclass
class Token:
    kind: str  # "text", "num", "blank", "break"
    text: str
    where: str
    note: str = ""


@dataclass
class Unit:
    """A run of text (a row label, maybe with group labels before it) and the values printed after it."""

    text: str  # normalised (labels.normalise), for matching
    where: str
    values: list[Token] = field(default_factory=list)
    raw: str = ""  # as printed, without the whitespace that line breaks and PDF extraction put in
    index: list[int] = field(default_factory=list)  # position in `raw` of each character of `text`

    def add(self, printed: str) -> None:
        for ch in re.sub(r"\s+", "", printed):
            for out in labels.normalise(ch):
                self.text += out
                self.index.append(len(self.raw))
            self.raw += ch


def is_number(text: str) -> bool:
    """A table cell that holds one number as printed (with its unit or remark)."""
    return _CELL.fullmatch(_fold(text)) is not None


def clean_lines(doc: Document) -> list[Line]:
    patterns = boilerplate()
    limit = read_definition("import.yaml")["boilerplate_max_length"]
    return [line for line in doc.lines if len(line.text) > limit or not any(p.search(line.text) for p in patterns)]


def tokens(lines: list[Line]) -> list[Token]:
    blanks = set(read_definition("import.yaml")["blank_marks"])
    out: list[Token] = []
    for line in lines:
        if line.cells is not None:
            started = False
            for i, cell in enumerate(line.cells):
                where = f"{line.where}第 {i + 1} 格"
                text = cell.strip()
                if not started and not text:
                    continue  # the space under a vertical group label
                started = True
                match = _CELL.fullmatch(_fold(text))
                if match:
                    out.append(Token("num", match.group("num"), where, match.group("note").strip()))
                elif not text or text in blanks:
                    out.append(Token("blank", "", where, text))
                else:
                    out.append(Token("text", text, where))
            out.append(Token("break", "", line.where))
            continue
        out.extend(_text_tokens(line, blanks))
    return out


def _fold(text: str) -> str:
    """Full-width digits, minus, point and space made ASCII, character for character (positions stay the source's)."""
    return text.translate(_WIDTH)


def _text_tokens(line: Line, blanks: set[str]) -> list[Token]:
    raw = line.text
    text = _fold(raw)
    out: list[Token] = []
    pos = 0
    for match in _TOKEN.finditer(text):
        digits = match.group("num")
        start, end = match.start(), match.end()
        if _NUMBERING.match(text, match.end("num")) and "." not in digits:
            # 00000002.其他法律…: the last digit numbers the next label, the rest is a value.
            if len(digits) == 1:
                continue
            digits, end = digits[:-1], match.end("num") - 1
        if start > pos:
            out.extend(_plain(raw[pos:start], line.where, blanks))
        note = raw[match.end("num") : end].strip() if end > match.end("num") else ""
        out.append(Token("num", digits.replace("−", "-"), line.where, note))
        pos = end
    if pos < len(text):
        out.extend(_plain(raw[pos:], line.where, blanks))
    return out


def _plain(text: str, where: str, blanks: set[str]) -> list[Token]:
    out = []
    for word in re.split(r"(\s+)", text):
        if not word.strip():
            continue
        out.append(Token("blank", "", where, word) if word in blanks else Token("text", word, where))
    return out


def units(stream: list[Token]) -> list[Unit]:
    out: list[Unit] = []
    current: Unit | None = None
    for token in stream:
        if token.kind == "break":
            current = None
        elif token.kind == "text":
            if current is None or current.values:
                current = Unit("", token.where)
                out.append(current)
            current.add(token.text)
        else:
            if current is None:
                current = Unit("", token.where)
                out.append(current)
            current.values.append(token)
    return out
