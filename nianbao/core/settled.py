"""Cells settled against the original: what the import could not determine, read and recorded by a maintainer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nianbao.core.templates import Template

KEYS = {"cells", "values", "printed", "source"}
OPTIONAL_KEYS = {"notes", "note"}


@dataclass(frozen=True)
class Settlement:
    """One entry of datapackage.json `settled`: the values a maintainer read in the original for cells the
    import left uncertain or did not find; `printed` quotes the row as printed, `source` says where it was read."""

    cells: tuple[str, ...]  # table.row.column, as in `unresolved`
    values: tuple[str, ...]  # canonical values, "" for a cell blank in the original
    printed: str
    source: str
    notes: tuple[str, ...] = ()  # per cell, the text printed besides the number (元, 万元), as in notes.csv
    note: str = ""

    def entry(self) -> dict[str, Any]:
        out: dict[str, Any] = {"cells": list(self.cells), "values": list(self.values)}
        if any(self.notes):
            out["notes"] = list(self.notes)
        out["printed"], out["source"] = self.printed, self.source
        if self.note:
            out["note"] = self.note
        return out


def _texts(value: Any, n: int | None = None) -> bool:
    return isinstance(value, list) and all(isinstance(c, str) for c in value) and (n is None or len(value) == n)


def settlement_problem(entry: Any, tmpl: Template | None) -> str | None:
    """What is wrong with a `settled` entry's form, or None (read by the validator and by the importer)."""
    if not isinstance(entry, dict):
        return "应是对象"
    missing, unknown = KEYS - set(entry), set(entry) - KEYS - OPTIONAL_KEYS
    if missing:
        return f"缺少 {'、'.join(sorted(missing))}"
    if unknown:
        return f"有未定义的键 {'、'.join(sorted(unknown))}"
    cells = entry["cells"]
    if not (_texts(cells) and cells and all(c.count(".") == 2 for c in cells)):
        return "cells 应是“表.行.列”的非空列表"
    if len(set(cells)) != len(cells):
        return "cells 中有重复的单元格"
    if tmpl is not None:
        absent = [c for c in cells if not in_template(tmpl, c)]
        if absent:
            return f"cells 中有模板没有的单元格：{'、'.join(absent)}"
    if not _texts(entry["values"], len(cells)):
        return f"values 应是与 cells 一一对应的 {len(cells)} 个数值（原文空白的格为空字符串）"
    for key in ("printed", "source"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            return f"{key} 应是非空文字（printed 照录原文所印的这一行，source 写明读的是哪一份原文、哪个位置）"
    if "notes" in entry and not _texts(entry["notes"], len(cells)):
        return (
            f"notes 应是与 cells 一一对应的 {len(cells)} 段文字（单元格中数值以外所印的文字，如“元”；没有的为空字符串）"
        )
    if "note" in entry and not isinstance(entry["note"], str):
        return "note 应是文字"
    return None


def in_template(tmpl: Template, cell: str) -> bool:
    """Whether `table.row.column` names a cell of the template."""
    table_id, row_id, column = cell.split(".")
    if table_id not in tmpl.table_ids:
        return False
    table = tmpl.table(table_id)
    return row_id in table.row_ids and column in table.column_ids


def settlements(descriptor: Any, tmpl: Template | None) -> list[Settlement]:
    """The well-formed entries of a descriptor's `settled` (the validator reports the others)."""
    entries = descriptor.get("settled") if isinstance(descriptor, dict) else None
    if not isinstance(entries, list):
        return []
    return [
        Settlement(
            tuple(e["cells"]),
            tuple(e["values"]),
            e["printed"],
            e["source"],
            tuple(e.get("notes") or [""] * len(e["cells"])),
            e.get("note", ""),
        )
        for e in entries
        if settlement_problem(e, tmpl) is None
    ]
