"""Paths named on the command line -> package folders and their data roots."""

from __future__ import annotations

import re
from pathlib import Path

from nianbao.core.package import DataRoot
from nianbao.core.textfiles import unsafe_name
from nianbao.errors import UsageError

YEAR_DIR = re.compile(r"[0-9]{4}")


def _folders(folder: Path) -> list[Path]:
    if folder.is_symlink() or not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink() and not unsafe_name(p.name))


def discover(paths: list[str]) -> tuple[list[tuple[Path, str, bool]], list[DataRoot]]:
    """The package folders named by `paths` (data directories or package folders), and their data roots."""
    found: dict[Path, tuple[Path, str, bool]] = {}
    roots: dict[Path, DataRoot] = {}
    for arg in paths:
        base = Path(arg)
        if (base / "datapackage.json").is_file() or (base.is_dir() and YEAR_DIR.fullmatch(base.name)):
            found.setdefault(base.resolve(), (base, str(base), False))
            root = base.parent.parent.parent
            if base.parent.parent.name == "reports" and (root / "agencies.csv").exists():
                roots.setdefault(root.resolve(), DataRoot(root, str(root)))
            # The previous year, if present beside it, for the cross-year rules.
            previous = base.parent / str(int(base.name) - 1) if YEAR_DIR.fullmatch(base.name) else None
            if previous and (previous / "datapackage.json").is_file():
                found.setdefault(previous.resolve(), (previous, str(previous), True))
        elif (base / "reports").is_dir() or (base / "agencies.csv").exists():
            roots[base.resolve()] = DataRoot(base, str(base), named=True)
            # Links are not followed (check.paths reports them): a linked folder could lead out of the repository.
            for agency in _folders(base / "reports"):
                for year in _folders(agency):
                    found[year.resolve()] = (year, str(year), False)
        else:
            raise UsageError(f"不是数据目录（含 agencies.csv 和 reports/）也不是数据包文件夹：{arg}")
    # A folder named both as itself and as another's previous year is validated, not context.
    return sorted(found.values(), key=lambda f: (f[2], f[1])), list(roots.values())
