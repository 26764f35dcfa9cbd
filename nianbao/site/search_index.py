"""The site's search index: each page's visible text (not its tables) as bigram postings in small shards."""

from __future__ import annotations

import json
import math
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import numpy as np

from nianbao.site.mkdocs_hooks import MARKER

# Pages that are searched: reports, agencies and years (the other pages are the site's own documentation).
_PAGE = re.compile(r"^(?:reports/(?P<ra>[^/]+)/(?P<ry>\d{4})|agencies/(?P<a>[^/]+)|years/(?P<y>\d{4}))/index\.md$")
_TITLE = re.compile(r"^title: (.*)$", re.MULTILINE)
_SPACE = re.compile(r"\s+")
# A block of text ends where a reader's Ctrl-F stops matching: at any block-level element or line break.
BLOCKS = frozenset(
    "address article aside blockquote br dd details div dl dt figcaption figure footer form h1 h2 h3 h4 h5 h6 "  # noqa: SIM905
    "header hr li main nav ol p pre section summary ul".split()
)
HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
# Not indexed: tables (the same labels in every report, numbers that are not words), charts, scripts, and the
# change-history lines (commit subjects are about the repository, not the report).
SKIPPED_TAGS = frozenset(("table", "svg", "script", "style", "template"))
SKIPPED_CLASSES = frozenset(("nb-change", "nb-changes"))
VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())  # noqa: SIM905
# Full-width ASCII (Ａ１（) is the same character to a reader as its half-width form, and case does not matter:
# one character for one character, so a match's place in the folded text is its place in the original.
FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
FOLD |= {c: c + 32 for c in range(0x41, 0x5B)} | {c: c - 0xFEE0 + 32 for c in range(0xFF21, 0xFF3B)}
FOLDER = "search/idx"  # where the index files go in the site, beside the search page (search/index.html)
SHARD_BYTES = 8_000  # the size a shard of postings aims at (a query fetches one shard per gram it needs)
# Digits and Latin letters have few distinct bigrams (12, 23, 34 are on every page): their runs are also indexed
# as trigrams, so that a query such as 12345 has few candidate pages to check.
KINDS = ("report", "agency", "year")


def fold(text: str) -> str:
    return text.translate(FOLD)


_CUT = re.compile(r"<(table|svg)\b.*?</\1>", re.DOTALL)


def _without_tables(html: str) -> str:
    """The page without its tables and charts, cut before parsing (they are most of a report page's bytes).

    Text from data/ is escaped, so "<table" only starts an element; nested ones are left to the parser to skip.
    """
    if any(f"<{m[1]}" in m[0][1:] for m in _CUT.finditer(html)):
        return html
    return _CUT.sub("", html)


