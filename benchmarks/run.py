"""Time the whole site build at 100 / 1,000 / 5,000 synthetic reports beside a bare mkdocs build of as many pages.

Usage: python benchmarks/run.py [--sizes 100 1000 5000] [--out benchmarks/out]
Prints a Markdown table (the README's figures come from it). Synthetic data is written under --out only.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate  # noqa: E402
from search_bytes import QUERIES, query_bytes  # noqa: E402

BARE_CONFIG = """site_name: bare
theme:
  name: material
  language: zh
  font: false
plugins:
  - search
nav:
  - index.md
validation:
  nav:
    omitted_files: ignore
"""


def measure(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak resident memory (MB) of the largest process the command ran (via GNU time), and its
    output."""
    wrapper = ["/usr/bin/time", "-f", "%M", *command]
    start = time.perf_counter()
    done = subprocess.run(wrapper, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    return seconds, peak_kb / 1024, done.stdout


def size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1024 / 1024


def search_kb(site: Path) -> tuple[float, float]:
    """Largest and median download (KB) of the benchmark queries, each from a fresh visit to the search page."""
    sizes = sorted(query_bytes(site, q)["bytes"] / 1024 for q in QUERIES)
    return sizes[-1], sizes[len(sizes) // 2]


def bare_docs(data: Path, docs: Path) -> int:
    """Plain Markdown report pages: each report's tables as Markdown tables plus its narrative."""
    docs.mkdir(parents=True)
    (docs / "index.md").write_text("# bare\n", encoding="utf-8")
    count = 0
    for folder in sorted((data / "reports").glob("*/*")):
        parts = [f"# {folder.parent.name} {folder.name}\n"]
        for csv_file in sorted(folder.glob("*.csv")):
            rows = [line.split(",") for line in csv_file.read_text(encoding="utf-8").splitlines()]
            if not rows:
                continue
            parts.append(f"## {csv_file.stem}\n")
            parts.append("| " + " | ".join(rows[0]) + " |")
            parts.append("|" + "---|" * len(rows[0]))
            parts += ["| " + " | ".join(r) + " |" for r in rows[1:]]
            parts.append("")
        parts.append((folder / "narrative.md").read_text(encoding="utf-8"))
        page = docs / "reports" / folder.parent.name / f"{folder.name}.md"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text("\n".join(parts), encoding="utf-8")
        count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    args = parser.parse_args()
    rows = []
    for n in args.sizes:
        work = args.out / str(n)
        shutil.rmtree(work, ignore_errors=True)
        generate(work / "data", n)
        py = sys.executable
        validate_s, validate_mb, _ = measure([py, "-m", "nianbao", "validate", str(work / "data"), "--format", "json"])
        build_s, build_mb, printed = measure(
            [
                py,
                str(ROOT / "build_site.py"),
                "--data",
                str(work / "data"),
                "--site-dir",
                str(work / "site"),
                "--build-dir",
                str(work / "build"),
            ]
        )
        pages = sum(1 for _ in (work / "site").rglob("index.html"))
        index_s = float(re.search(r"搜索索引 ([\d.]+)", printed).group(1))  # type: ignore[union-attr]
        search_max, search_median = search_kb(work / "site")
        docs = work / "bare" / "docs"
        bare_pages = bare_docs(work / "data", docs)
        (work / "bare" / "mkdocs.yml").write_text(BARE_CONFIG, encoding="utf-8")
        bare_s, bare_mb, _ = measure([py, "-m", "mkdocs", "build", "-q", "-f", str(work / "bare" / "mkdocs.yml")])
        row = {
            "reports": n,
            "pages": pages,
            "validate_s": round(validate_s, 1),
            "validate_ms_per_report": round(1000 * validate_s / n, 2),
            "validate_peak_mb": round(validate_mb),
            "build_s": round(build_s, 1),
            "build_s_per_1000_pages": round(1000 * build_s / pages, 1),
            "build_peak_mb": round(build_mb),
            "site_mb": round(size_mb(work / "site"), 1),
            "search_index_s": index_s,
            "search_kb_max": round(search_max),
            "search_kb_median": round(search_median),
            "bare_pages": bare_pages,
            "bare_s": round(bare_s, 1),
            "bare_s_per_1000_pages": round(1000 * bare_s / bare_pages, 1),
            "bare_peak_mb": round(bare_mb),
            "bare_search_index_mb": round(
                (work / "bare" / "site" / "search" / "search_index.json").stat().st_size / 1024 / 1024, 1
            ),
        }
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
        shutil.rmtree(work / "bare" / "site", ignore_errors=True)
    print()
    print(
        "| reports | pages | validate (ms/report) | full build (s) | s per 1,000 pages | peak MB | site MB | search index (s) | search KB/query (max, median) | bare mkdocs (s) | bare s per 1,000 | bare peak MB | bare search index MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['reports']:,} | {r['pages']:,} | {r['validate_ms_per_report']} | {r['build_s']} | {r['build_s_per_1000_pages']} | "
            f"{r['build_peak_mb']} | {r['site_mb']} | {r['search_index_s']} | {r['search_kb_max']}, {r['search_kb_median']} | {r['bare_s']} | {r['bare_s_per_1000_pages']} | "
            f"{r['bare_peak_mb']} | {r['bare_search_index_mb']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
