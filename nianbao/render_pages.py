"""Render every page and download of the site from validated data: pure functions from data to files (path → bytes)."""

from __future__ import annotations

import json
import posixpath
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jinja2
import numpy as np

from nianbao import figures as figures_mod
from nianbao import render_charts, render_downloads, render_tables
from nianbao.history import History
from nianbao.load import Collection, Package, split_narrative
from nianbao.mkdocs_hooks import MARKER
from nianbao.problems import Problem, Report
from nianbao.rules import all_rules, consistency_rules
from nianbao.templates import TEMPLATE_IDS, read_definition, table_schema, template

ASSETS = ("nianbao.css", "nianbao.js", "search.js")
_BLANK_LINES = re.compile(r"\n\s*\n")


def report_url(agency: str, year: int) -> str:
    return f"reports/{agency}/{year}/"


def agency_url(agency: str) -> str:
    return f"agencies/{agency}/"


def year_url(year: int) -> str:
    return f"years/{year}/"


def rel(page: str, target: str) -> str:
    """A link from the page at URL `page` (a folder URL such as reports/a/2019/) to `target`."""
    if target.startswith(("http://", "https://")):
        return target
    path = posixpath.relpath(target.rstrip("/") or ".", page.rstrip("/") or ".")
    return (path + "/") if target.endswith("/") or target == "" else path


def size(n: int) -> str:
    return f"{n} 字节" if n < 1024 else f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def _num(value: float | None) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:.6f}".rstrip("0").rstrip(".")


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("nianbao", "site_templates"),
        autoescape=True,  # every text from data/ is escaped; only our own Markup (tables, charts) is not
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = _num
    return env


