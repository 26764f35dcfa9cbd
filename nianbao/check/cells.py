"""Every template cell of every package as one frame and matrix; R9/R10 cell types, signs and size; package-blank."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from nianbao.check.problems import Problem, problem
from nianbao.core.definitions import read_definition
from nianbao.core.package import Package
from nianbao.core.textfiles import fold_number

_INTEGER = r"-?[0-9]+"


_NUMBER = r"-?[0-9]+(?:\.[0-9]+)?"


MAX_DIGITS = 15


@dataclass
class Cells:
    """Every template cell read from the packages, long form, with where it was read."""

    frame: pd.DataFrame  # pkg, table, row, column, key, raw, line, colnum, type
    values: np.ndarray  # packages × keys, NaN where blank, missing or invalid
    keys: dict[str, int]
    # packages × keys: True where float64 cannot hold the value exactly (more than 15 digits); the rules then
    # compare those cells exactly, from `texts` (the printed values).
    inexact: np.ndarray | None = None
    texts: np.ndarray | None = None


def _read_cells(packages: list[Package]) -> Cells:
    cols: dict[str, list[Any]] = {k: [] for k in ("pkg", "table", "row", "column", "raw", "line", "colnum", "type")}
    context: list[bool] = []
    for index, pkg in enumerate(packages):
        for table_id, data in pkg.tables.items():
            positions = [(c, data.header.index(c.id)) for c in data.table.columns if c.id in data.header]
            row_col = data.header.index("row")
            for line, cells in data.rows:
                row_id = cells[row_col]
                for column, pos in positions:
                    cols["pkg"].append(index)
                    cols["table"].append(table_id)
                    cols["row"].append(row_id)
                    cols["column"].append(column.id)
                    cols["raw"].append(cells[pos])
                    cols["line"].append(line)
                    cols["colnum"].append(pos + 1)
                    cols["type"].append(column.type)
                    context.append(pkg.context)
    frame = pd.DataFrame(cols)
    frame["context"] = context
    frame["key"] = frame["table"] + "." + frame["row"] + "." + frame["column"] if len(frame) else []
    raw = frame["raw"].astype(str)
    blank = raw == ""
    integer = raw.str.fullmatch(_INTEGER)
    number = raw.str.fullmatch(_NUMBER)
    negative = raw.str.startswith("-")
    kind = frame["type"]
    valid = blank | (
        ((kind == "count") & integer & ~negative)
        | ((kind == "change") & integer)
        | ((kind == "money") & number & ~negative)
    )
    # No report counts beyond 15 digits; more would not survive float64 in charts and totals (and is a typo).
    # Such a cell is still a number to the rules, which compare it exactly (`texts`).
    digits = raw.str.count("[0-9]")
    numeric = (valid & ~blank).astype(bool)
    valid &= blank | (digits <= MAX_DIGITS)
    frame["valid"] = valid.astype(bool) if len(frame) else []
    parsed = pd.to_numeric(raw.where(frame["valid"] & ~blank), errors="coerce")
    keys = {k: i for i, k in enumerate(sorted(set(frame["key"])))}
    values = np.full((len(packages), len(keys)), np.nan)
    inexact = np.zeros((len(packages), len(keys)), dtype=bool)
    texts = np.full((len(packages), len(keys)), None, dtype=object)
    if len(frame):
        codes = frame["key"].map(keys).to_numpy()
        rows = frame["pkg"].to_numpy()
        values[rows, codes] = parsed.to_numpy(dtype=float)
        usable = numeric.to_numpy()
        texts[rows[usable], codes[usable]] = raw[usable].to_numpy()
        inexact[rows, codes] = usable & (digits > 13).to_numpy()  # sums of 14+ digits may pass 2**53
    return Cells(frame, values, keys, inexact, texts)


def _check_values(cells: Cells, packages: list[Package]) -> list[Problem]:
    frame = cells.frame
    if not len(frame):
        return []
    bad = frame[~frame["valid"] & ~frame["context"]]
    out = []
    for rec in bad.itertuples(index=False):
        rule_id = "R10" if rec.table.startswith("s2") else "R9"
        message, expected = describe_bad_value(rec.raw, rec.type)
        out.append(
            problem(
                rule_id,
                message,
                file=packages[rec.pkg].tables[rec.table].file,
                line=rec.line,
                column=rec.column,
                column_number=rec.colnum,
                expected=expected,
                found=rec.raw,
                package=packages[rec.pkg].key,
                cell=rec.key,
            )
        )
    return out


def _check_blank(cells: Cells, packages: list[Package]) -> list[Problem]:
    """A package whose every cell is blank: possible (an office that received nothing), but far more often an
    import that found no tables, which the site would publish as a report of nothing."""
    frame = cells.frame
    filled = set(frame.loc[frame["raw"] != "", "pkg"]) if len(frame) else set()
    return [
        problem(
            "package-blank",
            "所有单元格都是空白：请对照原文确认确是如此（常见原因是导入时没有找到表格）",
            file=pkg.file("datapackage.json"),
            expected="至少一个单元格有数值",
            found=f"{int((frame['pkg'] == i).sum()) if len(frame) else 0} 个单元格全部空白",
            package=pkg.key,
        )
        for i, pkg in enumerate(packages)
        if not pkg.context and pkg.tables and i not in filled
    ]


def describe_bad_value(raw: str, kind: str) -> tuple[str, str]:
    """Why a cell is not a valid value of its column type, and what it should be (templates.md §8)."""
    wanted = {"count": "非负整数", "change": "整数（可为负）", "money": "非负数（可带小数）"}[kind]
    pattern = _NUMBER if kind == "money" else _INTEGER
    folded = fold_number(raw)  # exactly what fmt would change, no more
    if folded != raw and re.fullmatch(pattern, folded):
        if fold_number(raw) == raw.strip(" \t\u3000\xa0"):
            return "数值前后有空白；运行 nianbao fmt 可去除", folded
        return "数值含全角数字或符号；运行 nianbao fmt 可转换", folded
    if re.fullmatch(pattern, folded) and sum(c.isdigit() for c in folded) > MAX_DIGITS:
        return f"数值位数过多（{sum(c.isdigit() for c in folded)} 位，上限 {MAX_DIGITS} 位），不像年报中的数", wanted
    if raw.strip() in read_definition("import.yaml")["blank_marks"]:  # what publishers print for "blank"
        return f"原文以“{raw.strip()}”表示空白：单元格应留空，原文写法记入 notes.csv", "空白"
    if re.fullmatch(_NUMBER, folded):
        if folded.startswith("-"):
            return "不得为负数", wanted
        return "应为整数", wanted
    leading = re.match(r"\s*(-?[0-9]+(?:\.[0-9]+)?)(.+)$", folded)
    if leading and re.fullmatch(pattern, leading.group(1)):
        return "单元格含数值以外的文字：数值写在此处，其余文字（单位、括注）记入 notes.csv", leading.group(1)
    return "不是数值", wanted
