"""Entries a package makes about its own cells: acknowledgements (form), unresolved and settled cells (import-*)."""

from __future__ import annotations

from typing import Any

from nianbao.check.problems import Problem, problem
from nianbao.core.package import Package, unresolved_cells
from nianbao.core.rules import consistency_rules
from nianbao.core.settled import in_template, settlement_problem, settlements

ACK_KEYS = {"rule", "cells", "expected", "found", "note"}
_LEGACY_ACK_KEYS = {"rule", "cells", "note"}  # without the values: matched, and reported with the values to add


def _texts(value: Any, n: int | None = None) -> bool:
    return isinstance(value, list) and all(isinstance(c, str) for c in value) and (n is None or len(value) == n)


def _well_formed(ack: Any) -> bool:
    """An acknowledgement that can be matched against failures (the others are descriptor errors)."""
    return (
        isinstance(ack, dict)
        and set(ack) in (ACK_KEYS, _LEGACY_ACK_KEYS)
        and ack["rule"] in {r.id for r in consistency_rules()}
        and _texts(ack["cells"])
        and bool(ack["cells"])
        and (
            set(ack) == _LEGACY_ACK_KEYS
            or (_texts(ack["expected"], len(ack["cells"])) and _texts(ack["found"], len(ack["cells"])))
        )
        and isinstance(ack["note"], str)
        and bool(ack["note"].strip())
    )


def _check_acknowledgement_form(acks: Any, file: str, problems: list[Problem], package: str | None) -> None:
    if not isinstance(acks, list):
        return
    ids = {r.id for r in consistency_rules()}
    for i, ack in enumerate(acks):
        where = {"file": file, "column": f"acknowledgements[{i}]", "package": package}
        if not isinstance(ack, dict) or set(ack) not in (ACK_KEYS, _LEGACY_ACK_KEYS):
            problems.append(
                problem(
                    "descriptor",
                    "确认条目应有且只有 rule、cells、expected、found、note 五项",
                    found=_short(ack),
                    **where,
                )
            )
        elif ack["rule"] not in ids:
            problems.append(
                problem(
                    "descriptor",
                    "只能确认一致性规则（原报告本身的数据不一致）",
                    expected=" ".join(sorted(ids)),
                    found=_short(ack["rule"]),
                    **where,
                )
            )
        elif not (_texts(ack["cells"]) and ack["cells"]):
            problems.append(
                problem("descriptor", "确认条目的 cells 应是“表.行.列”的非空列表", found=_short(ack["cells"]), **where)
            )
        elif "expected" in ack and not (
            _texts(ack["expected"], len(ack["cells"])) and _texts(ack["found"], len(ack["cells"]))
        ):
            problems.append(
                problem(
                    "descriptor",
                    "确认条目的 expected、found 应是与 cells 一一对应的文字列表（校验报告中的“期望”“实际”）",
                    expected=f"各 {len(ack['cells'])} 项",
                    found=_short({"expected": ack["expected"], "found": ack["found"]}),
                    **where,
                )
            )
        elif not isinstance(ack["note"], str) or not ack["note"].strip():
            problems.append(problem("descriptor", "确认条目需要一句说明（note）", **where))


UNRESOLVED_STATUS = {"not-found": "原文中没有找到", "uncertain": "原文有多种读法"}


def _unresolved_shape(pkg: Package, entry: Any) -> str | None:
    """What is wrong with an unresolved entry's form (the contract of issue 9), or None."""
    if not isinstance(entry, dict):
        return "应是对象"
    unknown = set(entry) - {"cells", "status", "note", "candidates", "source"}
    if unknown:
        return f"有未定义的键 {'、'.join(sorted(unknown))}"
    cells = entry.get("cells")
    if not (_texts(cells) and cells and all(c.count(".") == 2 for c in cells)):
        return "cells 应是“表.行.列”的非空列表"
    if pkg.template and not all(_in_template(pkg, c) for c in cells):
        return f"cells 中有模板没有的单元格：{'、'.join(c for c in cells if not _in_template(pkg, c))}"
    if "status" not in entry and set(entry) == {"cells", "note"}:
        return None  # a draft of the importer before issue 9 (no status): still an error per cell, below
    if entry.get("status") not in UNRESOLVED_STATUS:
        return "status 应为 not-found（原文中没有找到）或 uncertain（有多种读法）"
    if not isinstance(entry.get("note"), str) or not entry["note"].strip():
        return "需要一句说明（note）"
    if "source" in entry and not isinstance(entry["source"], str):
        return "source 应是原文中的位置（文字，如“第 123 行”）"
    candidates = entry.get("candidates")
    if entry["status"] == "not-found" and candidates is not None:
        return "not-found 的条目没有候选读法（candidates 只用于 uncertain）"
    if entry["status"] == "uncertain" and not (
        isinstance(candidates, list) and len(candidates) >= 2 and all(_texts(c, len(cells)) for c in candidates)
    ):
        return f"uncertain 的条目应有至少两种候选读法（candidates），每种是与 cells 对应的 {len(cells)} 个数"
    return None


def _in_template(pkg: Package, cell: str) -> bool:
    return pkg.template is not None and in_template(pkg.template, cell)


