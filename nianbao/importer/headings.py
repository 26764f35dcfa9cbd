"""Section headings as printed: exact variants from import.yaml first, then a near miss (a typo) that keeps its numeral."""

from __future__ import annotations

from dataclasses import dataclass

from nianbao.core import labels
from nianbao.core.definitions import read_definition

# A printed heading this similar to a variant (after normalising) is taken for it, and reported: one wrong or
# extra character in a 20-character heading scores about 0.95; a different section scores far less.
HEADING_SIMILARITY = 0.85


RENUMBERED = 0.99  # the score of a heading printed with another section's numeral
_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Match:
    start: int  # position in the searched (normalised) text
    end: int
    score: float  # 1.0 for an exact variant
    variant: str  # the variant of import.yaml it matched


def variants(sid: str) -> list[str]:
    return list(read_definition("import.yaml")["sections"][sid])


def find(text: str, sid: str) -> Match | None:
    """The first heading of section `sid` in normalised `text`: an exact variant, or else the closest near miss
    that starts with the section's own numeral (四.) so that a sentence quoting the heading's words is not taken."""
    keys = {labels.normalise(v): v for v in variants(sid)}
    exact = [(text.find(k), k) for k in keys if k in text]
    if exact:
        start, key = min(exact)
        return Match(start, start + len(key), 1.0, keys[key])
    for key, variant in keys.items():  # the report numbers its sections its own way (三、主动公开… after an extra 二)
        title = key[2:]
        at = text.find(title)
        while at >= 2:
            if text[at - 1] == "." and text[at - 2] in _NUMERALS:
                return Match(at - 2, at + len(title), RENUMBERED, variant)
            at = text.find(title, at + 1)
    best: Match | None = None
    for numeral in sorted({k[:2] for k in keys}):
        at = text.find(numeral)
        while at >= 0:
            for key, variant in keys.items():
                if not key.startswith(numeral):
                    continue
                for length in range(len(key) - 2, len(key) + 3):
                    score = labels.similarity(key, text[at : at + length])
                    if score >= HEADING_SIMILARITY and (best is None or score > best.score + 1e-9):
                        best = Match(at, at + length, score, variant)
            at = text.find(numeral, at + 1)
    return best


def find_in(texts: list[str], sid: str, start: int = 0) -> tuple[int, Match] | None:
    """The first of `texts` (from `start`) holding the heading exactly; failing that, the first with a near miss."""
    keys = [labels.normalise(v) for v in variants(sid)]
    for i in range(start, len(texts)):
        if any(k in texts[i] for k in keys):
            match = find(texts[i], sid)
            assert match is not None
            return i, match
    for i in range(start, len(texts)):
        match = find(texts[i], sid)
        if match is not None:
            return i, match
    return None


def fuzzy_note(sid: str, printed: str, match: Match, where: str) -> str:
    """The import report's line for a heading matched with a typo or another numbering."""
    if match.score == RENUMBERED:
        return f"节标题“{printed}”的编号与全国格式不同，按标题文字认作“{match.variant}”（{sid}，{where}）"
    return f"节标题“{printed}”近似匹配“{match.variant}”（{sid}，相似度 {match.score:.2f}，{where}）"
