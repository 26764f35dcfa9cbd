"""Shared fixtures: paths, a CLI runner, and fault fixtures assembled in a temporary folder."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))  # build_site.py

ROOT = Path(__file__).parent.parent
DATA = ROOT / "data"
BASE = Path(__file__).parent / "fixtures" / "base"
# Debian's chromium (installed by .ci/run); NIANBAO_CHROMIUM names another system browser (GitHub's runner has Chrome).
CHROMIUM = os.environ.get("NIANBAO_CHROMIUM", "/usr/bin/chromium")
# Flags of a quiet, sandbox-free headless run on these machines (no background calls to Google's services).
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from the current renderer")


@contextmanager
def chdir(path: Path) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]):
    """Run the CLI in-process: returns (exit status, stdout, stderr)."""
    from nianbao.cli import main

    def _run(*args: str) -> tuple[int, str, str]:
        status = main(list(args))
        out = capsys.readouterr()
        return status, out.out, out.err

    return _run


@pytest.fixture
def base_copy(tmp_path: Path) -> Path:
    """A writable copy of the valid base data directory."""
    import shutil

    target = tmp_path / "data"
    shutil.copytree(BASE, target)
    return target
