"""Download files, per report and for the whole collection, as bytes: CSV, JSON, datapackage.json, zip. No I/O."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from nianbao.check.problems import Report
from nianbao.core.definitions import read_definition
from nianbao.core.package import Collection, Package, split_narrative
from nianbao.core.schemas import self_contained, table_schema
from nianbao.core.templates import TEMPLATE_IDS, template
from nianbao.core.textfiles import dump_json, write_csv

_INTEGER = re.compile(r"-?[0-9]+")


ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so that the same data gives byte-identical zips


TIDY_FIELDS = [
    {"name": "agency", "title": "机构标识", "type": "string"},
    {"name": "year", "title": "报告年度", "type": "integer"},
    {"name": "template", "title": "模板版本", "type": "string", "constraints": {"enum": list(TEMPLATE_IDS)}},
    {"name": "table", "title": "表", "type": "string"},
    {"name": "row", "title": "行", "type": "string"},
    {"name": "column", "title": "列", "type": "string"},
    {"name": "value", "title": "数值（空白表示原文空白）", "type": "number"},
    {"name": "blank", "title": "原文空白", "type": "boolean"},
    {"name": "note", "title": "单元格说明（原文）", "type": "string"},
]


def compact_json(obj: Any) -> bytes:
    """Data files are read by programs: one line, no indentation (json's fast C encoder only runs without indent)."""
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def number(raw: str) -> int | float | None:
    if raw == "":
        return None
    return int(raw) if _INTEGER.fullmatch(raw) else float(raw)


def package_json(pkg: Package, agency: dict[str, str], report: Report, url: str) -> dict[str, Any]:
    """Everything about one report as one JSON object."""
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
        "tables": tables,
        "notes": [note for _, note in pkg.notes],
        "narrative": [
            {"section": sid, "heading": heading, "text": body}
            for sid, heading, body in split_narrative(pkg.narrative or "")
        ],
        "acknowledgements": d.get("acknowledgements", []),
        "quality": {rule: t.to_dict() for rule, t in sorted(report.packages.get(pkg.key, {}).items())},
    }


def _table_csv(pkg: Package, table_id: str) -> bytes:
    data = pkg.tables[table_id]
    return write_csv([data.header, *(cells for _, cells in data.rows)]).encode("utf-8")


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, files[name])
    return out.getvalue()


def package_files(pkg: Package, agency: dict[str, str], report: Report, url: str) -> dict[str, bytes]:
    """The downloads of one report: each table's CSV, notes, narrative, one JSON, datapackage.json, and a zip."""
    assert pkg.template is not None and pkg.descriptor is not None
    files: dict[str, bytes] = {}
    for table in pkg.template.tables:
        files[f"{table.id}.csv"] = _table_csv(pkg, table.id)
    files["notes.csv"] = write_csv(
        [["table", "row", "column", "note"], *([*n.values()] for _, n in pkg.notes)]
    ).encode()
    files["narrative.md"] = (pkg.narrative or "").encode("utf-8")
    descriptor = dict(pkg.descriptor)
    descriptor["resources"] = [r for r in descriptor.get("resources", []) if r.get("name") != "source"]
    if descriptor.get("source_url"):
        descriptor["sources"] = [{"title": "原报告", "path": descriptor["source_url"]}]
    files["datapackage.json"] = dump_json(self_contained(descriptor, pkg.template)).encode("utf-8")
    base = f"{pkg.agency}-{pkg.year}"
    files[f"{base}.json"] = compact_json(package_json(pkg, agency, report, url))
    files[f"{base}.zip"] = _zip({f"{base}/{name}": content for name, content in files.items()})
    return files


def _cell_order() -> dict[tuple[str, str, str, str], int]:
    return {(tid, *cell): i for tid in TEMPLATE_IDS for i, cell in enumerate(template(tid).cells())}


def tidy_frame(collection: Collection) -> pd.DataFrame:
    """One row per cell of every report: the long form of the whole collection."""
    frame = collection.cells.frame
    frame = frame[~frame["context"]]
    packages = collection.packages
    index = frame["pkg"].to_numpy()
    out = pd.DataFrame(
        {
            "agency": np.array([p.agency for p in packages], dtype=object)[index],
            "year": np.array([p.year or 0 for p in packages])[index],
            "template": np.array([p.template.id if p.template else "" for p in packages], dtype=object)[index],
            "table": frame["table"].to_numpy(),
            "row": frame["row"].to_numpy(),
            "column": frame["column"].to_numpy(),
            "value": frame["raw"].to_numpy(),
        }
    )
    out["blank"] = (out["value"] == "").map({True: "true", False: "false"})
    notes = {
        (pkg.agency, pkg.year, n["table"], n["row"], n["column"]): n["note"]
        for pkg in packages
        if not pkg.context
        for _, n in pkg.notes
    }
    out["note"] = ""
    if notes:
        keys = zip(out["agency"], out["year"], out["table"], out["row"], out["column"], strict=True)
        out["note"] = [notes.get(k, "") for k in keys]
    order = {"|".join(k): i for k, i in _cell_order().items()}
    cell = out["template"] + "|" + out["table"] + "|" + out["row"] + "|" + out["column"]
    out["_rank"] = cell.map(order).fillna(len(order)).to_numpy()
    out = out.sort_values(["agency", "year", "_rank"], kind="stable").drop(columns="_rank")
    return out.reset_index(drop=True)


