"""The DCAT catalogue of the collection (data.json)."""

from __future__ import annotations

import json

from nianbao.core.definitions import read_definition
from nianbao.website.downloads import manifest
from nianbao.website.model import Site, report_url


def render_catalogue(site: Site) -> bytes:
    """DCAT (JSON-LD) catalogue of the collection and of every report with its downloads, for data portals."""
    name = read_definition("site.yaml")["site_name"]
    licence = read_definition("site.yaml")["licence"]["url"]

    def iri(url: str) -> str:
        # Full addresses when the build knows where the site lives (--site-url); relative to data.json otherwise.
        return f"{site.site_url}{url}" if site.site_url else url

    collection = {
        "@type": "dcat:Dataset",
        "@id": iri("data/"),
        "dct:license": licence,
        "dct:title": f"{name}：全部报告",
        "dct:description": "全部年度报告的表格数据（长表、宽表）、文字部分与机构名录；空白表示原报告空白。",
        "dcat:landingPage": iri("data/"),
        "dcat:keyword": ["政府信息公开", "年度报告", "开放数据"],
        "dcat:distribution": [
            {"@type": "dcat:Distribution", "dcat:downloadURL": iri(f"data/downloads/{f}"), "dcat:mediaType": media}
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
                "@id": iri(url),
                "dct:license": licence,
                "dct:title": d.get("title"),
                "dct:publisher": {"@type": "foaf:Organization", "foaf:name": site.agency_name(p.agency or "")},
                "dct:temporal": str(p.year),
                "dct:issued": d.get("published"),
                "dct:source": d.get("source_url"),
                "dcat:landingPage": iri(url),
                "dcat:distribution": [
                    {
                        "@type": "dcat:Distribution",
                        "dcat:downloadURL": iri(f"{url}{d.name}"),
                        "dcat:mediaType": d.mediatype,
                    }
                    for d in manifest(p)
                    if d.linked
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
