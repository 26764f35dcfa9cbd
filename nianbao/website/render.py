"""Every file of the site, streamed: pages, downloads, catalogue and assets."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources

from nianbao.check.problems import Report
from nianbao.core.package import Collection, Package
from nianbao.errors import BuildError
from nianbao.website.catalogue import render_catalogue
from nianbao.website.history import History
from nianbao.website.model import build_site_model, environment, report_url
from nianbao.website.pages import (
    render_agency,
    render_data,
    render_home,
    render_indexes,
    render_rules,
    render_search,
    render_year,
)
from nianbao.website.report_page import render_report
from nianbao.website.units import overview_years, render_overviews, units_of

ASSETS = ("nianbao.css", "nianbao.js", "search.css", "search.js")

_INDENT = re.compile(r"^( {3,})(?=\S)")
_ITEM = re.compile(r"^\s*(?:[0-9]+\.|[-*])\s")


def _same_level(previous: str, line: str) -> bool:
    indent = len(line) - len(line.lstrip())
    return bool(_ITEM.match(previous)) and len(previous) - len(previous.lstrip()) == indent + (indent >= 3)


def list_indent(markdown: str) -> str:
    """CONTRIBUTING.md is written as GitHub reads it: list content indented by 3 spaces, an item right after a
    paragraph line. Python-Markdown needs 4 spaces and a blank line there, or code blocks and later steps fall
    out of the numbered list: one more space for every indented line, a blank line before such an item."""
    out: list[str] = []
    fenced = False
    for line in markdown.split("\n"):
        if line.strip().startswith("```"):
            fenced = not fenced
        elif not fenced and _ITEM.match(line) and out and out[-1].strip() and not _same_level(out[-1], line):
            out.append("")
        out.append(_INDENT.sub(lambda m: m.group(1) + " ", line))
    return "\n".join(out)


@contextmanager
def located(where: str) -> Iterator[None]:
    """A character no file can hold (a lone surrogate such as \\ud800 in a title): a message with its place, not a
    traceback."""
    try:
        yield
    except UnicodeEncodeError as exc:
        char = exc.object[exc.start : exc.end] if isinstance(exc.object, str) else "?"
        raise BuildError(f"{where}：含无法以 UTF-8 写出的字符 {char!a}（孤立的代理项），请改正后再生成网站") from None


def render_site(
    collection: Collection,
    report: Report,
    history: History | None = None,
    contributing: str | None = None,
    site_url: str | None = None,
) -> Iterator[tuple[str, bytes]]:
    """Every file of the site, one at a time: pages (Markdown wrapping final HTML), assets and downloads.

    `history` (from git) adds each report's last change and the home page's recent changes; `contributing` is the
    contributor guide (CONTRIBUTING.md), published as the /contributing/ page; `site_url` (the deployed address)
    makes the catalogue, JSON, JSON-LD and citations carry full URLs.
    """
    site = build_site_model(collection, report, history, site_url)
    env = environment()
    by_agency: dict[str, list[Package]] = defaultdict(list)
    by_year: dict[int, list[Package]] = defaultdict(list)
    for p in site.packages:
        by_agency[p.agency or ""].append(p)
        by_year[p.year or 0].append(p)
    report_jsons: list[bytes] = []
    for agency_id, packages in sorted(by_agency.items()):
        years = [p.year or 0 for p in packages]
        for p in packages:
            with located(f"data/reports/{p.key}"):
                files = render_report(site, env, p, years)
            report_jsons.append(files[f"{report_url(p.agency or '', p.year or 0)}{p.agency}-{p.year}.json"])
            yield from files.items()
        units = units_of(site, agency_id, by_agency)
        with located(f"data/agencies.csv（{agency_id}）"):
            agency_files = render_agency(
                site, env, agency_id, packages, units, overview_years(agency_id, units, by_agency) if units else []
            )
            if units:
                agency_files |= render_overviews(site, env, agency_id, by_agency)
        yield from agency_files.items()
    for year, packages in sorted(by_year.items()):
        yield from render_year(
            site, env, year, sorted(packages, key=lambda p: site.agency_name(p.agency or ""))
        ).items()
    yield from render_indexes(site, env, by_agency, by_year).items()
    yield from render_home(site, env, by_agency).items()
    yield from render_data(site, env, report_jsons)
    yield from render_rules(env).items()
    yield from render_search(env).items()
    yield "data.json", render_catalogue(site)
    if contributing is not None:
        # Our own Markdown (not data): it goes through Python-Markdown like any documentation page.
        yield "contributing/index.md", list_indent(contributing).encode("utf-8")
    for name in ASSETS:
        yield f"assets/{name}", (resources.files("nianbao.website") / "assets" / name).read_bytes()
