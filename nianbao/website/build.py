"""`python build_site.py`: validate data/, render every page and download, write site/ atomically."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from nianbao.check import output as formats
from nianbao.check import validate
from nianbao.core.package import Collection
from nianbao.errors import BuildError, UsageError
from nianbao.website.history import read_history
from nianbao.website.render import render_site
from nianbao.website.write import build_site

# The checkout this module belongs to (an editable install): mkdocs.yml, data/ and CONTRIBUTING.md live there.
REPOSITORY = Path(__file__).resolve().parents[2]


def data_epoch(collection: Collection) -> int:
    """The newest date in the data's metadata, as the build's timestamp (so the same data builds the same)."""
    dates = [(p.descriptor or {}).get(key) for p in collection.packages for key in ("published", "retrieved")]
    newest = max((d for d in dates if isinstance(d, str)), default="2019-01-01")
    try:
        day = date.fromisoformat(newest)
    except ValueError:
        day = date(2019, 1, 1)
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    """Build the site of the repository at `root`; 0 on success, 1 when the data has errors or the build fails."""
    root = root or REPOSITORY
    parser = argparse.ArgumentParser(description="由 data/ 生成网站 site/（先校验，有错误则不生成）")
    # Relative to the working directory when it can be, so that messages name data/reports/… as a reader knows it.
    parser.add_argument(
        "--data", type=Path, default=Path(os.path.relpath(root / "data")), help="数据目录（默认 data/）"
    )
    parser.add_argument("--site-dir", type=Path, default=root / "site", help="网站输出目录（默认 site/）")
    parser.add_argument("--build-dir", type=Path, default=root / "build", help="生成页面的工作目录（默认 build/）")
    parser.add_argument(
        "--site-url",
        default=os.environ.get("NIANBAO_SITE_URL") or None,
        help="网站的完整网址，如 https://example.github.io/nianbao/（默认取环境变量 NIANBAO_SITE_URL；"
        "发布工作流由 GitHub Pages 给出）；用于 404 页、站点地图、数据目录与引用中的完整网址",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        report, collection = validate([str(args.data)])
    except UsageError as exc:  # no data directory there, or broken definition files
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    if not report.ok:
        sys.stdout.write(formats.as_text(report))
        print("数据有错误，未生成网站（site/ 保持原样）。", file=sys.stderr)
        return 1
    print(report.summary())
    for problem in report.warnings:  # named, so that nobody has to guess which (the build still goes on)
        print(problem.text())
    validated = time.perf_counter() - started
    history = read_history(args.data)  # None outside a git checkout (a tarball): the site then omits it
    contributing = (root / "CONTRIBUTING.md").read_text(encoding="utf-8")
    files = render_site(collection, report, history, contributing, args.site_url)
    try:
        site, pages, timings = build_site(
            root / "mkdocs.yml", args.build_dir / "docs", args.site_dir, files, data_epoch(collection), args.site_url
        )
    except BuildError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    print(
        f"已生成网站 {site}：{pages} 个页面，用时 {time.perf_counter() - started:.1f} 秒"
        f"（校验 {validated:.1f}，生成页面与下载 {timings['render']:.1f}，mkdocs {timings['mkdocs']:.1f}，"
        f"搜索索引 {timings['search']:.1f}）。"
    )
    return 0
