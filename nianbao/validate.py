"""Validate data packages: structure (via load and frictionless), cell values and consistency rules, over all reports at once."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from frictionless import Package as FrictionlessPackage

from nianbao.load import Collection, DataRoot, Package, discover, load_package, load_registry, problem
from nianbao.problems import Problem, Report
from nianbao.rules import Equation, Term, consistency_rules, equations, rule
from nianbao.templates import TEMPLATE_IDS, read_definition, template, template_for_year

_INTEGER = r"-?[0-9]+"
_NUMBER = r"-?[0-9]+(?:\.[0-9]+)?"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_URL = re.compile(r"https?://[^\s]+")
_BLANK_MARKS = {"/", "／", "-", "—", "－", "——", "无", "空"}


@dataclass
class Cells:
    """Every template cell read from the packages, long form, with where it was read."""

    frame: pd.DataFrame  # pkg, table, row, column, key, raw, line, colnum, type
    values: np.ndarray  # packages × keys, NaN where blank, missing or invalid
    keys: dict[str, int]


def validate(paths: list[str]) -> tuple[Report, Collection]:
    """Validate the packages named by `paths`; never raises for bad data (UsageError for bad paths)."""
    report = Report()
    found, roots = discover(paths)
    problems: list[Problem] = []
    registry, registry_readable = _check_registries(roots, problems)
    packages: list[Package] = []
    for folder, display, context in found:
        sink: list[Problem] = [] if context else problems
        pkg = load_package(folder, display, context, sink)
        _check_metadata(pkg, registry if roots else None, registry_readable, sink)
        packages.append(pkg)
    checked = [p for p in packages if not p.context]
    if not checked:
        problems.append(
            problem(
                "no-packages",
                "没有找到任何数据包",
                file=", ".join(paths),
                expected="至少 1 个 reports/<机构>/<年度>/datapackage.json",
                found="0 个",
            )
        )
    cells = _read_cells(packages)
    problems += _check_values(cells, packages)
    consistency = _check_consistency(cells, packages, report)
    problems += _apply_acknowledgements(consistency, packages, report)
    report.extend(problems)
    report.counts["packages"] = len(checked)
    report.counts["tables"] = sum(len(p.tables) for p in checked)
    report.counts["rows"] = sum(len(t.rows) for p in checked for t in p.tables.values())
    mask = ~cells.frame["context"].to_numpy() if len(cells.frame) else np.array([], dtype=bool)
    report.counts["cells"] = int(mask.sum())
    _tally_structural(report, checked, cells)
    return report, Collection(packages, roots, problems, cells, registry)


# Registry ------------------------------------------------------------------------------------


def _check_registries(roots: list[DataRoot], problems: list[Problem]) -> tuple[dict[str, dict[str, str]], bool]:
    """Check agencies.csv against its Table Schema (definitions/agencies.schema.json), in Chinese.

    Returns the agencies and whether every registry could be read (if not, agencies are not checked against it:
    its own error says what is wrong, without one more error per package)."""
    registry: dict[str, dict[str, str]] = {}
    readable = True
    schema = read_definition("agencies.schema.json")
    for root in roots:
        display = str(Path(root.display) / "agencies.csv")
        rows = load_registry(root, problems)
        if rows is None:
            readable = False
            continue
        first_line: dict[str, dict[str, int]] = {}
        for line, row in rows:
            for number, f in enumerate(schema["fields"], start=1):
                value, c = row[f["name"]], f.get("constraints", {})
                where = {"file": display, "line": line, "column": f["name"], "column_number": number}
                bad = None
                if value == "":
                    bad = "不能为空" if c.get("required") else None
                elif "pattern" in c and not re.fullmatch(c["pattern"], value):
                    bad = f"格式不对（{f.get('description', c['pattern'])}）"
                elif "enum" in c and value not in c["enum"]:
                    bad = f"应为 {'、'.join(c['enum'])} 之一"
                elif f.get("format") == "uri" and not _URL.fullmatch(value):
                    bad = "应为 http:// 或 https:// 开头的网址"
                elif c.get("unique"):
                    seen = first_line.setdefault(f["name"], {})
                    if value in seen:
                        bad = f"重复（第 {seen[value]} 行已有）"
                    seen.setdefault(value, line)
                if bad:
                    problems.append(problem("registry", f"机构名录的{f['title']}{bad}", found=value, **where))
            registry.setdefault(row["id"], row)
        for fk in schema.get("foreignKeys", []):
            (column,), (target,) = fk["fields"], fk["reference"]["fields"]
            known = {row[target] for _, row in rows}
            number = [f["name"] for f in schema["fields"]].index(column) + 1
            for line, row in rows:
                if row[column] and row[column] not in known:
                    problems.append(
                        problem(
                            "registry",
                            "机构名录的上级机构不在名录中",
                            file=display,
                            line=line,
                            column=column,
                            column_number=number,
                            found=row[column],
                        )
                    )
    return registry, readable


# Metadata -----------------------------------------------------------------------------------


def _check_metadata(
    pkg: Package, registry: dict[str, dict[str, str]] | None, registry_readable: bool, problems: list[Problem]
) -> None:
    d = pkg.descriptor
    if d is None:
        return
    file = pkg.file("datapackage.json")
    spec = read_definition("package.yaml")
    for f in spec["fields"]:
        name, value = f["name"], d.get(f["name"])
        where = {"file": file, "column": name}
        if value is None:
            if f.get("required"):
                problems.append(problem("descriptor", f"缺少必填的元数据 {name}（{f['title']}）", **where))
            continue
        bad = _bad_metadata_value(f, value)
        if bad:
            problems.append(problem("descriptor", f"元数据 {name}（{f['title']}）{bad}", found=_short(value), **where))
    for note in _frictionless_errors(json.dumps(_frictionless_view(d), sort_keys=True, ensure_ascii=False)):
        problems.append(problem("descriptor", f"不符合 Frictionless 数据包规范：{note}", file=file))
    _check_acknowledgement_form(d.get("acknowledgements"), file, problems)
    _check_unresolved(pkg, d.get("unresolved"), file, problems)
    _check_identity(pkg, file, registry, registry_readable, problems)


def _bad_metadata_value(f: dict[str, Any], value: Any) -> str | None:
    kind = f["type"]
    if kind == "integer":
        return None if isinstance(value, int) and not isinstance(value, bool) else "应为整数"
    if kind in {"acknowledgements", "resources", "unresolved"}:
        return None if isinstance(value, list) else "应为列表"
    if not isinstance(value, str) or not value.strip():
        return "应为非空文字"
    if "enum" in f and value not in f["enum"]:
        return f"应为 {' 或 '.join(f['enum'])} 之一"
    if "pattern" in f and not re.fullmatch(f["pattern"], value):
        return "格式不对（小写 ASCII 字母、数字、连字符）"
    if kind == "date":
        try:
            if _DATE.fullmatch(value):
                date.fromisoformat(value)
                return None
        except ValueError:
            pass
        return "应为 YYYY-MM-DD 格式的日期"
    if kind == "url" and not _URL.fullmatch(value):
        return "应为 http:// 或 https:// 开头的网址"
    return None


@lru_cache(maxsize=256)
def _frictionless_errors(view: str) -> tuple[str, ...]:
    """Frictionless's verdict on a descriptor view; identical views (the usual case) are judged once."""
    report = FrictionlessPackage.validate_descriptor(json.loads(view))
    return tuple(note for (note,) in report.flatten(["note"]))


