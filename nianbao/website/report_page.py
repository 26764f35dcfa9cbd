"""The page of one report (agency and year) and its per-report downloads."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

import jinja2

from nianbao.check.problems import Problem
from nianbao.core.definitions import read_definition
from nianbao.core.package import Package
from nianbao.core.rules import consistency_rules
from nianbao.core.settled import settlements
from nianbao.core.templates import Template
from nianbao.website import downloads as render_downloads
from nianbao.website import tables as render_tables
from nianbao.website.citation import cite, error_report_url
from nianbao.website.flags import ACKNOWLEDGED, readable
from nianbao.website.model import Site, agency_url, page, paragraphs, plain, rel, report_url, size


def finding_view(p: Problem, tmpl: Template | None, number: int) -> dict[str, Any]:
    """A finding as a visitor reads it: numbered (cells link to it), cells named by their printed labels."""
    table_id = p.cell.split(".")[0] if p.cell else PurePosixPath(p.file or "x").stem
    return {
        "number": number,
        "rule": p.rule,
        "acknowledged": p.acknowledged,
        "kind": "原报告数据不一致" if p.acknowledged else ("警告" if p.severity == "warning" else "错误"),
        "message": readable(p.message, tmpl, table_id),
        "expected": readable(p.expected, tmpl, table_id),
        "found": readable(p.found, tmpl, table_id),
        "note": p.note,
    }


def settled_view(pkg: Package) -> list[dict[str, str]]:
    """The cells a maintainer settled against the original, each with its table and row as the template names them."""
    out = []
    for s in settlements(pkg.descriptor, pkg.template):
        table_id, row_id, _ = s.cells[0].split(".")
        table = pkg.template.table(table_id) if pkg.template else None
        row = next((r for r in table.rows if r.id == row_id), None) if table else None
        place = f"{table.caption}：{row.label}" if table and row else s.cells[0]
        out.append({"place": place, "printed": s.printed, "source": s.source, "note": s.note})
    return out


def render_report(site: Site, env: jinja2.Environment, pkg: Package, years: list[int]) -> dict[str, bytes]:
    assert pkg.template is not None and pkg.descriptor is not None and pkg.agency and pkg.year
    url = report_url(pkg.agency, pkg.year)
    d = pkg.descriptor
    agency = site.agency(pkg.agency)
    findings = [finding_view(f, pkg.template, n) for n, f in enumerate(site.problems.get(pkg.key, []), 1)]
    flagged: dict[str, tuple[int, str, str]] = {}
    for f, view in zip(site.problems.get(pkg.key, []), findings, strict=True):
        if f.cell and f.cell not in flagged:
            flagged[f.cell] = (view["number"], f"[{f.rule}] {view['message']}", view["kind"])
    values = render_tables.package_cells(pkg)
    labels = render_tables.package_labels(pkg)
    notes = {(n["table"], n["row"], n["column"]): n["note"] for _, n in pkg.notes}
    settled = frozenset(c for s in settlements(pkg.descriptor, pkg.template) for c in s.cells)
    narrative = {s.id: (s.heading, s.body) for s in pkg.sections if s.id}
    preamble = [s.body for s in pkg.sections if not s.id]
    sections = []
    for section in pkg.template.sections:
        tables = [
            render_tables.table_html(t, values, labels, notes, flagged, settled)
            for t in pkg.template.tables
            if t.section == section.id
        ]
        heading, body = narrative.get(section.id, (section.heading, ""))
        sections.append({"id": section.id, "heading": heading, "tables": tables, "paragraphs": paragraphs(body)})
    tallies = site.report.packages.get(pkg.key, {})
    quality, not_applicable = [], []
    for r in consistency_rules():
        if pkg.template.id not in r.templates:
            continue
        if r.id in tallies:
            quality.append({"id": r.id, "title": r.title, "tally": tallies[r.id]})
        else:
            reason = "无上一年度报告（或其模板不同），未检验" if r.cross_year else "未检验"
            not_applicable.append({"id": r.id, "title": r.title, "reason": reason})
    page_url = site.absolute(url)
    flags = {cell: ACKNOWLEDGED for cell in site.flags(pkg.key)}
    change = site.history.last.get(pkg.key) if site.history else None
    day = change.date if change else site.data_day
    source = render_downloads.source_copy(pkg)
    files = render_downloads.package_files(pkg, agency, site.report, page_url, flags, day, source)
    stem = f"{pkg.agency}-{pkg.year}"
    downloads = [
        {
            "name": dl.name,
            "href": dl.name,
            # Saved under a name that says which report it is (s3.csv → hongze-2023-s3.csv).
            "save_as": dl.name if dl.name.startswith(stem) else f"{stem}-{dl.name}",
            "label": dl.label,
            "size": size(len(files[dl.name])),
        }
        for dl in render_downloads.manifest(pkg, source[0] if source else None)
    ]
    position = years.index(pkg.year)
    prev_year = years[position - 1] if position > 0 and years[position - 1] == pkg.year - 1 else None
    next_year = years[position + 1] if position + 1 < len(years) and years[position + 1] == pkg.year + 1 else None
    agency_name = site.agency_name(pkg.agency)
    title = d.get("title") or f"{agency_name}{pkg.year}年政府信息公开工作年度报告"
    citation = cite(
        key=pkg.key,
        agency=agency_name,
        title=title,
        year=pkg.year,
        published=d.get("published"),
        url=page_url,
        version=change.short if change else None,
        day=day,
    )
    warnings = [f for f in findings if not f["acknowledged"]]
    html = env.get_template("report.html.j2").render(
        title=title,
        agency_id=pkg.agency,
        agency_name=agency_name,
        agency_url=rel(url, agency_url(pkg.agency)),
        level=agency.get("level"),
        region=site.region(pkg.agency),
        year=pkg.year,
        template_id=pkg.template.id,
        template_title=pkg.template.title,
        template_basis=pkg.template.basis,
        published=d.get("published"),
        source_url=d.get("source_url"),
        retrieved=d.get("retrieved"),
        description=plain(d.get("description")),
        prev_url=rel(url, report_url(pkg.agency, prev_year)) if prev_year else None,
        next_url=rel(url, report_url(pkg.agency, next_year)) if next_year else None,
        sections=sections,
        preamble=[p for body in preamble for p in paragraphs(body)],
        rules_url=rel(url, "rules/"),
        quality=quality,
        not_applicable=not_applicable,
        findings=findings,
        settled=settled_view(pkg),
        warnings=len(warnings),
        acknowledged=len(findings) - len(warnings),
        has_flags=bool(flagged),
        downloads=downloads,
        citation=citation,
        cite_here=None if site.site_url else page_url,
        error_url=error_report_url(title, page_url, d.get("source_url")),
        change=_change(site, pkg.key),
    )
    out = {f"{url}{name}": content for name, content in files.items()}
    jsonld = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": title,
        "description": f"{agency_name}{pkg.year}年政府信息公开工作年度报告的表格数据（逐格转录）与文字部分。",
        "url": page_url if site.site_url else None,
        "temporalCoverage": str(pkg.year),
        "creator": {"@type": "GovernmentOrganization", "name": agency_name},
        "isBasedOn": d.get("source_url"),
        "inLanguage": "zh-CN",
        "license": read_definition("site.yaml")["licence"]["url"],
        "version": change.short if change else None,
        "distribution": [
            {
                "@type": "DataDownload",
                "encodingFormat": dl.mediatype,
                "contentUrl": site.absolute(f"{url}{dl.name}") if site.site_url else dl.name,
            }
            for dl in render_downloads.manifest(pkg)
            if dl.linked
        ],
    }
    out[f"{url}index.md"] = page(title, html, {k: v for k, v in jsonld.items() if v is not None})
    return out


def _change(site: Site, key: str) -> dict[str, Any] | None:
    if site.history is None or key not in site.history.last:
        return None
    change = site.history.last[key]
    return {"date": change.date, "short": change.short, "commit_url": site.history.commit_url(change)}
