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
from nianbao.core.definitions import read_definition
from nianbao.core.package import Collection, Package
from nianbao.website import figures as figures_mod
from nianbao.website.flags import acknowledged_cells
from nianbao.website.history import History
from nianbao.website.mkdocs_hooks import MARKER

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


def display_number(value: float | str | None, blank: str = "—") -> str:
    """THE number formatter of pages and charts: thousands separators (3,985,758), no trailing zeros.

    Downloads keep the stored digits; a stored value that is not a plain number is shown as stored.
    """
    if isinstance(value, str):
        if value == "":
            return blank
        try:
            value = int(value) if re.fullmatch(r"-?[0-9]+", value) else float(value)
        except ValueError:
            return value
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return blank
    if float(value).is_integer():
        return f"{int(value):,}"
    whole, _, fraction = f"{value:.6f}".rstrip("0").partition(".")
    return f"{int(whole):,}.{fraction}" if fraction else f"{int(whole):,}"


def _num(value: float | None) -> str:
    return display_number(value)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("nianbao.website", "jinja"),
        autoescape=True,  # every text from data/ is escaped; only our own Markup (tables, charts) is not
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = _num
    env.filters["raw"] = lambda v: display_number(v).replace(",", "")  # sort keys: the digits only
    return env


def script_json(obj: Any) -> str:
    """JSON to put inside a <script> element: "<" (so also "</script>" and "<!--") and "&" escaped as \\u003c and
    \\u0026, and the line separators U+2028/9 that break older parsers."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


# What YAML may not hold as a raw character (YAML 1.1 "printable", less NEL): C0/C1 controls, DEL, surrogates,
# U+FFFE/F, and the line separators. The front matter holds them as \\u escapes instead.
_NOT_YAML_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def front_matter_value(text: str) -> str:
    """A YAML scalar nothing can break out of: a JSON string (YAML's double-quoted style reads it back) with every
    character YAML refuses raw, such as U+009F, as a \\u escape. The mkdocs hook HTML-escapes the title."""
    return _NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", json.dumps(text, ensure_ascii=False))


def page(title: str | None, html: str, jsonld: dict[str, Any] | None = None, wide: bool = False) -> bytes:
    """A Markdown page that is one raw HTML block (no blank lines inside, so Markdown leaves it alone).

    The title (from data/ for report and agency pages) and `jsonld` (schema.org, which the theme override puts
    in the page's <head>) go into the front matter, each as a JSON string (see front_matter_value). The home page has no title of
    its own (the theme then shows the site name once). A `wide` page (a table comparing many agencies) hides the
    table of contents, which it does not need, so that the table has the width of the screen.
    """
    body = _BLANK_LINES.sub("\n", html.strip())
    meta = f"title: {front_matter_value(title)}\n" if title is not None else ""
    if jsonld is not None:
        meta += f"jsonld: {front_matter_value(script_json(jsonld))}\n"
    if wide:
        meta += "hide:\n  - toc\n"
    head = f"---\n{meta}---\n" if meta else ""
    return f"{head}{MARKER}{body}\n".encode()


def plain(text: str | None) -> str | None:
    """A transcription note in plain Chinese: tool names replaced by what they are (definitions/site.yaml)."""
    if text is None:
        return None
    for word, meaning in read_definition("site.yaml").get("plain_words", {}).items():
        text = text.replace(word, meaning)
    return text


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
    site_url: str | None = None  # the deployed site's address, ending in "/" (None: links stay relative)
    data_day: str | None = None  # the data's own date (newest change in git, else newest date in the metadata)

    def flags(self, key: str) -> dict[str, Problem]:
        """ "table.row.column" → the acknowledged publisher inconsistency on that cell of package `key`."""
        return acknowledged_cells(self.problems.get(key, []))

    def absolute(self, url: str) -> str:
        """The full address of a site URL such as reports/a/2019/ (root-relative without a site_url)."""
        return f"{self.site_url}{url}" if self.site_url else f"/{url}"

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
        """Each key figure of a report: its value, whether a blank 总计 was summed, and whether it includes a
        cell the publisher got wrong (acknowledged), with that finding's text."""
        i = self.index[pkg.key]
        flags = self.flags(pkg.key)
        out = []
        rows = zip(
            self.figures.figures,
            self.figures.values[i],
            self.figures.derived[i],
            self.figures.partial[i],
            strict=True,
        )
        for fig, v, d, part in rows:
            flagged = [flags[c] for c in figures_mod.figure_cells(fig, pkg.template, bool(d)) if c in flags]
            out.append(
                {
                    "value": None if np.isnan(v) else float(v),
                    "derived": bool(d),
                    "partial": None if np.isnan(part) else float(part),
                    "flag": "；".join(dict.fromkeys(f.note or f.message for f in flagged)) if flagged else None,
                }
            )
        return out


def build_site_model(
    collection: Collection, report: Report, history: History | None = None, site_url: str | None = None
) -> Site:
    order = sorted((p for p in collection.packages if not p.context), key=lambda p: (p.agency or "", p.year or 0))
    all_index = {p.key: i for i, p in enumerate(collection.packages)}
    figs = figures_mod.compute(collection.cells, [p.template.id if p.template else "" for p in collection.packages])
    by_package: dict[str, list[Problem]] = defaultdict(list)
    for p in report.sorted_problems():
        key = p.package or next((q.key for q in order if p.file and p.file.startswith(q.display + "/")), None)
        if key:
            by_package[key].append(p)
    if site_url:
        site_url = site_url.rstrip("/") + "/"
    dates = [(p.descriptor or {}).get(k) for p in order for k in ("published", "retrieved")]
    day = history.recent[0].date if history and history.recent else max((d for d in dates if d), default=None)
    return Site(collection, report, figs, order, all_index, dict(by_package), history, site_url or None, day)
