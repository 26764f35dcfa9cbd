"""Every file of the site, streamed: pages, downloads, catalogue and assets."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from importlib import resources

from nianbao.check.problems import Report
from nianbao.core.package import Collection, Package
from nianbao.site.catalogue import render_catalogue
from nianbao.site.history import History
from nianbao.site.model import build_site_model, environment, report_url
from nianbao.site.pages import (
    render_agency,
    render_data,
    render_home,
    render_indexes,
    render_rules,
    render_search,
    render_year,
)
from nianbao.site.report_page import render_report

ASSETS = ("nianbao.css", "nianbao.js", "search.css", "search.js")


def render_site(
    collection: Collection, report: Report, history: History | None = None, contributing: str | None = None
) -> Iterator[tuple[str, bytes]]:
    """Every file of the site, one at a time: pages (Markdown wrapping final HTML), assets and downloads.

    `history` (from git) adds each report's last change and the home page's recent changes; `contributing` is the
    contributor guide (CONTRIBUTING.md), published as the /contributing/ page.
    """
    site = build_site_model(collection, report, history)
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
            files = render_report(site, env, p, years)
            report_jsons.append(files[f"{report_url(p.agency or '', p.year or 0)}{p.agency}-{p.year}.json"])
            yield from files.items()
        yield from render_agency(site, env, agency_id, packages).items()
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
        yield "contributing/index.md", contributing.encode("utf-8")
    for name in ASSETS:
        yield f"assets/{name}", (resources.files("nianbao.site") / "assets" / name).read_bytes()
