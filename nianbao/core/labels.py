"""Tolerant comparison of printed row labels with the template's (width, spaces, numbering, typos)."""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

from nianbao.core.templates import Table

# A printed label counts as its row's when it is at least this similar (after normalising) and no
# other row of the table is more similar: tolerates typos such as 其他法律行政止公开 (templates.md §4b).
SIMILARITY = 0.7


_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "、": "."})


_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+[.、]|\([一二三四五六七八九十]+\)|[0-9]+\.)")


def normalise(label: str) -> str:
    """Full-width to half-width, no whitespace, one style of quotes and numbering (`1、` → `1.`)."""
    text = unicodedata.normalize("NFKC", label).translate(_QUOTES)
    return re.sub(r"\s+", "", text)


def core(label: str) -> str:
    """The label without its leading numbering: 属于国家秘密 for 1.属于国家秘密."""
    return _NUMBERING.sub("", normalise(label))


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def best_row(table: Table, printed: str) -> tuple[str | None, float]:
    """The row of `table` whose label the printed label most resembles, and how closely."""
    exact = normalise(printed)
    for row in table.rows:
        if normalise(row.label) == exact:
            return row.id, 1.0
    printed_core = core(printed)
    scored = [(similarity(printed_core, core(row.label)), row.id) for row in table.rows]
    score, row_id = max(scored, key=lambda s: s[0])
    return row_id, score


def label_matches(table: Table, row_id: str, printed: str) -> tuple[bool, str | None]:
    """Whether `printed` is an acceptable label for `row_id`; if not, the row it looks like instead."""
    own = table.row(row_id).label
    if normalise(printed) == normalise(own):
        return True, None
    best, score = best_row(table, printed)
    own_score = similarity(core(printed), core(own))
    if own_score >= SIMILARITY and (best == row_id or own_score >= score):
        return True, None
    if best != row_id and score >= SIMILARITY:
        return False, best
    return False, None
