"""Rendered pages and downloads of the base fixture compared with tests/golden/.

After an intended change of the output: `python -m pytest tests/test_golden.py --update-golden`, then review
the diff of tests/golden/ like any other change.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BASE, chdir

from nianbao.check import validate
from nianbao.website.render import render_site

GOLDEN = Path(__file__).parent / "golden"
# Every page, and the downloads of one report and of the collection that are text.
KEEP = ("index.md", ".json", ".csv", "narrative.md")


def rendered() -> dict[str, bytes]:
    with chdir(BASE):
        report, collection = validate(["."])
    files = dict(render_site(collection, report))
    return {
        k: v
        for k, v in files.items()
        if k.endswith(KEEP)
        and (k.startswith("reports/testtown/2019/") or not k.startswith("reports/") or k.endswith("index.md"))
    }


def test_golden_files(request: pytest.FixtureRequest) -> None:
    files = rendered()
    if request.config.getoption("--update-golden"):
        for old in GOLDEN.rglob("*"):
            if old.is_file():
                old.unlink()
        for name, content in files.items():
            path = GOLDEN / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
    expected = {str(p.relative_to(GOLDEN)): p.read_bytes() for p in GOLDEN.rglob("*") if p.is_file()}
    assert sorted(files) == sorted(expected), "pages added or removed: run with --update-golden and review"
    for name, content in files.items():
        assert content.decode("utf-8") == expected[name].decode("utf-8"), name
