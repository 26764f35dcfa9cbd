"""Run-together digits -> every way to cut them into a row's cells, enumerated lazily and bounded."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

_PIECE = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?")  # a number as printed: no leading zeros, decimals whole


@dataclass
class Splits:
    readings: list[tuple[str, ...]]  # each way to cut the digits into the row's n numbers, in column order
    complete: bool  # False when enumeration stopped at the limit: more readings exist than were listed


def splits(texts: list[str], kinds: list[str], limit: int) -> Splits:
    """Every way to cut the digit strings `texts` (in order, each into one or more pieces) into len(kinds) numbers.

    A piece is a number as printed (no leading zeros); a decimal only in a money column. Only branches that can
    still end in a full reading are walked, and at most `limit` readings are listed, so a 30-digit run costs
    milliseconds, not minutes.
    """
    n = len(kinds)

    def pieces(t: int, pos: int, k: int) -> list[tuple[int, int, int]]:
        """The next piece from token t at pos as column k: (end, next token, next pos) for each valid cut."""
        text = texts[t]
        out = []
        for end in range(pos + 1, len(text) + 1):
            piece = text[pos:end]
            if not _PIECE.fullmatch(piece) or ("." in piece and kinds[k] != "money"):
                continue
            out.append((end, t + 1, 0) if end == len(text) else (end, t, end))
        return out

    @cache
    def feasible(t: int, pos: int, k: int) -> bool:
        if t == len(texts):
            return k == n
        if k == n:
            return False
        return any(feasible(nt, np, k + 1) for _, nt, np in pieces(t, pos, k))

    readings: list[tuple[str, ...]] = []
    complete = True

    def walk(t: int, pos: int, k: int, acc: list[str]) -> bool:
        nonlocal complete
        if t == len(texts):
            if len(readings) >= limit:
                complete = False
                return False
            readings.append(tuple(acc))
            return True
        for end, nt, np in pieces(t, pos, k):
            if feasible(nt, np, k + 1) and not walk(nt, np, k + 1, [*acc, texts[t][pos:end]]):
                return False
        return True

    if texts and feasible(0, 0, 0):  # recursion is one level per piece: at most len(kinds) deep
        walk(0, 0, 0, [])
    return Splits(readings, complete)


def shorter(texts: list[str], kinds: list[str]) -> bool:
    """Whether the digits also split into fewer numbers than cells: then a blank cell of the row, which leaves no
    trace in run-together text, would explain them too."""
    kind = "money" if "money" in kinds else "count"
    return any(splits(texts, [kind] * k, 1).readings for k in range(len(texts), len(kinds)))