def _check_unresolved(pkg: Package, entries: Any, file: str, problems: list[Problem]) -> None:
    """Cells the importer could not determine (not found, or several readings): each one an error until a
    maintainer has read the original, entered the value and moved the entry to `settled` (CONTRIBUTING.md)."""
    if not isinstance(entries, list):
        return
    for i, entry in enumerate(entries):
        bad = _unresolved_shape(pkg, entry)
        if bad:
            problems.append(_entry_problem(pkg, file, f"unresolved[{i}]", bad, entry, UNRESOLVED_FORM))
            continue
        for k, cell in enumerate(entry["cells"]):
            place, found = _cell_place(pkg, cell)
            where: dict[str, Any] = place or {"file": file, "column": f"unresolved[{i}]"}  # package= given below
            value = found or ""
            status = entry.get("status", "uncertain")
            readings = "、".join(dict.fromkeys(c[k] or "空白" for c in entry.get("candidates") or []))
            place = f"；原文位置：{entry['source']}" if entry.get("source") else ""
            if value:
                message = f"标为导入时未能确定，却填了数值：未能确定的单元格应留空（unresolved[{i}]）"
            else:
                message = (
                    f"导入时未能确定（{UNRESOLVED_STATUS[status]}）：{entry['note']}"
                    + (f"；候选读法：{readings}" if readings else "")
                    + f"{place}。须对照原文填入数值，再把 datapackage.json 中的 unresolved[{i}] 移到 settled（见 CONTRIBUTING.md）"
                )
            problems.append(
                problem(
                    "import-unresolved",
                    message,
                    expected="对照原文填入的数值",
                    found=value or status,
                    package=pkg.key,
                    cell=cell,
                    **where,
                )
            )


UNRESOLVED_FORM = '{"cells": […], "status": "not-found" 或 "uncertain", "note": …, "candidates": […], "source": …}'
SETTLED_FORM = '{"cells": […], "values": […], "printed": 原文所印, "source": 读的是哪份原文、哪个位置}'


def _entry_problem(pkg: Package, file: str, column: str, bad: str, entry: Any, form: str) -> Problem:
    """A malformed `unresolved` or `settled` entry (`column` names it, e.g. settled[0])."""
    kind = column.split("[")[0]
    return problem(
        "descriptor",
        f"{kind} 条目：{bad}",
        file=file,
        column=column,
        expected=form,
        found=_short(entry),
        package=pkg.key,
    )


def _cell_place(pkg: Package, cell: str) -> tuple[dict[str, Any], str | None]:
    """The CSV position of a template cell and its value there (None when the table or row is missing)."""
    table_id, row_id, column = cell.split(".")
    data = pkg.tables.get(table_id)
    if not (data and row_id in data.row_lines and column in data.header):
        return {}, None
    place = {"file": data.file, "line": data.row_lines[row_id], "column": column}
    place["column_number"] = data.header.index(column) + 1
    row = next((c for _, c in data.rows if c[data.header.index("row")] == row_id), None)
    return place, (row[data.header.index(column)] if row else None)


def _check_settled(pkg: Package, entries: Any, file: str, problems: list[Problem]) -> int:
    """Cells a maintainer settled against the original (`settled`): each entry well formed, naming no cell still
    listed as unresolved, and holding the very values of the tables. Returns the number of cells compared."""
    if not isinstance(entries, list):
        return 0
    unresolved = {".".join(key) for key in unresolved_cells(pkg)}
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        bad = settlement_problem(entry, pkg.template)
        both = sorted((set(entry["cells"]) & (unresolved | seen)) if bad is None else set())
        if bad is None and both:
            bad = f"{'、'.join(both)} 已列在 unresolved 或前面的 settled 条目中：一个单元格只核定一次"
        if bad is None:
            seen.update(entry["cells"])
            continue
        problems.append(_entry_problem(pkg, file, f"settled[{i}]", bad, entry, SETTLED_FORM))
    compared = 0
    notes = {(n["table"], n["row"], n["column"]): n["note"] for _, n in pkg.notes}
    for i, s in enumerate(settlements(pkg.descriptor, pkg.template)):
        for cell, value, note in zip(s.cells, s.values, s.notes, strict=True):
            place, found = _cell_place(pkg, cell)
            if found is None:
                continue  # a missing table or row is reported by R13
            compared += 1
            kept = notes.get(tuple(cell.split(".")), "")
            if note and kept != note:
                problems.append(
                    problem(
                        "import-settled",
                        f"notes.csv 中这一格的说明与 settled[{i}] 按原文核定的不同（原文所印：{s.printed}）",
                        expected=note,
                        found=kept or "无",
                        package=pkg.key,
                        cell=cell,
                        **place,
                    )
                )
            if found != value:
                problems.append(
                    problem(
                        "import-settled",
                        f"表中数值与 settled[{i}] 按原文核定的不同（原文所印：{s.printed}；{s.source}）",
                        expected=value or "空白",
                        found=found or "空白",
                        package=pkg.key,
                        cell=cell,
                        **place,
                    )
                )
    return compared


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "…"