class _Blocks(HTMLParser):
    """The text blocks of a page's HTML, outside tables, charts and change-history lines: [(is_heading, text)]."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[bool, str]] = []
        self._text: list[str] = []
        self._open: list[tuple[str, bool]] = []  # (tag, skipped) of every open non-void element
        self._skip = 0

    def _flush(self) -> None:
        text = _SPACE.sub(" ", "".join(self._text)).strip()
        if text:
            self.blocks.append((any(tag in HEADINGS for tag, _ in self._open), text))
        self._text = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCKS and not self._skip:
            self._flush()
        if tag in VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        skipped = tag in SKIPPED_TAGS or bool(classes & SKIPPED_CLASSES) or "data-search-ignore" in dict(attrs)
        self._open.append((tag, skipped))
        self._skip += skipped

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID or not any(t == tag for t, _ in self._open):
            return
        if tag in BLOCKS and not self._skip:
            self._flush()
        while self._open:
            name, skipped = self._open.pop()
            self._skip -= skipped
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._text.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def page_blocks(html: str) -> list[tuple[bool, str]]:
    parser = _Blocks()
    parser.feed(_without_tables(html))
    parser.close()
    return parser.blocks


@dataclass
class Doc:
    kind: str  # report / agency / year
    url: str
    title: str
    agency: str
    year: int
    blocks: list[tuple[bool, str]]


def encode(ids: list[int]) -> list[int]:
    """Sorted page ids as runs: [gap before the run, run length - 1, ...] (a word on every page is two numbers)."""
    if len(ids) > 256:  # numpy pays off only on long postings
        arr = np.asarray(ids, dtype=np.int64)
        breaks = np.flatnonzero(np.diff(arr) != 1)
        starts = arr[np.concatenate(([0], breaks + 1))]
        ends = arr[np.concatenate((breaks, [len(arr) - 1]))]
        gaps = starts - np.concatenate(([-1], ends[:-1])) - 1
        return np.column_stack((gaps, ends - starts)).ravel().tolist()
    out: list[int] = []
    previous = start = last = -1
    for i in ids:
        if i == last + 1 and start >= 0:
            last = i
            continue
        if start >= 0:
            out += (start - previous - 1, last - start)
            previous = last
        start = last = i
    if start >= 0:
        out += (start - previous - 1, last - start)
    return out


_ID_BITS = np.uint64(20)  # a posting is (gram key << 20) | page id: up to a million pages


def _gram_keys(text: str) -> np.ndarray:
    """The distinct unigrams, bigrams and digit/letter trigrams of a text, folded (spaces end a gram), as integers:
    a code point (< 2**21), two code points (< 2**42), or 2**42 + three ASCII codes."""
    cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    if not len(cp):
        return cp
    # `fold`, on code points
    wide = (cp >= 0xFF01) & (cp <= 0xFF5E)
    cp[wide] -= np.uint64(0xFEE0)
    cp[cp == 0x3000] = 32
    cp[(cp >= 0x41) & (cp <= 0x5A)] += np.uint64(32)
    keep = cp != 32
    pair = keep[:-1] & keep[1:]
    alnum = ((cp >= 48) & (cp <= 57)) | ((cp >= 97) & (cp <= 122))
    triple = alnum[:-2] & alnum[1:-1] & alnum[2:]
    return np.unique(
        np.concatenate(
            (
                cp[keep],
                (cp[:-1][pair] << np.uint64(21)) | cp[1:][pair],
                np.uint64(1 << 42)
                | (cp[:-2][triple] << np.uint64(14))
                | (cp[1:-1][triple] << np.uint64(7))
                | cp[2:][triple],
            )
        )
    )


def _gram(key: int) -> str:
    if key < 1 << 21:
        return chr(key)
    if key < 1 << 42:
        return chr(key >> 21) + chr(key & 0x1FFFFF)
    key -= 1 << 42
    return chr(key >> 14) + chr((key >> 7) & 0x7F) + chr(key & 0x7F)


def _postings(parts: list[np.ndarray]) -> tuple[dict[int, list[int]], int]:
    """Gram key → its pages as runs (see `encode`), computed for all grams at once; and about how many bytes the
    runs take in JSON (to choose the number of shards)."""
    postings = np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.uint64)
    if not len(postings):
        return {}, 0
    keys = postings >> _ID_BITS
    ids = (postings & np.uint64((1 << 20) - 1)).astype(np.int64)
    new_key = np.ones(len(keys), dtype=bool)
    new_key[1:] = keys[1:] != keys[:-1]
    new_run = new_key.copy()
    new_run[1:] |= ids[1:] != ids[:-1] + 1
    first = np.flatnonzero(new_run)
    starts = ids[first]
    ends = ids[np.append(first[1:] - 1, len(ids) - 1)]
    opens_gram = new_key[first]
    previous = np.append(-1, ends[:-1])
    previous[opens_gram] = -1
    flat = np.column_stack((starts - previous - 1, ends - starts)).ravel()
    size = int((np.floor(np.log10(flat + 1)) + 2).sum())
    bounds = (np.append(np.flatnonzero(opens_gram), len(first)) * 2).tolist()
    flat_list = flat.tolist()
    gram_keys = keys[first[opens_gram]].tolist()
    size += sum(12 + len(_gram(k).encode()) for k in gram_keys)
    return {k: flat_list[bounds[j] : bounds[j + 1]] for j, k in enumerate(gram_keys)}, size


def shard_of(gram: str, shards: int) -> int:
    """FNV-1a over the code points, as search.js computes it."""
    h = 0x811C9DC5
    for ch in gram:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return h % shards


def _dump(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


class SearchIndex:
    """Collects the searchable pages as the site is written, then writes the index files (deterministically)."""

    def __init__(self) -> None:
        self.docs: list[Doc] = []
        self.seconds = 0.0  # spent reading pages, for the build's report of where its time goes

    def add(self, name: str, content: bytes) -> None:
        match = _PAGE.match(name)
        if not match:
            return
        started = time.perf_counter()
        text = content.decode("utf-8")
        head, _, html = text.partition(MARKER)
        title = _TITLE.search(head)
        kind = "report" if match["ra"] else "agency" if match["a"] else "year"
        self.docs.append(
            Doc(
                kind=kind,
                url=name[: -len("index.md")],
                title=json.loads(title.group(1)) if title else "",
                agency=match["ra"] or match["a"] or "",
                year=int(match["ry"] or match["y"] or 0),
                blocks=page_blocks(html),
            )
        )
        self.seconds += time.perf_counter() - started

    def ordered(self) -> tuple[list[Doc], list[str]]:
        """Pages in id order (reports newest first, then agencies, then years) and the agency ids in order."""
        agencies = sorted({d.agency for d in self.docs if d.agency})
        rank = {a: i for i, a in enumerate(agencies)}
        docs = sorted(self.docs, key=lambda d: (KINDS.index(d.kind), -d.year, rank.get(d.agency, -1)))
        return docs, agencies

    def files(self) -> dict[str, bytes]:
        """Every file of the index, by path under the index folder."""
        docs, agencies = self.ordered()
        names = {d.agency: d.title for d in docs if d.kind == "agency"}
        out: dict[str, bytes] = {}
        every: list[np.ndarray] = []
        headed: list[np.ndarray] = []
        for i, doc in enumerate(docs):
            every.append((_gram_keys(" ".join(t for _, t in doc.blocks)) << _ID_BITS) | np.uint64(i))
            heads = " ".join(t for h, t in doc.blocks if h)
            headed.append((_gram_keys(heads) << _ID_BITS) | np.uint64(i))
            out[f"d/{i}.json"] = _dump({"u": doc.url, "t": doc.title, "b": [[int(h), t] for h, t in doc.blocks]})
        every_runs, total = _postings(every)
        headed_runs, _ = _postings(headed)
        shards = max(1, math.ceil(total / SHARD_BYTES))
        grouped: list[dict[str, list[list[int]]]] = [{} for _ in range(shards)]
        for key, runs in every_runs.items():
            gram = _gram(key)
            grouped[shard_of(gram, shards)][gram] = [runs, headed_runs[key]] if key in headed_runs else [runs]
        for k, group in enumerate(grouped):
            out[f"g/{k}.json"] = _dump(group)
        rank = {a: i for i, a in enumerate(agencies)}
        by_year: dict[int, list[int]] = defaultdict(list)
        for d in docs:
            if d.kind == "report":
                by_year[d.year].append(rank[d.agency])
        meta = {
            "version": 1,
            "shards": shards,
            "agencies": [names.get(a, a) for a in agencies],
            # What ranking needs of page ids, in id order: each year's reports (newest year first) as agency
            # numbers, then the agency pages, then the year pages.
            "reports": [[year, encode(by_year[year])] for year in sorted(by_year, reverse=True)],
            "agency_pages": encode([rank[d.agency] for d in docs if d.kind == "agency"]),
            "years": [d.year for d in docs if d.kind == "year"],
        }
        out["meta.json"] = _dump(meta)
        return out

    def write(self, folder: Path) -> int:
        """Write the index into `folder` (created); returns the number of files."""
        files = self.files()
        for name, content in sorted(files.items()):
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        return len(files)
