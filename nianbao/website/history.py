"""When each report's data last changed, read from git once at build time (absent without git: no error)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.core.definitions import repository

# What GitHub itself writes as the subject of a pull request's merge commit (a commit with two parents). A subject
# ending in "(#1)" is only what its author typed: it is not linked as pull request #1.
_PR = re.compile(r"^Merge pull request #(\d+) from \S+$")


@dataclass(frozen=True)
class Commit:
    sha: str
    date: str  # YYYY-MM-DD, the commit's date
    subject: str  # "" when it held control characters; visitors see the date and a link only (developer text)
    pull_request: int | None
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

    def pull_url(self, change: Commit) -> str | None:
        return f"{self.repo_url}/pull/{change.pull_request}" if self.repo_url and change.pull_request else None


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def read_history(data: Path, recent: int = 10) -> History | None:
    """One `git log` over the data folder: the latest change of each package and the most recent changes."""
    root_text = _git(data, "rev-parse", "--show-toplevel")
    if root_text is None:
        return None
    root = Path(root_text.strip())
    try:
        prefix = data.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None
    # NUL cannot occur in a commit's subject or in git's (quoted) file names: it is the one safe separator.
    # Along main only (--first-parent), a merged pull request counts as one change: its merge commit, whose files
    # are those it brought in (-m: compared with the first parent).
    log = _git(root, "log", "--first-parent", "-m", "--format=%x00%H%x00%P%x00%cs%x00%s", "--name-only", "--", prefix)
    if log is None:
        return None
    history = History(repository())
    folder = "" if prefix == "." else f"{re.escape(prefix)}/"  # data/ may be the repository's root itself
    pattern = re.compile(rf"^{folder}reports/([^/]+)/(\d{{4}})/")
    fields = log.split("\x00")[1:]
    for start in range(0, len(fields) - 3, 4):
        sha, parents, day, rest = fields[start : start + 4]
        subject, _, names = rest.partition("\n")
        if not re.fullmatch(r"[0-9a-f]{40,64}", sha) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
            continue
        packages = sorted({f"{m.group(1)}/{m.group(2)}" for m in map(pattern.match, names.split("\n")) if m})
        pr = _PR.match(subject) if len(parents.split()) > 1 else None
        if not all(c.isprintable() for c in subject):
            subject = ""
        change = Commit(sha, day, subject, int(pr.group(1)) if pr else None, tuple(packages))
        for package in packages:
            history.last.setdefault(package, change)
        if len(history.recent) < recent:
            history.recent.append(change)
    return history
