"""Write the site: lay out the generated docs, build with mkdocs, add the search index, then swap into site/ at once."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from nianbao.errors import BuildError
from nianbao.website import search_index


def _swap(new: Path, target: Path) -> None:
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def locked(build_dir: Path) -> Iterator[None]:
    """One build at a time per build folder: a second build would delete the first's temporary folders midway,
    and both could exit 0 with a partial site. The lock goes with the process (a killed build leaves none)."""
    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(f"另一个构建正在使用 {build_dir}，请等它结束后再试") from None
        yield


def _refuse_links(*paths: Path) -> None:
    for path in paths:
        if path.is_symlink():
            raise BuildError(f"{path} 是符号链接：不经链接写入网站（以免写到别处），请删去或改为普通文件夹")


def _link(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def is_page(name: str) -> bool:
    """Pages and assets go through mkdocs; downloads (CSV, JSON, zip, the narrative.md of a package) do not."""
    return name.endswith("index.md") or name.startswith("assets/") or name == "data.json"


def build_site(
    config_file: Path,
    docs: Path,
    site: Path,
    files: Iterable[tuple[str, bytes]],
    source_date_epoch: int,
    site_url: str | None = None,
) -> tuple[Path, int, dict[str, float]]:
    """Write the pages to build/docs and the downloads aside, build with mkdocs into a temporary folder, move the
    downloads in, write the search index, and only then replace `site` (returns it, the number of pages, and seconds
    per stage).

    Files are written as they are rendered, never all held at once. Downloads bypass mkdocs: it would turn a
    package's narrative.md into a page, and copying thousands of static files through it only costs time.
    """
    _refuse_links(site, docs.parent, docs)
    try:
        with locked(docs.parent):
            return _build_site(config_file, docs, site, files, source_date_epoch, site_url)
    except OSError as exc:  # a full disk, a read-only folder: the previous site is kept
        raise BuildError(f"写入失败：{exc.filename or ''}：{exc.strerror or exc}") from None


def _build_site(
    config_file: Path,
    docs: Path,
    site: Path,
    files: Iterable[tuple[str, bytes]],
    source_date_epoch: int,
    site_url: str | None,
) -> tuple[Path, int, dict[str, float]]:
    pages_tmp = docs.with_name(docs.name + ".tmp")
    downloads = docs.with_name("downloads.tmp")
    staging = docs.with_name("site.tmp")
    for folder in (pages_tmp, downloads, staging):
        shutil.rmtree(folder, ignore_errors=True)
    pages = 0
    clock = time.perf_counter()
    timings: dict[str, float] = {}
    index = search_index.SearchIndex()
    for name, content in files:
        path = (pages_tmp if is_page(name) else downloads) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        pages += name.endswith("index.md")
        index.add(name, content)
    _swap(pages_tmp, docs)
    timings["render"], clock = time.perf_counter() - clock, time.perf_counter()
    # mkdocs dates the sitemap with the build time unless told otherwise: the data's own date keeps builds identical.
    os.environ["SOURCE_DATE_EPOCH"] = str(source_date_epoch)
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    try:
        # site_url (from the Pages workflow) gives 404.html and sitemap.xml their full addresses under a sub-path.
        extra = {"site_url": site_url} if site_url else {}
        config = load_config(str(config_file), docs_dir=str(docs), site_dir=str(staging), strict=True, **extra)
        build(config)
    except MkDocsException as exc:
        raise BuildError(f"mkdocs 构建失败：{exc}") from None
    for path in sorted(downloads.rglob("*")):
        if path.is_file():
            target = staging / path.relative_to(downloads)
            target.parent.mkdir(parents=True, exist_ok=True)
            path.rename(target)
    shutil.rmtree(downloads, ignore_errors=True)
    timings["mkdocs"], clock = time.perf_counter() - clock, time.perf_counter()
    # Written after mkdocs (which would only copy thousands of small files). `mkdocs serve` serves build/docs:
    # it gets the same files, hard-linked where the file system allows.
    index.write(staging / search_index.FOLDER)
    shutil.rmtree(docs / search_index.FOLDER, ignore_errors=True)
    shutil.copytree(staging / search_index.FOLDER, docs / search_index.FOLDER, copy_function=_link)
    _swap(staging, site)
    timings["search"] = time.perf_counter() - clock + index.seconds
    timings["render"] -= index.seconds
    return site, pages, timings
