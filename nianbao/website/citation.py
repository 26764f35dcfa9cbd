"""How to cite a report: a sentence to paste, BibTeX and CSL-JSON; dated and versioned by the data, never the clock."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, urlencode

from nianbao.core.definitions import read_definition, repository

_BIBTEX_SPECIAL = re.compile(r"([\\{}%&#$_^~])")


def _bibtex(text: str) -> str:
    return _BIBTEX_SPECIAL.sub(lambda m: "\\textbackslash{}" if m.group(1) == "\\" else "\\" + m.group(1), text)


def _date_parts(day: str | None) -> list[list[int]] | None:
    if day and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", day):
        return [[int(day[:4]), int(day[5:7]), int(day[8:10])]]
    return None


def cite(
    *,
    key: str,
    agency: str,
    title: str,
    year: int,
    published: str | None,
    url: str,
    version: str | None,
    day: str | None,
) -> dict[str, str]:
    """The citation of one report. `url` is the page's full address; `version` the data's commit and `day` its
    date (the newest change of the data, as the history shows), which stands for the access date."""
    site = read_definition("site.yaml")["site_name"]
    when = f"{published}发布" if published else f"{year} 年度"
    data = f"数据版本 {version}（{day}）" if version else (f"数据日期 {day}" if day else "数据版本未记录")
    accessed = f"，访问日期 {day}" if day else ""
    text = f"{agency}：《{title}》，{when}。转录数据：{site}，{url}，{data}{accessed}。"
    issued = (published or str(year))[:4]
    bibtex = "\n".join(
        [
            f"@misc{{nianbao-{key.replace('/', '-')},",
            f"  author = {{{{{_bibtex(agency)}}}}},",
            f"  title = {{{{{_bibtex(title)}}}}},",
            f"  year = {{{issued}}},",
            f"  howpublished = {{转录数据：{_bibtex(site)}}},",
            f"  url = {{{url}}},",
            *([f"  version = {{{version}}},"] if version else []),
            *([f"  urldate = {{{day}}},"] if day else []),
            "}",
        ]
    )
    csl: dict[str, Any] = {
        "id": f"nianbao-{key.replace('/', '-')}",
        "type": "dataset",
        "title": title,
        "author": [{"literal": agency}],
        "issued": {"date-parts": _date_parts(published) or [[int(issued)]]},
        "publisher": site,
        "URL": url,
    }
    if version:
        csl["version"] = version
    if _date_parts(day):
        csl["accessed"] = {"date-parts": _date_parts(day)}
    return {"text": text, "bibtex": bibtex, "csl": json.dumps(csl, ensure_ascii=False, indent=1)}


def error_report_url(title: str, page_url: str, source_url: str | None) -> str | None:
    """A new issue from the data-error template (.github/ISSUE_TEMPLATE), with the report filled in: GitHub takes
    `template`, `title` and the template's field ids as query parameters."""
    config, repo = read_definition("site.yaml"), repository()
    if not repo:
        return None
    params = {"template": config["error_template"], "title": f"[数据错误] {title}", "page": page_url}
    if source_url:
        params["source"] = source_url
    return f"{repo}/issues/new?{urlencode(params, quote_via=quote)}"
