"""What every page needs: the site model, URLs, the Jinja environment and the page wrapper."""

from __future__ import annotations

import json
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import jinja2
import numpy as np

from nianbao.check.problems import Problem, Report
from nianbao.core.package import Collection, Package
from nianbao.site import figures as figures_mod
from nianbao.site.history import History
from nianbao.site.mkdocs_hooks import MARKER

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
        loader=jinja2.PackageLoader("nianbao.site", "jinja"),
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
