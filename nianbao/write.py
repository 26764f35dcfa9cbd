"""Write the site: lay out the generated docs, build with mkdocs, index with Pagefind, then swap into site/ at once."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException


class BuildError(Exception):
    """mkdocs or Pagefind failed; the previous site/ is left as it was."""


def write_tree(files: dict[str, bytes], target: Path) -> None:
    """Write `files` into a fresh folder `target` (replacing it whole, never merging with stale files)."""
    staging = target.with_name(target.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    for name in sorted(files):
        path = staging / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[name])
    _swap(staging, target)


def _swap(new: Path, target: Path) -> None:
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def is_page(name: str) -> bool:
    """Pages and assets go through mkdocs; downloads (CSV, JSON, zip, the narrative.md of a package) do not."""
    return name.endswith("index.md") or name.startswith("assets/")


def build_site(config_file: Path, docs: Path, site: Path, files: dict[str, bytes], source_date_epoch: int) -> Path:
    """Generate build/docs, build it into a temporary folder, add the downloads, index, and only then replace site/.

    Downloads are written straight into the built site: mkdocs would turn a package's narrative.md into a
    page, and copying thousands of static files through it only costs time.
    """
    write_tree({k: v for k, v in files.items() if is_page(k)}, docs)
    staging = docs.with_name("site.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    # mkdocs dates the sitemap with the build time unless told otherwise: the data's own date keeps builds identical.
    os.environ["SOURCE_DATE_EPOCH"] = str(source_date_epoch)
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    try:
        config = load_config(str(config_file), docs_dir=str(docs), site_dir=str(staging), strict=True)
        build(config)
    except MkDocsException as exc:
        raise BuildError(f"mkdocs 构建失败：{exc}") from None
    for name in sorted(k for k in files if not is_page(k)):
        path = staging / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[name])
    done = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(staging), "--silent"], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise BuildError(f"Pagefind 建索引失败：{done.stderr.strip() or done.stdout.strip()}")
    # `mkdocs serve` serves build/docs: give it the search index too.
    shutil.copytree(staging / "pagefind", docs / "pagefind", dirs_exist_ok=True)
    _swap(staging, site)
    return site