def _frictionless_view(d: dict[str, Any]) -> dict[str, Any]:
    """What frictionless judges: the Frictionless part of the descriptor.

    Our own metadata (package.yaml) is checked above with Chinese messages, and resource paths by
    load; leaving them out makes the views of all packages alike, so frictionless runs once, not per
    package (it builds a JSON Schema validator on every call: ~9 ms).
    """
    own = {f["name"] for f in read_definition("package.yaml")["fields"]} - {"resources"}
    view = {k: v for k, v in d.items() if k not in own}
    resources = d.get("resources")
    if isinstance(resources, list):
        view["resources"] = [
            {**r, "path": "unsafe.csv"}
            if isinstance(r, dict)
            and isinstance(r.get("path"), str)
            and ("/" in r["path"] or "\\" in r["path"] or r["path"].startswith("."))
            else r
            for r in resources
        ]
    return view


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


def _well_formed(ack: Any) -> bool:
    """An acknowledgement that can be matched against failures (the others are descriptor errors)."""
    return (
        isinstance(ack, dict)
        and set(ack) == {"rule", "cells", "note"}
        and ack["rule"] in {r.id for r in consistency_rules()}
        and isinstance(ack["cells"], list)
        and all(isinstance(c, str) for c in ack["cells"])
        and isinstance(ack["note"], str)
        and bool(ack["note"].strip())
    )


