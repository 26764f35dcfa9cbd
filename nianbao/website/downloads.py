"""Download files of one report as bytes: CSV, JSON, datapackage.json, zip; the manifest and spreadsheet safety."""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from nianbao.check.problems import Report
from nianbao.core.definitions import read_definition
from nianbao.core.package import Package
from nianbao.core.schemas import self_contained
from nianbao.core.settled import settlements
from nianbao.core.textfiles import dump_json, write_csv

_INTEGER = re.compile(r"-?[0-9]+")

# A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(…), +cmd|…, @SUM(…)).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Download:
    """One per-report download: file name in the report's folder, label on the page, media type."""

    name: str
    label: str
    mediatype: str
    linked: bool = True  # listed in JSON-LD and the DCAT catalogue (the whole-report files)


# The copy of the original kept in a package (source.*), published as plain text: an HTML page from an agency's
# website served as HTML from this site would run its scripts here.
SOURCE_NAMES = {"source.txt": "source.txt", "source.html": "source.html.txt"}
MAX_SOURCE_BYTES = 5 * 1024 * 1024


def source_copy(pkg: Package) -> tuple[str, bytes] | None:
    """The package's copy of the original (published name, bytes): a regular file in the package's own folder, not
    a symlink, at most MAX_SOURCE_BYTES; None otherwise (the page then just does not offer it)."""
    for r in (pkg.descriptor or {}).get("resources", []):
        if isinstance(r, dict) and r.get("name") == "source" and r.get("path") in SOURCE_NAMES:
            path = pkg.dir / r["path"]
            if path.is_symlink() or not path.is_file() or path.resolve().parent != pkg.dir.resolve():
                return None
            if path.stat().st_size > MAX_SOURCE_BYTES:
                return None
            return SOURCE_NAMES[r["path"]], path.read_bytes()
    return None


def manifest(pkg: Package, source: str | None = None) -> list[Download]:
    """THE list of a report's downloads, in the order the report page shows them (also JSON-LD and DCAT);
    `source`: the published name of the copy of the original, if there is one."""
    assert pkg.template is not None
    base = f"{pkg.agency}-{pkg.year}"
    original = [Download(source, "原文副本（导入时保存的原文，纯文本）", "text/plain", False)] if source else []
    return [
        Download(f"{base}.zip", "以上全部文件（zip）", "application/zip"),
        Download(f"{base}.json", "全部内容（JSON）", "application/json"),
        Download("datapackage.json", "数据包描述（Frictionless）", "application/json"),
        *(Download(f"{t.id}.csv", f"{t.caption}（CSV）", "text/csv", False) for t in pkg.template.tables),
        Download("notes.csv", "单元格说明（CSV）", "text/csv", False),
        Download("narrative.md", "文字部分（Markdown）", "text/markdown", False),
        *original,
    ]


