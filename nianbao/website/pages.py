"""The agency, year, index, home, data, rules and search pages."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import jinja2

from nianbao.check.problems import SEVERITY_ZH
from nianbao.core.definitions import read_definition
from nianbao.core.package import Package
from nianbao.core.rules import all_rules, consistency_rules, formula_text
from nianbao.core.schemas import table_schema
from nianbao.core.templates import TEMPLATE_IDS, template
from nianbao.website import charts as render_charts
from nianbao.website.collection import collection_files
from nianbao.website.flags import ACKNOWLEDGED
from nianbao.website.model import Site, agency_url, page, rel, report_url, size, year_url
from nianbao.website.report_page import finding_view
from nianbao.website.search_index import FOLDER
from nianbao.website.units import comparison, overview_url


def render_agency(
    site: Site,
    env: jinja2.Environment,
    agency_id: str,
    packages: list[Package],
    units: list[str] | None = None,
    overview_years: list[int] | None = None,
) -> dict[str, bytes]:
    """One agency's page: its reports, key figures and charts over the years, findings, and its units (if any)."""
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
        marks = [[bool(r["figs"][by_id[fid]]["flag"]) for r in reports] for fid in chart["figures"]]
        flagged_years = [y for y, *m in zip(years, *marks, strict=True) if any(m)]
        charts.append(
            {
                "title": chart["title"],
                "svg": render_charts.line_chart(chart["title"], years, series, marks),
                "flags": "、".join(f"{y} 年" for y in flagged_years) + "的数字含原报告数据不一致"
                if flagged_years
                else "",
            }
        )
    findings = [
        {
            **finding_view(f, p.template, n),
            "year": p.year,
            "url": rel(url, report_url(agency_id, p.year or 0)) + f"#finding-{n}",
        }
        for p in packages
        for n, f in enumerate(site.problems.get(p.key, []), 1)
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
        units=[{"name": site.agency_name(u), "url": rel(url, agency_url(u))} for u in units or []],
        overviews=[{"year": y, "url": rel(url, overview_url(agency_id, y))} for y in reversed(overview_years or [])],
    )
    return {f"{url}index.md": page(site.agency_name(agency_id), html)}


def render_year(site: Site, env: jinja2.Environment, year: int, packages: list[Package]) -> dict[str, bytes]:
    url = year_url(year)
    rows, totals = comparison(site, url, packages)
    html = env.get_template("year.html.j2").render(
        year=year,
        heading=None,
        parent_url=None,
        rows=rows,
        figures=site.figures.figures,
        totals=totals,
        templates=sorted({p.template.id for p in packages if p.template}),
    )
    return {f"{url}index.md": page(f"{year} 年度报告", html, wide=True)}


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
    # Newest report year first; within a year, the latest published (an undated report is not pushed last).
    newest = sorted(
        site.packages, key=lambda p: (p.year or 0, (p.descriptor or {}).get("published") or "", p.key), reverse=True
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
                "commit_url": site.history.commit_url(c),
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
    return {"index.md": page(None, html)}


# Table Schema types as the data dictionary names them.
TYPE_NAMES = {"integer": "整数", "number": "数值", "string": "文字", "boolean": "是/否", "date": "日期"}


def render_data(site: Site, env: jinja2.Environment, report_jsons: list[bytes]) -> Iterator[tuple[str, bytes]]:
    labels = {
        "nianbao-csv.zip": "全部 CSV 与 datapackage.json（zip）",
        "datapackage.json": "数据包描述（Frictionless，描述以下各文件）",
        "nianbao-tidy.csv": "长表：每份报告每个单元格一行（agency, year, template, table, row, column, value, blank, note, row_label, column_label, unit, flag）",
        "nianbao-tidy-excel.csv": "长表，Excel 专用（UTF-8 BOM）",
        "nianbao.xlsx": "Excel 工作簿：机构名录与各宽表，每表一页（空白即原报告空白；flags 列标出原报告数据不一致）",
        "nianbao.json": "全部报告的全部内容（JSON，含文字部分与数据质量）",
        "agencies.csv": "机构名录",
    }
    sizes: dict[str, int] = {}
    flags = {(p.agency or "", p.year or 0): {cell: ACKNOWLEDGED for cell in site.flags(p.key)} for p in site.packages}
    for name, content in collection_files(site.collection, report_jsons, flags, site.data_day):
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
                {
                    "id": c.id,
                    "title": fields[c.id]["title"],
                    "type": TYPE_NAMES.get(fields[c.id]["type"], fields[c.id]["type"]),
                    "unit": c.unit or table.unit,
                }
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
    return {
        "csv": "text/csv",
        "json": "application/json",
        "zip": "application/zip",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }[name.rsplit(".", 1)[1]]


def render_rules(env: jinja2.Environment) -> dict[str, bytes]:
    consistency = []
    for r in consistency_rules():
        spec = r.spec or {}
        formula = formula_text(r)
        for_each = "、".join(
            f"{k} ∈ {v if isinstance(v, str) else ', '.join(v)}" for k, v in spec.get("for_each", {}).items()
        )
        consistency.append({**r.__dict__, "formula": formula, "for_each": for_each, "level": SEVERITY_ZH[r.severity]})
    structural = [{**r.__dict__, "level": SEVERITY_ZH[r.severity]} for r in all_rules() if r.kind == "structural"]
    html = env.get_template("rules.html.j2").render(consistency=consistency, structural=structural)
    return {"rules/index.md": page("校验规则", html)}


def render_search(env: jinja2.Environment) -> dict[str, bytes]:
    html = env.get_template("search.html.j2").render(
        index=rel("search/", FOLDER + "/"), assets=rel("search/", "assets/")
    )
    return {"search/index.md": page("搜索", html)}