def _check_acknowledgement_form(acks: Any, file: str, problems: list[Problem]) -> None:
    if not isinstance(acks, list):
        return
    ids = {r.id for r in consistency_rules()}
    for i, ack in enumerate(acks):
        where = {"file": file, "column": f"acknowledgements[{i}]"}
        if not isinstance(ack, dict) or set(ack) != {"rule", "cells", "note"}:
            problems.append(
                problem("descriptor", "确认条目应有且只有 rule、cells、note 三项", found=_short(ack), **where)
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
        elif not (isinstance(ack["cells"], list) and ack["cells"] and all(isinstance(c, str) for c in ack["cells"])):
            problems.append(
                problem("descriptor", "确认条目的 cells 应是“表.行.列”的非空列表", found=_short(ack["cells"]), **where)
            )
        elif not isinstance(ack["note"], str) or not ack["note"].strip():
            problems.append(problem("descriptor", "确认条目需要一句说明（note）", **where))


def _check_identity(
    pkg: Package,
    file: str,
    registry: dict[str, dict[str, str]] | None,
    registry_readable: bool,
    problems: list[Problem],
) -> None:
    d = pkg.descriptor or {}
    agency, year = d.get("agency"), d.get("year")
    if pkg.path_agency is not None and isinstance(agency, str) and agency != pkg.path_agency:
        problems.append(
            problem(
                "package-identity",
                "元数据中的机构与路径不一致",
                file=file,
                column="agency",
                expected=pkg.path_agency,
                found=agency,
            )
        )
    if pkg.path_year is not None and isinstance(year, int) and year != pkg.path_year:
        problems.append(
            problem(
                "package-identity",
                "元数据中的年度与路径不一致",
                file=file,
                column="year",
                expected=str(pkg.path_year),
                found=str(year),
            )
        )
    if isinstance(agency, str) and isinstance(year, int) and d.get("name") not in (None, f"{agency}-{year}"):
        problems.append(
            problem(
                "package-identity",
                "数据包名称应为“机构标识-年度”",
                file=file,
                column="name",
                expected=f"{agency}-{year}",
                found=_short(d.get("name")),
            )
        )
    if isinstance(year, int) and d.get("template") in TEMPLATE_IDS:
        due = template_for_year(year)
        if due is None or due.id != d["template"]:
            problems.append(
                problem(
                    "template-year",
                    f"{year} 年度的报告应使用模板 {due.id if due else '（无）'}",
                    file=file,
                    column="template",
                    expected=due.id if due else "无",
                    found=d["template"],
                )
            )
    if registry is None:
        problems.append(
            problem(
                "agency-unknown",
                "找不到机构名录 agencies.csv（数据包不在 reports/<机构>/<年度>/ 下），未检查机构",
                "warning",
                file=file,
                column="agency",
            )
        )
    elif registry_readable and isinstance(agency, str) and agency not in registry:
        problems.append(
            problem("agency-unknown", "机构不在机构名录 agencies.csv 中", file=file, column="agency", found=agency)
        )


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


# Cell values --------------------------------------------------------------------------------


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
    frame["valid"] = valid.astype(bool) if len(frame) else []
    parsed = pd.to_numeric(raw.where(frame["valid"] & ~blank), errors="coerce")
    keys = {k: i for i, k in enumerate(sorted(set(frame["key"])))}
    values = np.full((len(packages), len(keys)), np.nan)
    if len(frame):
        codes = frame["key"].map(keys).to_numpy()
        values[frame["pkg"].to_numpy(), codes] = parsed.to_numpy(dtype=float)
    return Cells(frame, values, keys)


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


def describe_bad_value(raw: str, kind: str) -> tuple[str, str]:
    """Why a cell is not a valid value of its column type, and what it should be (templates.md §8)."""
    wanted = {"count": "非负整数", "change": "整数（可为负）", "money": "非负数（可带小数）"}[kind]
    pattern = _NUMBER if kind == "money" else _INTEGER
    folded = unicodedata.normalize("NFKC", raw).strip().replace("−", "-")
    if folded != raw and re.fullmatch(pattern, folded):
        if raw.strip() != raw and unicodedata.normalize("NFKC", raw.strip()) == raw.strip():
            return "数值前后有空白；运行 nianbao fmt 可去除", folded
        return "数值含全角数字或符号；运行 nianbao fmt 可转换", folded
    if raw.strip() in _BLANK_MARKS:
        return f"原文以“{raw.strip()}”表示空白：单元格应留空，原文写法记入 notes.csv", "空白"
    if re.fullmatch(_NUMBER, folded):
        if folded.startswith("-"):
            return "不得为负数", wanted
        return "应为整数", wanted
    leading = re.match(r"\s*(-?[0-9]+(?:\.[0-9]+)?)(.+)$", folded)
    if leading and re.fullmatch(pattern, leading.group(1)):
        return "单元格含数值以外的文字：数值写在此处，其余文字（单位、括注）记入 notes.csv", leading.group(1)
    return "不是数值", wanted


# Consistency --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    pkg: int
    equation: Equation
    left: float
    right: float


def _check_consistency(cells: Cells, packages: list[Package], report: Report) -> list[Failure]:
    """Evaluate every rule's equations on all packages of its templates at once (vectorised)."""
    n = len(packages)
    template_ids = np.array([p.template.id if p.template else "" for p in packages])
    checked = np.array([not p.context for p in packages], dtype=bool)
    index = {(p.agency, p.year): i for i, p in enumerate(packages)}
    prev = np.array([index.get((p.agency, p.year - 1), -1) if p.year else -1 for p in packages])
    blank_row = np.full(cells.values.shape[1] if cells.values.size else len(cells.keys), np.nan)
    padded = np.vstack([cells.values.reshape(n, len(cells.keys)), blank_row[None, :]])  # row -1 = no package
    failures: list[Failure] = []
    for r in consistency_rules():
        tally = report.tally(r.id)
        per_checked, per_passed, per_blank = np.zeros(n, int), np.zeros(n, int), np.zeros(n, int)
        for tmpl_id in r.templates:
            tmpl = template(tmpl_id)
            applies = checked & (template_ids == tmpl_id)
            if r.cross_year:
                prev_ok = prev >= 0
                applies &= prev_ok
            if not applies.any():
                continue
            for eq in equations(r, tmpl):
                mask = applies.copy()
                if r.cross_year:
                    # The previous year's template must have the cells the equation takes from it.
                    prev_templates = np.where(prev >= 0, template_ids[prev], "")
                    for t in eq.terms:
                        if t.prev:
                            has = {tid: _has_cell(tid, t) for tid in TEMPLATE_IDS}
                            mask &= np.array([has.get(tid, False) for tid in prev_templates])
                if not mask.any():
                    continue
                left = _side(eq.lhs, padded, cells.keys, prev, n)
                right = _side(eq.rhs, padded, cells.keys, prev, n)
                stated = mask & ~np.isnan(left) & ~np.isnan(right)
                holds = np.abs(left - right) < 1e-6 if eq.op == "=" else left >= right - 1e-6
                tally.checked += int(mask.sum())
                tally.not_stated += int((mask & ~stated).sum())
                tally.passed += int((stated & holds).sum())
                per_checked += mask
                per_passed += stated & holds
                per_blank += mask & ~stated
                for i in np.flatnonzero(stated & ~holds):
                    failures.append(Failure(int(i), eq, float(left[i]), float(right[i])))
        for i in np.flatnonzero(per_checked):
            report.package_tally(packages[i].key, r.id).add(
                checked=int(per_checked[i]), passed=int(per_passed[i]), not_stated=int(per_blank[i])
            )
    return failures


def _has_cell(template_id: str, term: Term) -> bool:
    tmpl = template(template_id)
    if term.table not in tmpl.table_ids:
        return False
    table = tmpl.table(term.table)
    return term.row in table.row_ids and term.column in table.column_ids


def _side(terms: tuple[Term, ...], values: np.ndarray, keys: dict[str, int], prev: np.ndarray, n: int) -> np.ndarray:
    total = np.zeros(n)
    rows = np.arange(n)
    for t in terms:
        col = keys.get(t.cell)
        if col is None:
            return np.full(n, np.nan)
        source = prev if t.prev else rows
        total = total + t.sign * values[source, col]
    return total


def _number(x: float) -> str:
    return f"{x:.6f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def _apply_acknowledgements(failures: list[Failure], packages: list[Package], report: Report) -> list[Problem]:
    acks_by_pkg: dict[int, dict[tuple[str, str], tuple[int, str]]] = {}
    for i, pkg in enumerate(packages):
        acks = (pkg.descriptor or {}).get("acknowledgements")
        table: dict[tuple[str, str], tuple[int, str]] = {}
        for n, ack in enumerate(acks if isinstance(acks, list) else []):
            if _well_formed(ack):
                for cell in ack["cells"]:
                    table[(str(ack.get("rule")), str(cell))] = (n, ack["note"])
        acks_by_pkg[i] = table
    used: set[tuple[int, str, str]] = set()
    out = []
    for f in failures:
        pkg = packages[f.pkg]
        r = rule(f.equation.rule)
        anchor = f.equation.anchor
        ack = acks_by_pkg[f.pkg].get((r.id, anchor.cell))
        data = pkg.tables.get(anchor.table)
        op = "≥ " if f.equation.op == ">=" else ""
        where = {
            "file": data.file if data else pkg.file(f"{anchor.table}.csv"),
            "line": data.row_lines.get(anchor.row) if data else None,
            "column": anchor.column,
            "column_number": data.header.index(anchor.column) + 1 if data and anchor.column in data.header else None,
        }
        tally = report.tally(r.id)
        per_package = report.package_tally(pkg.key, r.id)
        if ack:
            used.add((f.pkg, r.id, anchor.cell))
            tally.acknowledged += 1
            per_package.acknowledged += 1
        else:
            tally.failed += 1
            per_package.failed += 1
        out.append(
            Problem(
                rule=r.id,
                severity=r.severity,
                message=f"{r.title}：{f.equation.formula()} 不成立",
                expected=f"{op}{_number(f.right)}",
                found=_number(f.left),
                package=pkg.key,
                cell=anchor.cell,
                acknowledged=ack is not None,
                note=ack[1] if ack else None,
                **where,
            )
        )
    for i, table in acks_by_pkg.items():
        for (rule_id, cell), (n, _note) in sorted(table.items()):
            if (i, rule_id, cell) not in used:
                out.append(
                    problem(
                        "ack-stale",
                        f"确认的不一致并不存在：规则 {rule_id} 在 {cell} 处成立、未涉及或无法检验，请删除这条确认",
                        file=packages[i].file("datapackage.json"),
                        column=f"acknowledgements[{n}]",
                        expected="一条实际不成立的规则",
                        found=f"{rule_id} {cell}",
                        package=packages[i].key,
                    )
                )
    return out


def _tally_structural(report: Report, checked: list[Package], cells: Cells) -> None:
    """Structural checks count what they looked at too: files, packages, tables, rows and cells."""
    files = sum(len(p.resource_files) + 1 for p in checked)
    rows = report.counts["rows"]
    frame = cells.frame[~cells.frame["context"]] if len(cells.frame) else cells.frame
    in_s2 = int(frame["table"].str.startswith("s2").sum()) if len(frame) else 0
    by_rule = {
        "file-encoding": files,
        "file-missing": files,
        "json-syntax": len(checked),
        "descriptor": len(checked),
        "package-identity": len(checked),
        "template-year": len(checked),
        "agency-unknown": len(checked),
        "csv-header": report.counts["tables"],
        "row-unknown": rows,
        "row-label": rows,
        "row-shape": rows,
        "R13": len(checked),
        "R10": in_s2,
        "R9": len(frame) - in_s2,
    }
    failed: dict[str, int] = {}
    for p in report.problems:
        if rule(p.rule).kind == "structural":
            failed[p.rule] = failed.get(p.rule, 0) + 1
    for rule_id, n in by_rule.items():
        tally = report.tally(rule_id)
        tally.checked += n
        tally.failed += failed.get(rule_id, 0)
        tally.passed += max(n - failed.get(rule_id, 0), 0)
