"""What a visitor downloads to run one query on a built site: search.js's steps replayed over the index files.

Usage: python benchmarks/search_bytes.py SITE_DIR [QUERY ...]
Counts the runtime (search.js, search.css), meta.json, the shards of the query's bigrams and the page texts checked
until the first screen (10 results) is final, as the browser fetches them.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from nianbao.website.search_index import FOLDER, fold, shard_of

QUERIES = (
    "行政复议",
    "复议",
    "政府信息公开行政复议",
    "政策解读",
    "依申请公开",
    "信息",
    "公",
    "2021",
    "行政复议 2021",
    "合成测试机构00042",
    "合成测试机构",
    "全力巩固和增强经济回升向好态势",
)
SCREEN = BATCH = 10
CHECKS = 40


def _decode(runs: list[int]) -> list[int]:
    ids: list[int] = []
    previous = -1
    for gap, length in zip(runs[::2], runs[1::2], strict=True):
        start = previous + 1 + gap
        ids += range(start, start + length + 1)
        previous = start + length
    return ids


def _grams(term: str) -> tuple[list[str], list[str]]:
    """The bigrams that cover a term, then the others and its digit/letter trigrams (as search.js)."""
    if len(term) == 1:
        return [term], []
    cover = [term[i : i + 2] for i in range(len(term) - 1) if i % 2 == 0 or i == len(term) - 2]
    extra = [term[i : i + 2] for i in range(len(term) - 1) if not (i % 2 == 0 or i == len(term) - 2)]
    extra += [run[k : k + 3] for run in re.findall(r"[0-9a-z]{3,}", term) for k in range(len(run) - 2)]
    return cover, [g for g in extra if g not in cover]


def query_bytes(site: Path, query: str) -> dict[str, Any]:
    idx = site / FOLDER
    fetched: dict[str, int] = {}

    def get(name: str) -> Any:
        path = idx / name
        fetched[name] = path.stat().st_size
        return json.loads(path.read_bytes())

    for asset in ("search.js", "search.css"):
        fetched[f"../../assets/{asset}"] = (site / "assets" / asset).stat().st_size
    meta = get("meta.json")
    terms = list(dict.fromkeys(fold(query).split()))
    cover = list(dict.fromkeys(g for t in terms for g in _grams(t)[0]))
    extra = [g for g in dict.fromkeys(g for t in terms for g in _grams(t)[1]) if g not in cover]
    candidates: set[int] | None = None
    headed: set[int] | None = None
    for phase in (cover, extra):
        if phase is extra and len(candidates or ()) <= BATCH:
            break
        for g in phase:
            entry = get(f"g/{shard_of(g, meta['shards'])}.json").get(g, [[], []])
            every, head = set(_decode(entry[0])), set(_decode(entry[1] if len(entry) > 1 else []))
            candidates = every if candidates is None else candidates & every
            headed = head if headed is None else headed & head
    pages = [("report", a, year) for year, runs in meta["reports"] for a in _decode(runs)]
    pages += [("agency", a, 0) for a in _decode(meta["agency_pages"])]
    pages += [("year", -1, y) for y in meta["years"]]
    names = [fold(name) for name in meta["agencies"]]

    def key(i: int) -> tuple[Any, ...]:
        kind, agency, year = pages[i]
        name = names[agency] if agency >= 0 else None
        if len(terms) == 1 and kind == "year" and re.fullmatch(rf"{year}(年度?)?", terms[0]):
            return (0, -1)
        if name is not None and kind != "year" and all(t in name for t in terms):
            return (0, name != " ".join(terms), len(name), agency, kind != "agency", -year)
        return (1 if i in (headed or set()) else 2, i)

    pending = sorted(candidates or set(), key=key)
    results: list[tuple[tuple[Any, ...], int]] = []
    checked = 0
    while pending and checked < CHECKS:
        batch, pending = pending[:BATCH], pending[BATCH:]
        checked += len(batch)
        for i in batch:
            doc = get(f"d/{i}.json")
            texts = [fold(text) for _, text in doc["b"]]
            if all(any(t in text for text in texts) for t in terms):
                results.append((key(i), i))
        if not pending or (sum(1 for k, _ in results if k < key(pending[0])) >= SCREEN and len(pending) > BATCH // 2):
            break
    return {"query": query, "bytes": sum(fetched.values()), "files": len(fetched), "results": len(results)}


def main() -> int:
    site = Path(sys.argv[1])
    for query in sys.argv[2:] or QUERIES:
        print(json.dumps(query_bytes(site, query), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
