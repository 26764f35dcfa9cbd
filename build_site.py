"""Build the public site from data/: validate, render, write. Nothing is written when the data has errors."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from nianbao import formats
from nianbao.history import read_history
from nianbao.load import Collection
from nianbao.render_pages import render_site
from nianbao.validate import validate
from nianbao.write import BuildError, build_site

ROOT = Path(__file__).resolve().parent


def data_epoch(collection: Collection) -> int:
    """The newest date in the data's metadata, as the build's timestamp (so the same data builds the same)."""
    dates = [(p.descriptor or {}).get(key) for p in collection.packages for key in ("published", "retrieved")]
    newest = max((d for d in dates if isinstance(d, str)), default="2019-01-01")
    try:
        day = date.fromisoformat(newest)
    except ValueError:
        day = date(2019, 1, 1)
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="由 data/ 生成网站 site/（先校验，有错误则不生成）")
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="数据目录（默认 data/）")
    parser.add_argument("--site-dir", type=Path, default=ROOT / "site", help="网站输出目录（默认 site/）")
    parser.add_argument("--build-dir", type=Path, default=ROOT / "build", help="生成页面的工作目录（默认 build/）")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    report, collection = validate([str(args.data)])
    if not report.ok:
        sys.stdout.write(formats.as_text(report))
        print("数据有错误，未生成网站（site/ 保持原样）。", file=sys.stderr)
        return 1
    print(report.summary())
    validated = time.perf_counter() - started
    history = read_history(args.data)  # None outside a git checkout (a tarball): the site then omits it
    contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    files = render_site(collection, report, history, contributing)
    try:
        site, pages, timings = build_site(
            ROOT / "mkdocs.yml", args.build_dir / "docs", args.site_dir, files, data_epoch(collection)
        )
    except BuildError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    print(
        f"已生成网站 {site}：{pages} 个页面，用时 {time.perf_counter() - started:.1f} 秒"
        f"（校验 {validated:.1f}，生成页面与下载 {timings['render']:.1f}，mkdocs {timings['mkdocs']:.1f}，"
        f"Pagefind 索引 {timings['pagefind']:.1f}）。"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
