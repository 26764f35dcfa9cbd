"""Links and names under data/: file-symlink and file-name, found with lstat (a link is never followed)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from nianbao.check.problems import Problem, problem
from nianbao.core.package import DataRoot
from nianbao.core.textfiles import unsafe_name


def link_problem(display: str, package: str | None) -> Problem:
    return problem(
        "file-symlink",
        "是符号链接：数据目录中不接受链接（可能指向仓库外的文件），未读取",
        file=display,
        expected="普通文件或文件夹",
        found="符号链接",
        package=package,
    )


_IN_PACKAGE = re.compile(r"(?:^|/)reports/([^/]+)/([^/]+)(?:/|$)")


def package_of(path: str) -> str | None:
    """The package ("<agency>/<year>") a path under a data directory lies in, by its place."""
    match = _IN_PACKAGE.search(path)
    return f"{match.group(1)}/{match.group(2)}" if match else None


def scan_tree(folder: Path, display: str) -> list[Problem]:
    """Every symbolic link and every name with a control character below `folder` (links are reported, not entered)."""
    out: list[Problem] = []
    stack = [(folder, display)]
    while stack:
        here, shown = stack.pop()
        try:
            entries = sorted(os.scandir(here), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            path = str(Path(shown) / entry.name)
            package = package_of(path)
            if unsafe_name(entry.name):
                out.append(
                    problem(
                        "file-name",
                        "文件或文件夹名含控制字符（如换行），可能伪造日志或 CI 命令：请改名",
                        file=path,
                        found=ascii(entry.name),
                        package=package,
                    )
                )
            if entry.is_symlink():
                out.append(link_problem(path, package))
            elif entry.is_dir(follow_symlinks=False) and not unsafe_name(entry.name):
                stack.append((Path(entry.path), path))
    return out


def linked_folder(folder: Path, display: str, package: str | None) -> Problem | None:
    """A package folder that is itself a link, or sits in a linked agency or reports folder."""
    parts = [(folder, display), (folder.parent, str(Path(display).parent))]
    if folder.parent.parent.name == "reports":
        parts.append((folder.parent.parent, str(Path(display).parent.parent)))
    for path, shown in parts:
        if path.is_symlink():
            return link_problem(shown, package)
    return None


def scan(roots: list[DataRoot], found: list[tuple[Path, str, bool]]) -> list[Problem]:
    """Check every tree named on the command line: a data directory entirely, a package folder and its own folders."""
    out: list[Problem] = []
    for root in roots:
        if root.named:
            out += scan_tree(root.dir, root.display)
    inside = [os.path.abspath(r.dir) for r in roots if r.named]
    for folder, display, context in found:
        here = os.path.abspath(folder)
        if context or linked_folder(folder, display, None) or any(here.startswith(r + os.sep) for r in inside):
            continue  # a linked folder is reported by load_package; one inside a named root is scanned with it
        out += scan_tree(folder, display)
    return out
