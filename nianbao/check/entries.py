"""Entries a package makes about its own cells: acknowledgements (of the publisher's errors) and unresolved cells."""

from __future__ import annotations

from typing import Any

from nianbao.check.problems import Problem, problem
from nianbao.core.package import Package
from nianbao.core.rules import consistency_rules


def _check_unresolved(pkg: Package, entries: Any, file: str, problems: list[Problem]) -> None:
    """Cells the importer could not determine: an error until a maintainer has checked them against the source."""
    if not isinstance(entries, list):
        return
    for i, entry in enumerate(entries):
        cells = entry.get("cells") if isinstance(entry, dict) else None
        if not isinstance(cells, list) or not all(isinstance(c, str) and c.count(".") == 2 for c in cells):
            problems.append(
                problem(
                    "descriptor",
                    "unresolved 条目应有 cells（“表.行.列”列表）和 note",
                    file=file,
                    column=f"unresolved[{i}]",
                    found=_short(entry),
                )
            )
            continue
        for cell in cells:
            table_id, row_id, column = cell.split(".")
            data = pkg.tables.get(table_id)
            where: dict[str, Any] = {"file": file, "column": f"unresolved[{i}]"}
            if data and row_id in data.row_lines and column in data.header:
                where = {
                    "file": data.file,
                    "line": data.row_lines[row_id],
                    "column": column,
                    "column_number": data.header.index(column) + 1,
                }
            problems.append(
                problem(
                    "import-unresolved",
                    f"导入时未能确定的单元格，须对照原文核对后删去 datapackage.json 中的 unresolved[{i}]",
                    found=str(entry.get("note", "")),
                    package=pkg.key,
                    cell=cell,
                    **where,
                )
            )


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


def _check_acknowledgement_form(acks: Any, file: str, problems: list[Problem]) -> None:
    if not isinstance(acks, list):
        return
    ids = {r.id for r in consistency_rules()}
    for i, ack in enumerate(acks):
        where = {"file": file, "column": f"acknowledgements[{i}]"}
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


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "…"
