"""The page of one report (agency and year) and its per-report downloads."""

from __future__ import annotations

from typing import Any

import jinja2

from nianbao.core.definitions import read_definition
from nianbao.core.package import Package, split_narrative
from nianbao.core.rules import all_rules, consistency_rules
from nianbao.site import downloads as render_downloads
from nianbao.site import tables as render_tables
from nianbao.site.model import Site, agency_url, page, paragraphs, rel, report_url, size


def render_report(site: Site, env: jinja2.Environment, pkg: Package, years: list[int]) -> dict[str, bytes]:
    assert pkg.template is not None and pkg.descriptor is not None and pkg.agency and pkg.year
    url = report_url(pkg.agency, pkg.year)
    d = pkg.descriptor
    agency = site.agency(pkg.agency)
    findings = site.problems.get(pkg.key, [])
    flagged = {f.cell: f"[{f.rule}] {f.message}" for f in findings if f.cell}
    values = render_tables.package_cells(pkg)
    labels = render_tables.package_labels(pkg)
    notes = {(n["table"], n["row"], n["column"]): n["note"] for _, n in pkg.notes}
    narrative = {sid: (heading, body) for sid, heading, body in split_narrative(pkg.narrative or "") if sid}
    preamble = [body for sid, _, body in split_narrative(pkg.narrative or "") if not sid]
    sections = []
    for section in pkg.template.sections:
        tables = [
            render_tables.table_html(t, values, labels, notes, flagged)
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
    files = render_downloads.package_files(pkg, agency, site.report, f"/{url}")
    labels_by_name = {f"{t.id}.csv": f"{t.caption}（CSV）" for t in pkg.template.tables}
    labels_by_name |= {
        "notes.csv": "单元格说明（CSV）",
        "narrative.md": "文字部分（Markdown）",
        "datapackage.json": "数据包描述（Frictionless）",
        f"{pkg.agency}-{pkg.year}.json": "全部内容（JSON）",
        f"{pkg.agency}-{pkg.year}.zip": "以上全部文件（zip）",
    }
    order = [f"{pkg.agency}-{pkg.year}.zip", f"{pkg.agency}-{pkg.year}.json", "datapackage.json"]
    order += [f"{t.id}.csv" for t in pkg.template.tables] + ["notes.csv", "narrative.md"]
    downloads = [{"name": n, "href": n, "label": labels_by_name[n], "size": size(len(files[n]))} for n in order]
    position = years.index(pkg.year)
    prev_year = years[position - 1] if position > 0 and years[position - 1] == pkg.year - 1 else None
    next_year = years[position + 1] if position + 1 < len(years) and years[position + 1] == pkg.year + 1 else None
    agency_name = site.agency_name(pkg.agency)
    title = d.get("title") or f"{agency_name}{pkg.year}年政府信息公开工作年度报告"
    citation = (
        f"{agency_name}：《{title}》，{d.get('published') or f'{pkg.year}年度'}。"
        f"转录数据见“{read_definition('site.yaml')['site_name']}”，/{url}。"
    )
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
        description=d.get("description"),
        prev_url=rel(url, report_url(pkg.agency, prev_year)) if prev_year else None,
        next_url=rel(url, report_url(pkg.agency, next_year)) if next_year else None,
        sections=sections,
        preamble=[p for body in preamble for p in paragraphs(body)],
        rules_url=rel(url, "rules/"),
        structural=[r.id for r in all_rules() if r.kind == "structural"][:3],
        quality=quality,
        not_applicable=not_applicable,
        findings=findings,
        downloads=downloads,
        citation=citation,
        change=_change(site, pkg.key, url),
    )
    out = {f"{url}{name}": content for name, content in files.items()}
    jsonld = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": title,
        "description": f"{agency_name}{pkg.year}年政府信息公开工作年度报告的表格数据（逐格转录）与文字部分。",
        "temporalCoverage": str(pkg.year),
        "creator": {"@type": "GovernmentOrganization", "name": agency_name},
        "isBasedOn": d.get("source_url"),
        "inLanguage": "zh-CN",
        "distribution": [
            {"@type": "DataDownload", "encodingFormat": fmt, "contentUrl": name}
            for name, fmt in (
                (f"{pkg.agency}-{pkg.year}.json", "application/json"),
                ("datapackage.json", "application/json"),
                (f"{pkg.agency}-{pkg.year}.zip", "application/zip"),
            )
        ],
    }
    out[f"{url}index.md"] = page(title, html, {k: v for k, v in jsonld.items() if v is not None})
    return out


def _change(site: Site, key: str, url: str) -> dict[str, Any] | None:
    if site.history is None or key not in site.history.last:
        return None
    change = site.history.last[key]
    return {
        "date": change.date,
        "short": change.short,
        "subject": change.subject,
        "commit_url": site.history.commit_url(change),
        "pr": change.pull_request,
        "pr_url": site.history.pull_url(change),
    }