def spreadsheet_text(text: str) -> str:
    """Text for a file meant for spreadsheets: a leading =, +, -, @, TAB or CR is neutralised with "'" (OWASP's
    advice against formula injection). Only text fields: numbers (−5 is a count of change) are never touched."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def licences() -> list[dict[str, str]]:
    """The licence of the transcriptions, as Frictionless `licenses` (definitions/site.yaml)."""
    licence = read_definition("site.yaml")["licence"]
    return [{"name": licence["id"], "path": licence["url"], "title": licence["title"]}]


ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # without a date from the data: fixed, so the same data gives the same zip


def compact_json(obj: Any) -> bytes:
    """Data files are read by programs: one line, no indentation (json's fast C encoder only runs without indent)."""
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def number(raw: str) -> int | float | None:
    if raw == "":
        return None
    return int(raw) if _INTEGER.fullmatch(raw) else float(raw)


def package_json(
    pkg: Package, agency: dict[str, str], report: Report, url: str, flags: dict[str, str] | None = None
) -> dict[str, Any]:
    """Everything about one report as one JSON object. `flags`: "table.row.column" → "acknowledged"."""
    d = pkg.descriptor or {}
    tables: dict[str, dict[str, dict[str, Any]]] = {}
    for table_id, data in pkg.tables.items():
        index = {name: i for i, name in enumerate(data.header)}
        tables[table_id] = {
            cells[index["row"]]: {c.id: number(cells[index[c.id]]) for c in data.table.columns}
            for _, cells in data.rows
        }
    return {
        "name": d.get("name"),
        "title": d.get("title"),
        "agency": pkg.agency,
        "agency_name": agency.get("name"),
        "level": agency.get("level"),
        "year": pkg.year,
        "template": d.get("template"),
        "published": d.get("published"),
        "source_url": d.get("source_url"),
        "retrieved": d.get("retrieved"),
        "url": url,
        "license": licences()[0],
        "tables": tables,
        "flags": dict(sorted((flags or {}).items())),
        "notes": [note for _, note in pkg.notes],
        "narrative": [{"section": s.id, "heading": s.heading, "text": s.body} for s in pkg.sections],
        "acknowledgements": d.get("acknowledgements", []),
        "settled": [s.entry() for s in settlements(d, pkg.template)],  # cells read in the original, with the quote
        "quality": {rule: t.to_dict() for rule, t in sorted(report.packages.get(pkg.key, {}).items())},
    }


# Every per-report CSV starts with the report's identity, so that files from several reports can be stacked.
IDENTITY_FIELDS = [
    {"name": "agency", "title": "机构标识", "type": "string"},
    {"name": "year", "title": "报告年度", "type": "integer"},
]


def _table_csv(pkg: Package, table_id: str) -> bytes:
    data = pkg.tables[table_id]
    label = data.header.index("label") if "label" in data.header else None
    who = [pkg.agency or "", str(pkg.year or "")]
    rows = [[*who, *(spreadsheet_text(c) if i == label else c for i, c in enumerate(cells))] for _, cells in data.rows]
    return write_csv([["agency", "year", *data.header], *rows]).encode("utf-8")


def _with_identity(descriptor: dict[str, Any], csv_names: set[str]) -> dict[str, Any]:
    """The published descriptor: the CSV resources' schemas begin with the agency and year columns."""
    resources = []
    for r in descriptor.get("resources", []):
        if isinstance(r, dict) and r.get("path") in csv_names and isinstance(r.get("schema"), dict):
            schema = dict(r["schema"])
            schema["fields"] = [*IDENTITY_FIELDS, *schema.get("fields", [])]
            r = {**r, "schema": schema}
        resources.append(r)
    return {**descriptor, "resources": resources}


def zip_files(files: dict[str, bytes], date: tuple[int, int, int, int, int, int] = ZIP_DATE) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files):
            z.writestr(zip_info(name, date), files[name])
    return out.getvalue()


def zip_info(name: str, date: tuple[int, int, int, int, int, int] = ZIP_DATE) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def zip_date(day: str | None) -> tuple[int, int, int, int, int, int]:
    """A zip member's date from the data's own date (YYYY-MM-DD); the fixed date without one."""
    if day and re.fullmatch(r"(19[89]|20[0-9])[0-9]-[01][0-9]-[0-3][0-9]", day):
        return (int(day[:4]), int(day[5:7]), int(day[8:10]), 0, 0, 0)
    return ZIP_DATE


def package_files(
    pkg: Package,
    agency: dict[str, str],
    report: Report,
    url: str,
    flags: dict[str, str],
    day: str | None = None,
    source: tuple[str, bytes] | None = None,
) -> dict[str, bytes]:
    """The downloads of one report (see `manifest`): CSVs for spreadsheets (text neutralised), the narrative,
    one JSON, a self-contained datapackage.json with the licence, and a zip of them dated `day`."""
    assert pkg.template is not None and pkg.descriptor is not None
    files: dict[str, bytes] = {}
    for table in pkg.template.tables:
        files[f"{table.id}.csv"] = _table_csv(pkg, table.id)
    who = [pkg.agency or "", str(pkg.year or "")]
    files["notes.csv"] = write_csv(
        [
            [
                *(f["name"] for f in IDENTITY_FIELDS),
                *(f["name"] for f in read_definition("package.yaml")["notes_fields"]),
            ],
            *([*who, n["table"], n["row"], n["column"], spreadsheet_text(n["note"])] for _, n in pkg.notes),
        ]
    ).encode()
    files["narrative.md"] = (pkg.narrative or "").encode("utf-8")
    if source:
        files[source[0]] = source[1]
    descriptor = dict(pkg.descriptor)
    descriptor["resources"] = [r for r in descriptor.get("resources", []) if r.get("name") != "source"]
    if descriptor.get("source_url"):
        descriptor["sources"] = [{"title": "原报告", "path": descriptor["source_url"]}]
    descriptor["licenses"] = licences()
    csv_names = {f"{t.id}.csv" for t in pkg.template.tables} | {"notes.csv"}
    published = _with_identity(self_contained(descriptor, pkg.template), csv_names)
    files["datapackage.json"] = dump_json(published).encode("utf-8")
    base = f"{pkg.agency}-{pkg.year}"
    files[f"{base}.json"] = compact_json(package_json(pkg, agency, report, url, flags))
    files[f"{base}.zip"] = zip_files({f"{base}/{name}": content for name, content in files.items()}, zip_date(day))
    return files
