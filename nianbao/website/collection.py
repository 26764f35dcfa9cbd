"""Whole-collection downloads of /data/: the tidy (long) CSV and its Excel variant, wide CSVs, agencies, JSON, zip."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from nianbao.core.definitions import read_definition
from nianbao.core.package import TIDY_SCHEMA, Collection
from nianbao.core.schemas import table_schema
from nianbao.core.templates import TEMPLATE_IDS, template
from nianbao.core.textfiles import dump_json, write_csv
from nianbao.website.downloads import licences, number, spreadsheet_text, zip_date, zip_info
from nianbao.website.flags import ACKNOWLEDGED
from nianbao.website.xlsx import Cell, Workbook

# THE tidy shape of the site's downloads (one row per cell). `flag` carries the publisher's acknowledged
# inconsistency ("acknowledged"); an empty value is a blank in the source, never 0.
TIDY_FIELDS = [
    {"name": "agency", "title": "机构标识", "type": "string"},
    {"name": "year", "title": "报告年度", "type": "integer"},
    {"name": "template", "title": "模板版本", "type": "string", "constraints": {"enum": list(TEMPLATE_IDS)}},
    *TIDY_SCHEMA,  # table, row, column, value, status, note: the one tidy shape (core.package)
    {"name": "row_label", "title": "行名称（模板）", "type": "string"},
    {"name": "column_label", "title": "列名称（模板，含上级表头）", "type": "string"},
    {"name": "unit", "title": "单位", "type": "string"},
    {
        "name": "flag",
        "title": "标记（acknowledged：原报告自身数据不一致，经确认照录）",
        "type": "string",
        "constraints": {"enum": ["", ACKNOWLEDGED]},
    },
]
# Text columns of the tidy download: neutralised against formulas in the Excel variant.
_TEXT_FIELDS = ("note", "row_label", "column_label")


def _cell_labels() -> dict[str, tuple[str, str, str]]:
    """ "template|table|row|column" → the template's row label, column label (with its header groups) and unit."""
    out = {}
    for tid in TEMPLATE_IDS:
        for table in template(tid).tables:
            for column in table.columns:
                heads = " · ".join([*(g.label for g in table.column_ancestors(column)), column.label])
                unit = column.unit or table.unit or ""
                for row in table.rows:
                    out[f"{tid}|{table.id}|{row.id}|{column.id}"] = (row.label, heads, unit)
    return out


Flags = dict[tuple[str, int], dict[str, str]]  # (agency, year) → "table.row.column" → flag


def _cell_order() -> dict[tuple[str, str, str, str], int]:
    return {(tid, *cell): i for tid in TEMPLATE_IDS for i, cell in enumerate(template(tid).cells())}


def tidy_frame(collection: Collection, flags: Flags | None = None) -> pd.DataFrame:
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
    # Published packages hold no unresolved cell (validation refuses them): a cell is printed or blank.
    out["status"] = (out["value"] == "").map({True: "blank", False: "printed"})
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
    cell = out["template"] + "|" + out["table"] + "|" + out["row"] + "|" + out["column"]
    labels = _cell_labels()
    found = [labels.get(k, ("", "", "")) for k in cell]
    out["row_label"] = [f[0] for f in found]
    out["column_label"] = [f[1] for f in found]
    out["unit"] = [f[2] for f in found]
    out["flag"] = ""
    flat = {(a, y, *cell.split(".")): f for (a, y), cells in (flags or {}).items() for cell, f in cells.items()}
    if flat:
        keys = zip(out["agency"], out["year"], out["table"], out["row"], out["column"], strict=True)
        out["flag"] = [flat.get(k, "") for k in keys]
    order = {"|".join(k): i for k, i in _cell_order().items()}
    out["_rank"] = cell.map(order).fillna(len(order)).to_numpy()
    out = out.sort_values(["agency", "year", "_rank"], kind="stable").drop(columns="_rank")
    return out.reset_index(drop=True)