def page(title: str, html: str, jsonld: dict[str, Any] | None = None) -> bytes:
    """A Markdown page that is one raw HTML block (no blank lines inside, so Markdown leaves it alone).

    `jsonld` (schema.org) goes into the front matter; the theme override puts it in the page's <head>.
    """
    body = _BLANK_LINES.sub("\n", html.strip())
    meta = f"title: {json.dumps(title, ensure_ascii=False)}\n"
    if jsonld is not None:
        # "<" escaped inside the JSON so that no text from data/ can close the <script> element.
        text = json.dumps(jsonld, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")
        meta += f"jsonld: {json.dumps(text, ensure_ascii=False)}\n"
    return f"---\n{meta}---\n{MARKER}{body}\n".encode()


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


@dataclass
class Site:
    """What the pages share: the loaded collection, its validation report, figures and lookups."""

    collection: Collection
    report: Report
    figures: figures_mod.Figures
    packages: list[Package]  # validated packages, sorted by agency and year
    index: dict[str, int]  # package key → row in the figures matrix
    problems: dict[str, list[Problem]]  # package key → its warnings and acknowledged findings
    history: History | None = None  # from git; None when the data is not in a git checkout

    def agency(self, agency_id: str) -> dict[str, str]:
        return self.collection.registry.get(agency_id, {})

    def agency_name(self, agency_id: str) -> str:
        return self.agency(agency_id).get("name") or agency_id

    def region(self, agency_id: str) -> str:
        a = self.agency(agency_id)
        return " ".join(a[k] for k in ("province", "city", "county") if a.get(k))

    def package(self, key: str) -> Package | None:
        return next((p for p in self.packages if p.key == key), None)

    def figure_values(self, pkg: Package) -> list[dict[str, Any]]:
        i = self.index[pkg.key]
        return [
            {"value": None if np.isnan(v) else float(v), "derived": bool(d)}
            for v, d in zip(self.figures.values[i], self.figures.derived[i], strict=True)
        ]


def build_site_model(collection: Collection, report: Report, history: History | None = None) -> Site:
    order = sorted((p for p in collection.packages if not p.context), key=lambda p: (p.agency or "", p.year or 0))
    all_index = {p.key: i for i, p in enumerate(collection.packages)}
    figs = figures_mod.compute(collection.cells, [p.template.id if p.template else "" for p in collection.packages])
    by_package: dict[str, list[Problem]] = defaultdict(list)
    for p in report.sorted_problems():
        key = p.package or next((q.key for q in order if p.file and p.file.startswith(q.display + "/")), None)
        if key:
            by_package[key].append(p)
    return Site(collection, report, figs, order, all_index, dict(by_package), history)


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


def render_agency(site: Site, env: jinja2.Environment, agency_id: str, packages: list[Package]) -> dict[str, bytes]:
    url = agency_url(agency_id)
    agency = site.agency(agency_id)
    figure_defs = site.figures.figures
    reports = [
        {
            "year": p.year,
            "title": (p.descriptor or {}).get("title"),
            "url": rel(url, report_url(agency_id, p.year or 0)),
            "figs": site.figure_values(p),
        }
        for p in packages
    ]
    by_id = {f.id: j for j, f in enumerate(figure_defs)}
    charts = []
    years = [p.year or 0 for p in packages]
    for chart in read_definition("site.yaml")["charts"]:
        series = [
            (figure_defs[by_id[fid]].label, [r["figs"][by_id[fid]]["value"] for r in reports])
            for fid in chart["figures"]
        ]
        charts.append({"title": chart["title"], "svg": render_charts.line_chart(chart["title"], years, series)})
    findings = [
        {**f.to_dict(), "year": p.year, "url": rel(url, report_url(agency_id, p.year or 0))}
        for p in packages
        for f in site.problems.get(p.key, [])
    ]
    parent = agency.get("parent")
    html = env.get_template("agency.html.j2").render(
        id=agency_id,
        name=site.agency_name(agency_id),
        level=agency.get("level"),
        region=site.region(agency_id),
        website=agency.get("website"),
        parent_url=rel(url, agency_url(parent)) if parent and any(p.agency == parent for p in site.packages) else None,
        parent_name=site.agency_name(parent) if parent else None,
        reports=reports,
        figures=figure_defs,
        charts=charts,
        findings=findings,
        rules_url=rel(url, "rules/"),
    )
    return {f"{url}index.md": page(site.agency_name(agency_id), html)}


def render_year(site: Site, env: jinja2.Environment, year: int, packages: list[Package]) -> dict[str, bytes]:
    url = year_url(year)
    rows = [
        {
            "name": site.agency_name(p.agency or ""),
            "level": site.agency(p.agency or "").get("level"),
            "url": rel(url, report_url(p.agency or "", year)),
            "figs": site.figure_values(p),
        }
        for p in packages
    ]
    matrix = site.figures.values[[site.index[p.key] for p in packages]]
    totals = [
        {"value": float(np.nansum(matrix[:, j])), "missing": int(np.isnan(matrix[:, j]).sum())}
        for j in range(len(site.figures.figures))
    ]
    html = env.get_template("year.html.j2").render(
        year=year,
        rows=rows,
        figures=site.figures.figures,
        totals=totals,
        templates=sorted({p.template.id for p in packages if p.template}),
    )
    return {f"{url}index.md": page(f"{year} 年度报告", html)}


def render_indexes(
    site: Site, env: jinja2.Environment, by_agency: dict[str, list[Package]], by_year: dict[int, list[Package]]
) -> dict[str, bytes]:
    agencies = [
        {
            "name": site.agency_name(a),
            "level": site.agency(a).get("level"),
            "region": site.region(a),
            "url": rel("agencies/", agency_url(a)),
            "years": [{"year": p.year, "url": rel("agencies/", report_url(a, p.year or 0))} for p in pkgs],
        }
        for a, pkgs in sorted(by_agency.items())
    ]
    years = [
        {"year": y, "count": len(pkgs), "url": rel("years/", year_url(y))}
        for y, pkgs in sorted(by_year.items(), reverse=True)
    ]
    return {
        "agencies/index.md": page("机构", env.get_template("agencies.html.j2").render(rows=agencies)),
        "years/index.md": page("年度", env.get_template("years.html.j2").render(rows=years)),
    }


def render_home(site: Site, env: jinja2.Environment, by_agency: dict[str, list[Package]]) -> dict[str, bytes]:
    levels = read_definition("site.yaml")["levels"]
    agencies_by_level = Counter(site.agency(a).get("level") or "未登记" for a in by_agency)
    reports_by_level = Counter(site.agency(p.agency or "").get("level") or "未登记" for p in site.packages)
    tallies = [t for per in site.report.packages.values() for t in per.values()]
    acknowledged = [p for p in site.report.problems if p.acknowledged]
    warnings = [p for p in site.report.problems if p.severity == "warning" and not p.acknowledged]
    newest = sorted(
        site.packages, key=lambda p: ((p.descriptor or {}).get("published") or "", p.year or 0, p.key), reverse=True
    )[:10]
    years = [p.year or 0 for p in site.packages]
    html = env.get_template("home.html.j2").render(
        site_name=read_definition("site.yaml")["site_name"],
        agencies=len(by_agency),
        reports=len(site.packages),
        first_year=min(years, default=0),
        last_year=max(years, default=0),
        levels=[
            {"level": level, "agencies": agencies_by_level[level], "reports": reports_by_level[level]}
            for level in [*levels, "未登记"]
            if agencies_by_level[level]
        ],
        checks=sum(t.checked for t in tallies),
        not_stated=sum(t.not_stated for t in tallies),
        acknowledged=len(acknowledged),
        ack_reports=len({p.package for p in acknowledged}),
        warnings=len(warnings),
        warn_reports=len({p.package or p.file for p in warnings}),
        newest=[
            {
                "title": (p.descriptor or {}).get("title"),
                "published": (p.descriptor or {}).get("published"),
                "url": report_url(p.agency or "", p.year or 0),
            }
            for p in newest
        ],
        changes=[
            {
                "date": c.date,
                "short": c.short,
                "subject": c.subject,
                "commit_url": site.history.commit_url(c),
                "pr": c.pull_request,
                "pr_url": site.history.pull_url(c),
                "reports": [
                    {"title": (site.package(k).descriptor or {}).get("title"), "url": report_url(*k.split("/"))}
                    for k in c.packages
                    if site.package(k) is not None
                ],
            }
            for c in (site.history.recent if site.history else [])
        ],
        contributing_url="contributing/",
        search_url="search/",
        rules_url="rules/",
        data_url="data/",
        years_url="years/",
        agencies_url="agencies/",
    )
    return {"index.md": page(read_definition("site.yaml")["site_name"], html)}


def render_data(site: Site, env: jinja2.Environment, report_jsons: list[bytes]) -> Iterator[tuple[str, bytes]]:
    labels = {
        "nianbao-csv.zip": "全部 CSV 与 datapackage.json（zip）",
        "datapackage.json": "数据包描述（Frictionless，描述以下各文件）",
        "nianbao-tidy.csv": "长表：每份报告每个单元格一行（agency, year, template, table, row, column, value, blank, note）",
        "nianbao-tidy-excel.csv": "长表，Excel 专用（UTF-8 BOM）",
        "nianbao.json": "全部报告的全部内容（JSON，含文字部分与数据质量）",
        "agencies.csv": "机构名录",
    }
    sizes: dict[str, int] = {}
    for name, content in render_downloads.collection_files(site.collection, report_jsons):
        sizes[name] = len(content)
        if name.startswith("wide/"):
            tid, table_id = name[5:-4].split("-", 1)
            labels[name] = f"宽表 {tid} {template(tid).table(table_id).caption}：每份报告一行"
        yield f"data/downloads/{name}", content
    order = [n for n in labels if n in sizes]
    downloads = [{"name": n, "href": f"downloads/{n}", "label": labels[n], "size": size(sizes[n])} for n in order]
    dictionary = []
    for tid in TEMPLATE_IDS:
        t = template(tid)
        tables = []
        for table in t.tables:
            fields = {f["name"]: f for f in table_schema(table)["fields"]}
            columns = [
                {"id": c.id, "title": fields[c.id]["title"], "type": fields[c.id]["type"], "unit": c.unit or table.unit}
                for c in table.columns
            ]
            tables.append({"id": table.id, "caption": table.caption, "columns": columns, "rows": table.rows})
        years = f"{t.first_year}–{t.last_year} 年度" if t.last_year else f"{t.first_year} 年度起"
        dictionary.append({"id": t.id, "title": t.title, "basis": t.basis, "years": years, "tables": tables})
    html = env.get_template("data.html.j2").render(
        downloads=downloads, templates=dictionary, registry_fields=read_definition("agencies.schema.json")["fields"]
    )
    jsonld = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": read_definition("site.yaml")["site_name"],
        "description": "政府信息公开工作年度报告的表格数据（逐格转录、勾稽关系校验）与文字部分；空白表示原报告空白。",
        "inLanguage": "zh-CN",
        "distribution": [
            {"@type": "DataDownload", "contentUrl": d["href"], "encodingFormat": _media(d["name"])} for d in downloads
        ],
    }
    yield "data/index.md", page("数据下载", html, jsonld)