def wide_frames(tidy: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per template and table, one row per report and one column per cell (`row.column`)."""
    out = {}
    for tid in TEMPLATE_IDS:
        for table in template(tid).tables:
            part = tidy[(tidy["template"] == tid) & (tidy["table"] == table.id)]
            columns = [f"{r.id}.{c.id}" for r in table.rows for c in table.columns]
            if part.empty:
                wide = pd.DataFrame(columns=["agency", "year", *columns])
            else:
                part = part.assign(cell=part["row"] + "." + part["column"])
                wide = part.pivot(index=["agency", "year"], columns="cell", values="value")
                cells = wide.reindex(columns=columns).to_numpy(dtype=object, copy=True)
                cells[pd.isna(cells)] = ""
                wide = pd.DataFrame(cells, index=wide.index, columns=columns).reset_index()
            out[f"{tid}-{table.id}"] = wide
    return out


def _wide_schema(tid: str, table_id: str) -> dict[str, Any]:
    table = template(tid).table(table_id)
    base = {f["name"]: f for f in table_schema(table)["fields"]}
    fields: list[dict[str, Any]] = [TIDY_FIELDS[0], TIDY_FIELDS[1]]
    for r in table.rows:
        for c in table.columns:
            f = dict(base[c.id])
            f["name"] = f"{r.id}.{c.id}"
            f["title"] = f"{r.label} › {base[c.id]['title']}"
            fields.append(f)
    return {"fields": fields, "missingValues": [""], "primaryKey": ["agency", "year"]}


def collection_files(collection: Collection, report_jsons: list[bytes]) -> Iterator[tuple[str, bytes]]:
    """The whole-collection downloads of /data/ and the datapackage.json that describes them, one at a time.

    Yielded one by one so that the build never holds the whole collection several times over in memory;
    the zip is compressed as its parts pass. `report_jsons` are the per-report JSON files, joined into one.
    """
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:

        def part(name: str, content: bytes, zipped: bool = True) -> tuple[str, bytes]:
            if zipped:
                info = zipfile.ZipInfo(name, ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                z.writestr(info, content)
            return name, content

        tidy = tidy_frame(collection)
        tidy_csv = tidy.to_csv(index=False, lineterminator="\n").encode("utf-8")
        yield part("nianbao-tidy.csv", tidy_csv)
        yield part("nianbao-tidy-excel.csv", b"\xef\xbb\xbf" + tidy_csv, zipped=False)
        del tidy_csv
        registry_fields = read_definition("agencies.schema.json")["fields"]
        agencies = [[a.get(f["name"], "") for f in registry_fields] for _, a in sorted(collection.registry.items())]
        yield part("agencies.csv", write_csv([[f["name"] for f in registry_fields], *agencies]).encode("utf-8"))
        resources: list[dict[str, Any]] = [
            {
                "name": "tidy",
                "path": "nianbao-tidy.csv",
                "title": "全部报告的全部单元格（长表）",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": TIDY_FIELDS, "missingValues": [""]},
            },
            {
                "name": "agencies",
                "path": "agencies.csv",
                "title": "机构名录",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": registry_fields, "missingValues": [""], "primaryKey": ["id"]},
            },
        ]
        for name, wide in wide_frames(tidy).items():
            tid, table_id = name.split("-", 1)
            path = f"wide/{name}.csv"
            yield part(path, wide.to_csv(index=False, lineterminator="\n").encode("utf-8"))
            resources.append(
                {
                    "name": f"wide-{name.lower()}",
                    "path": path,
                    "title": f"{tid} {template(tid).table(table_id).caption}（宽表：每份报告一行）",
                    "format": "csv",
                    "mediatype": "text/csv",
                    "encoding": "utf-8",
                    "schema": _wide_schema(tid, table_id),
                }
            )
        del tidy
        yield part("nianbao.json", b"[" + b",".join(j.rstrip(b"\n") for j in report_jsons) + b"]\n", zipped=False)
        descriptor = {
            "name": "nianbao",
            "title": read_definition("site.yaml")["site_name"],
            "description": "政府信息公开工作年度报告的表格数据（长表、按模板分表的宽表）与机构名录。空白单元格表示原报告空白，不是 0。",
            "resources": resources,
        }
        yield part("datapackage.json", dump_json(descriptor).encode("utf-8"))
    yield "nianbao-csv.zip", archive.getvalue()
