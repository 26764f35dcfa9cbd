"""Score the importer against every sample and every source copy in data/ that has a reviewed package; time a batch.

Usage: python benchmarks/import_accuracy.py [--samples ../shared/samples] [--batch 100] [--no-pdf]
With /usr/bin/chromium, 上海 2019's web page is also printed to PDF and scored as a PDF. Prints, per source format: reports / cells / right / wrong / uncertain / not found (a Markdown table; the README's
figures come from it), the same over every package of data/ that keeps its source copy (source.*), with how many
rows a maintainer settled against the original and whether the value read there was one of the importer's
readings, then the batch timing. Drafts are written to a temporary folder only, never to data/.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nianbao.core.settled import settlements  # noqa: E402
from nianbao.core.textfiles import _records  # noqa: E402
from nianbao.importer import batch  # noqa: E402
from nianbao.importer.draft import _template, import_report  # noqa: E402
from nianbao.importer.evidence import neighbours  # noqa: E402
from nianbao.importer.extract import BLANK, NOT_FOUND, PRINTED, UNCERTAIN, extract  # noqa: E402
from nianbao.importer.sources import read  # noqa: E402

# sample → the reviewed package it must import to (crawler text and original page score against the same package)
CASES = [
    ("beiyangjizhen-2019.txt", "beiyangjizhen", 2019),
    ("hongze-2023.pdf.txt", "hongze", 2023),
    ("hongze-2024.pdf.txt", "hongze", 2024),
    ("huaian-2024.pdf.txt", "huaian", 2024),
    ("pingtan-2019.page.html", "pingtan", 2019),
    ("pingtan-2021.page.html", "pingtan", 2021),
    ("pingtan-2019.web.txt", "pingtan", 2019),
    ("pingtan-2021.web.txt", "pingtan", 2021),
    ("shanghai-bangongting-2019.html", "shanghai-bangongting", 2019),
    ("shanghai-bangongting-2025.md", "shanghai-bangongting", 2025),
]
# The importer's cell statuses (issue 9) as scored: printed and blank cells are claims, the other two are not.
STATUS = {PRINTED: "printed", BLANK: "blank", NOT_FOUND: "not found", UNCERTAIN: "uncertain"}
COLUMNS = ("cells", "right", "wrong", "uncertain", "not found")


def reviewed_cells(package: Path) -> dict[tuple[str, str, str], str]:
    """Every cell of a reviewed package's table CSVs: (table, row, column) → value as stored."""
    out = {}
    for path in sorted(package.glob("*.csv")):
        if path.name == "notes.csv":
            continue
        rows = _records(path.read_text(encoding="utf-8"))
        header = rows[0]
        for row in rows[1:]:
            for column, value in zip(header[2:], row[2:], strict=False):
                out[(path.stem, row[0], column)] = value
    return out


def score(source: Path, agency: str, year: int, data: Path, work: Path) -> tuple[str, dict[str, int]]:
    """Import `source` into `work` and compare every cell of the reviewed package with the import."""
    result = import_report(source, agency, year, work / f"{agency}-{year}", force=True, data_dir=data)
    truth = reviewed_cells(data / "reports" / agency / str(year))
    return result.doc.kind, tally_cells(result.extraction.cells, truth)


def tally_cells(cells: dict, truth: dict[tuple[str, str, str], str]) -> dict[str, int]:
    """Right / wrong for the cells the importer claims, against the reviewed values; the rest by status."""
    tally = dict.fromkeys(COLUMNS, 0)
    for key, value in truth.items():
        tally["cells"] += 1
        cell = cells.get(key)
        status = STATUS[cell.status] if cell else "not found"
        if status in ("uncertain", "not found"):
            tally[status] += 1
        else:
            tally["right" if cell is not None and cell.value == value else "wrong"] += 1
    return tally


