"""The site's search index: each page's visible text (not its tables) as bigram postings in small shards."""

from __future__ import annotations

import json
import math
import re
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import numpy as np

from nianbao.website.mkdocs_hooks import MARKER

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
# Not indexed: tables (the same labels in every report, numbers that are not words), charts, scripts, code blocks
# (the citation's BibTeX and CSL-JSON), button labels, and the change-history lines (commit subjects are about the
# repository, not the report).
SKIPPED_TAGS = frozenset(("table", "svg", "script", "style", "template", "pre", "button"))
SKIPPED_CLASSES = frozenset(("nb-change", "nb-changes"))
VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())  # noqa: SIM905
# Full-width ASCII (Ａ１（) is the same character to a reader as its half-width form, and case does not matter:
# one character for one character, so a match's place in the folded text is its place in the original.
FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
FOLD |= {c: c + 32 for c in range(0x41, 0x5B)} | {c: c - 0xFEE0 + 32 for c in range(0xFF21, 0xFF3B)}
FOLDER = "search/idx"  # where the index files go in the site, beside the search page (search/index.html)
SHARD_BYTES = 5_000  # the size a shard of postings aims at (a query fetches one shard per gram it needs)
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


@dataclass
class _Postings:
    """Every gram's pages as runs (see `encode`), for all grams at once: gram `j` is runs[bounds[j]:bounds[j + 1]]."""

    keys: list[int]
    bounds: np.ndarray
    runs: np.ndarray
    size: int  # about how many bytes the runs take in JSON (to choose the number of shards)

    def of(self, j: int) -> list[int]:
        return self.runs[self.bounds[j] : self.bounds[j + 1]].tolist()


def _postings(parts: list[np.ndarray]) -> _Postings:
    # Moved into one array page by page, so that only one copy of all postings (~150 MB at 5,000 reports) is held.
    postings = np.empty(sum(len(p) for p in parts), dtype=np.uint64)
    at = 0
    for i, part in enumerate(parts):
        postings[at : at + len(part)] = part
        at += len(part)
        parts[i] = part[:0]
    if not len(postings):
        return _Postings([], np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64), 0)
    postings.sort()
    ids = (postings & np.uint64((1 << 20) - 1)).astype(np.int32)
    keys = postings
    keys >>= _ID_BITS  # in place: the postings are not needed any more
    new_key = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=new_key[1:])
    new_run = new_key.copy()
    new_run[1:] |= np.diff(ids) != 1
    first = np.flatnonzero(new_run)
    del new_run
    starts = ids[first]
    ends = ids[np.append(first[1:] - 1, len(ids) - 1)]
    del ids
    opens_gram = new_key[first]
    del new_key
    gram_keys = keys[first[opens_gram]].tolist()
    del keys, first
    previous = np.append(np.int32(-1), ends[:-1])
    previous[opens_gram] = -1
    runs = np.empty(2 * len(starts), dtype=np.int32)
    runs[0::2] = starts - previous - 1
    runs[1::2] = ends - starts
    del starts, ends, previous
    # digits, commas and brackets, and each gram's own bytes
    size = 2 * len(runs) + sum(int(np.count_nonzero(runs >= 10**k)) for k in range(1, 7))
    size += sum(12 + len(_gram(k).encode()) for k in gram_keys)
    return _Postings(gram_keys, np.append(np.flatnonzero(opens_gram), len(opens_gram)) * 2, runs, size)


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

    def files(self) -> Iterator[tuple[str, bytes]]:
        """Every file of the index (path under the index folder, content), one at a time."""
        docs, agencies = self.ordered()
        names = {d.agency: d.title for d in docs if d.kind == "agency"}
        every: list[np.ndarray] = []
        headed: list[np.ndarray] = []
        for i, doc in enumerate(docs):
            every.append((_gram_keys(" ".join(t for _, t in doc.blocks)) << _ID_BITS) | np.uint64(i))
            heads = " ".join(t for h, t in doc.blocks if h)
            headed.append((_gram_keys(heads) << _ID_BITS) | np.uint64(i))
            yield f"d/{i}.json", _dump({"u": doc.url, "t": doc.title, "b": [[int(h), t] for h, t in doc.blocks]})
        every_runs, headed_runs = _postings(every), _postings(headed)
        in_heading = {key: j for j, key in enumerate(headed_runs.keys)}
        shards = max(1, math.ceil(every_runs.size / SHARD_BYTES))
        members: list[list[tuple[str, int]]] = [[] for _ in range(shards)]
        for j, key in enumerate(every_runs.keys):
            gram = _gram(key)
            members[shard_of(gram, shards)].append((gram, j))
        for k, shard in enumerate(members):  # one shard's lists at a time: all at once took ~600 MB at 5,000 reports
            group: dict[str, list[list[int]]] = {}
            for gram, j in shard:
                h = in_heading.get(every_runs.keys[j])
                group[gram] = [every_runs.of(j)] if h is None else [every_runs.of(j), headed_runs.of(h)]
            yield f"g/{k}.json", _dump(group)
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
        yield "meta.json", _dump(meta)

    def write(self, folder: Path) -> int:
        """Write the index into `folder` (created); returns the number of files."""
        count = 0
        for name, content in self.files():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            count += 1
        return count
