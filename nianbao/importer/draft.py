"""`nianbao import`: a source -> a draft package folder, written atomically."""

from __future__ import annotations

import itertools
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from nianbao.canonical import canonical_notes
from nianbao.core.definitions import read_definition
from nianbao.core.schemas import package_resources
from nianbao.core.templates import Template, template
from nianbao.core.textfiles import dump_json, write_csv
from nianbao.errors import SourceError
from nianbao.importer.extract import Extraction, detect_template, extract, shown
from nianbao.importer.narrative import narrative, title_of
from nianbao.importer.sources import Document, read
from nianbao.importer.tokens import clean_lines

AMBIGUOUS = 3  # exit status of an import that must be reviewed before it can be merged


@dataclass
class ImportResult:
    out: Path
    doc: Document
    template: Template
    extraction: Extraction
    narrative: dict[str, tuple[str, str]]  # section id → (heading as printed, text)
    meta: dict[str, str]
    report: list[str] = field(default_factory=list)

    @property
    def ambiguous(self) -> list[tuple[str, str, str]]:
        return sorted(k for k, c in self.extraction.cells.items() if c.status == "ambiguous")


def import_report(
    source: Path,
    agency: str,
    year: int,
    out: Path,
    source_url: str | None = None,
    retrieved: str | None = None,
    force: bool = False,
) -> ImportResult:
    """Read `source`, extract every template cell and the narrative, and write a draft package to `out`.

    Raises SourceError (nothing written) for a source that is not a report of either template.
    """
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise SourceError(f"无法读取 {source}：{exc.strerror}") from None
    doc = read(data)
    tid = detect_template(doc)
    if tid is None:
        raise SourceError(
            "看不出是政府信息公开工作年度报告：找不到两版模板的任何表头（如“本年制发件数”“本年新制作数量”）"
        )
    tmpl = template(tid)
    extraction = extract(doc, tmpl)
    lines = clean_lines(doc)
    sections = narrative(doc, lines)
    meta = dict(doc.meta)
    if source_url:
        meta["source_url"] = source_url
    title = title_of(doc, lines)
    if title:
        meta["title"] = title
    if (out / "datapackage.json").exists() and not force:
        raise SourceError(f"{out} 已有数据包；确认要覆盖请加 --force")
    result = ImportResult(out, doc, tmpl, extraction, sections, meta)
    _write(result, agency, year, retrieved or date.today().isoformat())
    return result


def _write(result: ImportResult, agency: str, year: int, retrieved: str) -> None:
    tmpl, ex = result.template, result.extraction
    staging = result.out.with_name(result.out.name + ".import-tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    notes = [["table", "row", "column", "note"]]
    for table in tmpl.tables:
        rows = [list(table.header)]
        for row in table.rows:
            if row.optional and (table.id, row.id) not in ex.optional_rows:
                continue
            label = ex.labels.get((table.id, row.id), row.label)
            values = []
            for column in table.columns:
                cell = ex.cells.get((table.id, row.id, column.id))
                values.append(cell.value if cell and cell.status != "missing" else "")
                if cell and cell.note:
                    notes.append([table.id, row.id, column.id, cell.note])
            rows.append([row.id, label, *values])
        (staging / f"{table.id}.csv").write_text(write_csv(rows), encoding="utf-8")
    (staging / "notes.csv").write_text(canonical_notes(write_csv(notes), tmpl), encoding="utf-8")
    parts = []
    for sid in ("s1", "s5", "s6"):
        default = next(s.heading for s in tmpl.sections if s.id == sid)
        heading, text = result.narrative.get(sid, (default, ""))
        parts.append(f"## {heading}\n\n{text}".rstrip())
    (staging / "narrative.md").write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    source_name = "source.html" if result.doc.kind == "HTML" else "source.txt"
    # The copy is written from the text the tables were read from (one decoding: no mojibake, no BOM).
    source_text = result.doc.text or "\n".join(line.text for line in result.doc.lines)
    if not source_text.endswith("\n"):
        source_text += "\n"
    (staging / source_name).write_text(source_text, encoding="utf-8")
    resources = package_resources(tmpl, source_name)
    descriptor: dict[str, object] = {
        "name": f"{agency}-{year}",
        "title": result.meta.get("title") or f"{year}年政府信息公开工作年度报告",
        "description": f"由 nianbao import 自{result.doc.kind}导入的草稿，须对照原文逐格核对。",
        "agency": agency,
        "year": year,
        "template": tmpl.id,
    }
    for key in ("published", "source_url"):
        if result.meta.get(key):
            descriptor[key] = result.meta[key]
    descriptor["retrieved"] = retrieved
    descriptor["terms"] = read_definition("import.yaml")["terms"]
    unresolved = []
    for (table_id, row_id), keys in itertools.groupby(result.ambiguous, key=lambda k: k[:2]):
        keys = list(keys)
        table = tmpl.table(table_id)
        cell = ex.cells[keys[0]]
        chosen = " / ".join(ex.cells[(table_id, row_id, c.id)].value for c in table.columns)
        unresolved.append(
            {
                "cells": [".".join(k) for k in keys],
                "note": f"连写数字拆分不唯一：当前取 {chosen}；候选 {shown(cell.candidates)}",
            }
        )
    if unresolved:
        descriptor["unresolved"] = unresolved
    descriptor["resources"] = resources
    (staging / "datapackage.json").write_text(dump_json(descriptor), encoding="utf-8")
    if result.out.exists():
        shutil.rmtree(result.out)
    result.out.parent.mkdir(parents=True, exist_ok=True)
    staging.rename(result.out)