def wide_frames(tidy: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per template and table, one row per report and one column per cell (`row.column`), then `flags`: the
    flagged cells of that row as `row.column=flag`, space-separated."""
    out = {}
    for tid in TEMPLATE_IDS:
        for table in template(tid).tables:
            part = tidy[(tidy["template"] == tid) & (tidy["table"] == table.id)]
            columns = [f"{r.id}.{c.id}" for r in table.rows for c in table.columns]
            if part.empty:
                wide = pd.DataFrame(columns=["agency", "year", *columns, "flags"])
            else:
                part = part.assign(cell=part["row"] + "." + part["column"])
                pivot = part.pivot(index=["agency", "year"], columns="cell", values="value")
                cells = pivot.reindex(columns=columns).to_numpy(dtype=object, copy=True)
                cells[pd.isna(cells)] = ""
                wide = pd.DataFrame(cells, index=pivot.index, columns=columns).reset_index()
                flagged = part[part["flag"] != ""]
                per_report = {
                    key: " ".join(f"{c}={f}" for c, f in zip(g["cell"], g["flag"], strict=True))
                    for key, g in flagged.groupby(["agency", "year"], sort=True)
                }
                wide["flags"] = [per_report.get((a, y), "") for a, y in zip(wide["agency"], wide["year"], strict=True)]
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
            f["title"] = " › ".join(x for x in (r.label, base[c.id]["title"]) if x)
            fields.append(f)
    fields.append({"name": "flags", "title": "有标记的单元格（行.列=acknowledged，空格分隔）", "type": "string"})
    return {"fields": fields, "missingValues": [""], "primaryKey": ["agency", "year"]}


def _wide_sheet(wide: pd.DataFrame, schema: dict[str, Any]) -> Iterator[list[Cell]]:
    """A wide table as a sheet: Chinese titles, then the ids, then one row per report (numbers as numbers)."""
    yield [f["title"] for f in schema["fields"]]
    yield list(wide.columns)
    for record in wide.itertuples(index=False):
        agency, year, *cells, flags = record
        yield [agency, int(year), *(number(c) if isinstance(c, str) else c for c in cells), flags]


def _csv(frame: pd.DataFrame, prefix: bytes = b"") -> bytes:
    """The frame as UTF-8 CSV bytes, written in chunks into one buffer (never a whole-text str besides the bytes:
    at 5,000 reports the tidy table is ~150 MB of text); `prefix` is the Excel variant's BOM."""
    buffer = io.BytesIO()
    buffer.write(prefix)
    frame.to_csv(buffer, index=False, lineterminator="\n", encoding="utf-8")
    return buffer.getvalue()


def collection_files(
    collection: Collection, report_jsons: list[bytes], flags: Flags | None = None, day: str | None = None
) -> Iterator[tuple[str, bytes]]:
    """The whole-collection downloads of /data/ and the datapackage.json that describes them, one at a time.

    Yielded one by one so that the build never holds the whole collection several times over in memory;
    the zip is compressed as its parts pass. `report_jsons` are the per-report JSON files, joined into one.
    The Excel variant and agencies.csv are meant for spreadsheets: their text is neutralised against formulas.
    """
    date = zip_date(day)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:

        def part(name: str, content: bytes, zipped: bool = True) -> tuple[str, bytes]:
            if zipped:
                z.writestr(zip_info(name, date), content)
            return name, content

        tidy = tidy_frame(collection, flags)
        yield part("nianbao-tidy.csv", _csv(tidy))
        excel = tidy.copy()
        for name in _TEXT_FIELDS:
            excel[name] = excel[name].map(spreadsheet_text)
        yield part("nianbao-tidy-excel.csv", _csv(excel, prefix=b"\xef\xbb\xbf"), zipped=False)
        del excel
        registry_fields = read_definition("agencies.schema.json")["fields"]
        agencies = [
            [spreadsheet_text(a.get(f["name"], "")) for f in registry_fields]
            for _, a in sorted(collection.registry.items())
        ]
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
        book = Workbook(date, frozen_rows=2)
        book.add("机构", [[f["title"] for f in registry_fields], [f["name"] for f in registry_fields], *agencies])
        for name, wide in wide_frames(tidy).items():
            tid, table_id = name.split("-", 1)
            path = f"wide/{name}.csv"
            yield part(path, _csv(wide))
            book.add(name, _wide_sheet(wide, _wide_schema(tid, table_id)))
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
        yield part("nianbao.xlsx", book.close(), zipped=False)
        yield part("nianbao.json", b"[" + b",".join(j.rstrip(b"\n") for j in report_jsons) + b"]\n", zipped=False)
        descriptor = {
            "name": "nianbao",
            "title": read_definition("site.yaml")["site_name"],
            "description": "政府信息公开工作年度报告的表格数据（长表、按模板分表的宽表）与机构名录。空白单元格表示原报告空白，不是 0。",
            "licenses": licences(),
            "resources": resources,
        }
        yield part("datapackage.json", dump_json(descriptor).encode("utf-8"))
    yield "nianbao-csv.zip", archive.getvalue()