def collection(data: Path) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Every package of `data` with a source copy, re-read from that copy (with its neighbouring years, as
    `nianbao import` reads it): per source kind, the cells scored as above; and the rows left unresolved, split by
    how each was settled (`settled`): a value that was one of the importer's readings, one that was not, a row not
    printed, or no settlement (would be a validation error)."""
    per_kind: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(("reports", *COLUMNS), 0))
    rows = dict.fromkeys(
        ("uncertain, one of the readings", "uncertain, none of the readings", "not printed", "unsettled"), 0
    )
    for descriptor_path in sorted((data / "reports").glob("*/*/datapackage.json")):
        sources = sorted(descriptor_path.parent.glob("source.*"))
        if not sources:
            continue
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
        agency, year = descriptor["agency"], descriptor["year"]
        doc = read(sources[0].read_bytes())
        tmpl = _template(doc, year)
        extraction = extract(doc, tmpl, year, neighbours(data, agency, year))
        per_kind[doc.kind]["reports"] += 1
        for key, n in tally_cells(extraction.cells, reviewed_cells(descriptor_path.parent)).items():
            per_kind[doc.kind][key] += n
        settled = {s.cells: s for s in settlements(descriptor, tmpl)}
        for entry in extraction.unresolved:
            s = settled.get(tuple(".".join(k) for k in entry.cells))
            if s is None:
                rows["unsettled"] += 1
            elif entry.status == NOT_FOUND:
                rows["not printed"] += 1
            elif s.values in entry.candidates:
                rows["uncertain, one of the readings"] += 1
            else:
                rows["uncertain, none of the readings"] += 1
    return dict(per_kind), rows


def printed_pdf(html: Path, folder: Path) -> Path | None:
    """The sample web page printed to PDF by headless Chromium (half-height pages: tables run over page breaks)."""
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists() or not html.is_file():
        return None
    page = folder / "page.html"
    body = html.read_text(encoding="utf-8")
    style = "<style>@page {size: 8.5in 5.5in}</style>"
    page.write_text(f'<html><head><meta charset="utf-8">{style}</head><body>{body}</body></html>', encoding="utf-8")
    pdf = folder / html.name.replace(".html", ".pdf")
    command = [str(chromium), "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={pdf}", page.as_uri()]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return pdf


def accuracy(samples: Path, data: Path, pdf: bool = True) -> tuple[dict[str, dict[str, int]], list[str]]:
    per_format: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(("reports", *COLUMNS), 0))
    skipped = []
    with tempfile.TemporaryDirectory() as tmp:
        cases = [(samples / name, agency, year) for name, agency, year in CASES]
        printed = printed_pdf(samples / "shanghai-bangongting-2019.html", Path(tmp)) if pdf else None
        if printed:
            cases.append((printed, "shanghai-bangongting", 2019))
        for source, agency, year in cases:
            if not source.is_file():
                skipped.append(source.name)
                continue
            kind, tally = score(source, agency, year, data, Path(tmp))
            per_format[kind]["reports"] += 1
            for key, n in tally.items():
                per_format[kind][key] += n
    return dict(per_format), skipped


def table(per_format: dict[str, dict[str, int]]) -> str:
    lines = [
        "| format | reports | cells | right | wrong | uncertain | not found |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    total = dict.fromkeys(("reports", *COLUMNS), 0)
    for kind, row in sorted(per_format.items()):
        lines.append(f"| {kind} | " + " | ".join(str(row[k]) for k in ("reports", *COLUMNS)) + " |")
        for k in total:
            total[k] += row[k]
    lines.append("| **all** | " + " | ".join(str(total[k]) for k in ("reports", *COLUMNS)) + " |")
    return "\n".join(lines) + "\n"


def time_batch(samples: Path, size: int) -> tuple[int, float]:
    """Import `size` copies of the samples listed in a manifest (as a maintainer would) and time the whole batch."""
    available = [c for c in CASES if (samples / c[0]).is_file()]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, _, _ in available:
            shutil.copy(samples / name, folder / name)
        rows = ["source,agency,year"]
        for i in range(size):
            name, agency, year = available[i % len(available)]
            rows.append(f"{name},{agency}-{i},{year}")
        (folder / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        jobs = batch.jobs_from([folder / "manifest.csv"])
        start = time.perf_counter()
        outcomes = batch.run_batch(jobs, folder / "out", folder / "data", retrieved="2026-01-01")
        seconds = time.perf_counter() - start
    failed = [o for o in outcomes if o.status == "失败"]
    if failed:
        raise SystemExit(f"{len(failed)} imports failed in the batch: {failed[0].message}")
    return len(outcomes), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", default=str(ROOT.parent / "shared" / "samples"), help="the sample reports")
    parser.add_argument("--data", default=str(ROOT / "data"), help="the data directory with the reviewed packages")
    parser.add_argument("--batch", type=int, default=100, help="reports in the timed batch (0: no timing)")
    parser.add_argument("--no-pdf", action="store_true", help="do not print a sample page to PDF with Chromium")
    args = parser.parse_args()
    samples = Path(args.samples)
    if not samples.is_dir():
        samples = ROOT / "tests" / "fixtures" / "samples"
    per_format, skipped = accuracy(samples, Path(args.data), pdf=not args.no_pdf)
    print(table(per_format))
    if skipped:
        print(f"Not in {samples}: {', '.join(skipped)}\n")
    per_kind, rows = collection(Path(args.data))
    print("Every package of data/ re-read from its source copy:\n")
    print(table(per_kind))
    print(
        "Rows the importer left unresolved, by how they were settled: " + ", ".join(f"{k} {n}" for k, n in rows.items())
    )
    print()
    if args.batch:
        n, seconds = time_batch(samples, args.batch)
        print(
            f"Batch of {n} reports (a manifest of copies of the samples): {seconds:.1f} s, {1000 * seconds / n:.0f} ms per report"
        )


if __name__ == "__main__":
    main()
