"""When each report's data last changed, read from git once at build time (absent without git: no error)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.core.definitions import read_definition

_SEP = "\x1f"


@dataclass(frozen=True)
class Commit:
    sha: str
    date: str  # YYYY-MM-DD, the commit's date
    packages: tuple[str, ...]  # "<agency>/<year>" touched by the commit

    @property
    def short(self) -> str:
        return self.sha[:7]


@dataclass
class History:
    repo_url: str | None  # the repository's web address (definitions/site.yaml), for links
    last: dict[str, Commit] = field(default_factory=dict)  # package → its latest change
    recent: list[Commit] = field(default_factory=list)  # newest first

    def commit_url(self, change: Commit) -> str | None:
        return f"{self.repo_url}/commit/{change.sha}" if self.repo_url else None


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def read_history(data: Path, recent: int = 10) -> History | None:
    """One `git log` over the data folder: the latest change of each package and the most recent changes.

    Only hashes, dates and file names are read: commit subjects are English developer text (and may hold any
    character); visitors see the date and a link to the change.
    """
    root_text = _git(data, "rev-parse", "--show-toplevel")
    if root_text is None:
        return None
    root = Path(root_text.strip())
    try:
        prefix = data.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None
    log = _git(root, "log", f"--format=%x1e%H{_SEP}%cs", "--name-only", "--", prefix)
    if log is None:
        return None
    history = History(read_definition("site.yaml").get("repository"))
    folder = "" if prefix == "." else f"{re.escape(prefix)}/"  # data/ may be the repository's root itself
    pattern = re.compile(rf"^{folder}reports/([^/]+)/(\d{{4}})/")
    for record in log.split("\x1e")[1:]:
        header, _, names = record.partition("\n")
        sha, day = header.split(_SEP, 1)
        packages = sorted({f"{m.group(1)}/{m.group(2)}" for m in map(pattern.match, names.split("\n")) if m})
        change = Commit(sha, day.strip(), tuple(packages))
        for package in packages:
            history.last.setdefault(package, change)
        if len(history.recent) < recent:
            history.recent.append(change)
    return history
