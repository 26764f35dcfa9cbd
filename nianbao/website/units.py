"""An agency's units (the registry's `parent`): the list on its page and one page per year comparing them side by side."""

from __future__ import annotations

import jinja2
import numpy as np

from nianbao.core.package import Package
from nianbao.website.model import Site, agency_url, page, rel, report_url


def units_of(site: Site, parent: str, by_agency: dict[str, list[Package]]) -> list[str]:
    """The agencies whose registry `parent` is `parent` and that have at least one report, by name."""
    ids = [a for a in by_agency if a != parent and site.agency(a).get("parent") == parent]
    return sorted(ids, key=site.agency_name)


def overview_years(parent: str, units: list[str], by_agency: dict[str, list[Package]]) -> list[int]:
    """The years in which the parent or any of its units has a report (one overview page each)."""
    return sorted({p.year or 0 for a in [parent, *units] for p in by_agency.get(a, [])})


def overview_url(parent: str, year: int) -> str:
    return f"{agency_url(parent)}{year}/"


def comparison(site: Site, url: str, packages: list[Package]) -> tuple[list[dict], list[dict]]:
    """Rows of key figures (one per report) and their totals, as the year pages and the unit overviews show them.

    A total adds only stated figures (blanks are counted, not guessed) and says how many reports it includes whose
    figure carries an acknowledged publisher error.
    """
    rows = [
        {
            "name": site.agency_name(p.agency or ""),
            "level": site.agency(p.agency or "").get("level"),
            "url": rel(url, report_url(p.agency or "", p.year or 0)),
            "figs": site.figure_values(p),
        }
        for p in packages
    ]
    matrix = site.figures.values[[site.index[p.key] for p in packages]]
    totals = [
        {
            "value": float(np.nansum(matrix[:, j])),
            "missing": int(np.isnan(matrix[:, j]).sum()),
            "flagged": sum(1 for r in rows if r["figs"][j]["flag"] and r["figs"][j]["value"] is not None),
        }
        for j in range(len(site.figures.figures))
    ]
    return rows, totals


def render_overviews(
    site: Site, env: jinja2.Environment, parent: str, by_agency: dict[str, list[Package]]
) -> dict[str, bytes]:
    """One page per year: the parent agency and all its units side by side (e.g. 平潭综合实验区 and its 局 and 片区)."""
    units = units_of(site, parent, by_agency)
    members = [a for a in (parent, *units) if a in by_agency]
    years = overview_years(parent, units, by_agency)
    out = {}
    for year in years:
        url = overview_url(parent, year)
        packages = [p for a in members for p in by_agency[a] if p.year == year]
        rows, totals = comparison(site, url, packages)
        html = env.get_template("year.html.j2").render(
            year=year,
            heading=f"{site.agency_name(parent)}及所属单位：{year} 年度",
            intro=f"{site.agency_name(parent)}及其所属单位 {year} 年度报告 {len(rows)} 份，并列比较",
            parent_url=rel(url, agency_url(parent)),
            parent_name=site.agency_name(parent),
            other_years=[{"year": y, "url": rel(url, overview_url(parent, y))} for y in years if y != year],
            all_year_url=rel(url, f"years/{year}/"),
            rows=rows,
            figures=site.figures.figures,
            totals=totals,
            templates=sorted({p.template.id for p in packages if p.template}),
        )
        out[f"{url}index.md"] = page(f"{site.agency_name(parent)}及所属单位 {year} 年度", html, wide=True)
    return out