def _media(name: str) -> str:
    return {"csv": "text/csv", "json": "application/json", "zip": "application/zip"}[name.rsplit(".", 1)[1]]


def render_rules(env: jinja2.Environment) -> dict[str, bytes]:
    consistency = []
    for r in consistency_rules():
        spec = r.spec or {}
        op = "≥" if spec.get("op") == ">=" else "="
        formula = f"{' + '.join(spec['lhs'])} {op} {' + '.join(spec['rhs'])}".replace("+ -", "− ")
        for_each = "、".join(
            f"{k} ∈ {v if isinstance(v, str) else ', '.join(v)}" for k, v in spec.get("for_each", {}).items()
        )
        consistency.append({**r.__dict__, "formula": formula, "for_each": for_each})
    structural = [r for r in all_rules() if r.kind == "structural"]
    html = env.get_template("rules.html.j2").render(consistency=consistency, structural=structural)
    return {"rules/index.md": page("校验规则", html)}


def render_search(env: jinja2.Environment) -> dict[str, bytes]:
    html = env.get_template("search.html.j2").render(
        pagefind=rel("search/", "pagefind/"), assets=rel("search/", "assets/")
    )
    return {"search/index.md": page("搜索", html)}


def render_catalogue(site: Site) -> bytes:
    """DCAT (JSON-LD) catalogue of the collection and of every report with its downloads, for data portals."""
    name = read_definition("site.yaml")["site_name"]
    collection = {
        "@type": "dcat:Dataset",
        "@id": "data/",
        "dct:title": f"{name}：全部报告",
        "dct:description": "全部年度报告的表格数据（长表、宽表）、文字部分与机构名录；空白表示原报告空白。",
        "dcat:landingPage": "data/",
        "dcat:keyword": ["政府信息公开", "年度报告", "开放数据"],
        "dcat:distribution": [
            {"@type": "dcat:Distribution", "dcat:downloadURL": f"data/downloads/{f}", "dcat:mediaType": media}
            for f, media in (
                ("datapackage.json", "application/json"),
                ("nianbao-tidy.csv", "text/csv"),
                ("nianbao.json", "application/json"),
                ("nianbao-csv.zip", "application/zip"),
            )
        ],
    }
    reports = []
    for p in site.packages:
        url = report_url(p.agency or "", p.year or 0)
        d = p.descriptor or {}
        reports.append(
            {
                "@type": "dcat:Dataset",
                "@id": url,
                "dct:title": d.get("title"),
                "dct:publisher": {"@type": "foaf:Organization", "foaf:name": site.agency_name(p.agency or "")},
                "dct:temporal": str(p.year),
                "dct:issued": d.get("published"),
                "dct:source": d.get("source_url"),
                "dcat:landingPage": url,
                "dcat:distribution": [
                    {"@type": "dcat:Distribution", "dcat:downloadURL": f"{url}{f}", "dcat:mediaType": media}
                    for f, media in (
                        ("datapackage.json", "application/json"),
                        (f"{p.agency}-{p.year}.json", "application/json"),
                        (f"{p.agency}-{p.year}.zip", "application/zip"),
                    )
                ],
            }
        )
    catalogue = {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
        },
        "@type": "dcat:Catalog",
        "dct:title": name,
        "dct:language": "zh",
        "dcat:dataset": [collection, *[{k: v for k, v in r.items() if v is not None} for r in reports]],
    }
    return (json.dumps(catalogue, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


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
        yield f"assets/{name}", (resources.files("nianbao") / "site_assets" / name).read_bytes()
