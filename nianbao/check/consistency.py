"""R1-R8 evaluated vectorised over all packages (exactly where float64 is not); acknowledgements, ack-stale; tallies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from nianbao.check.cells import Cells
from nianbao.check.entries import _well_formed
from nianbao.check.problems import Problem, Report, problem
from nianbao.core.package import Package
from nianbao.core.rules import Equation, Term, consistency_rules, equations, rule
from nianbao.core.templates import TEMPLATE_IDS, template


@dataclass(frozen=True)
class Failure:
    pkg: int
    equation: Equation
    left: Fraction
    right: Fraction


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
                with np.errstate(invalid="ignore"):
                    holds = np.abs(left - right) < 1e-6 if eq.op == "=" else left >= right - 1e-6
                # Beyond 15 digits float64 is not exact (20-digit counts off by one would pass): compare exactly.
                for i in np.flatnonzero(mask & _any_inexact(eq, cells, prev, n)):
                    stated[i] = _present(eq.terms, cells, prev, i)
                    if stated[i]:
                        lx, rx = _exact(eq.lhs, cells, prev, i), _exact(eq.rhs, cells, prev, i)
                        holds[i] = lx == rx if eq.op == "=" else lx >= rx
                tally.checked += int(mask.sum())
                tally.not_stated += int((mask & ~stated).sum())
                tally.passed += int((stated & holds).sum())
                per_checked += mask
                per_passed += stated & holds
                per_blank += mask & ~stated
                for i in np.flatnonzero(stated & ~holds):
                    failures.append(Failure(int(i), eq, _exact(eq.lhs, cells, prev, i), _exact(eq.rhs, cells, prev, i)))
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


def _any_inexact(eq: Equation, cells: Cells, prev: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    if cells.inexact is None or not cells.inexact.any():
        return out
    for t in eq.terms:
        col = cells.keys.get(t.cell)
        if col is not None:
            source = prev if t.prev else np.arange(n)
            out |= np.where(source >= 0, cells.inexact[source, col], False)
    return out


def _present(terms: tuple[Term, ...], cells: Cells, prev: np.ndarray, i: int) -> bool:
    rows = [int(prev[i]) if t.prev else int(i) for t in terms]
    return all(
        r >= 0 and t.cell in cells.keys and cells.texts is not None and cells.texts[r, cells.keys[t.cell]]
        for r, t in zip(rows, terms, strict=True)
    )


def _exact(terms: tuple[Term, ...], cells: Cells, prev: np.ndarray, i: int) -> Fraction:
    """A side of an equation for one package, in exact arithmetic from the printed values."""
    total = Fraction(0)
    for t in terms:
        row = int(prev[i]) if t.prev else int(i)
        text = cells.texts[row, cells.keys[t.cell]] if cells.texts is not None else None
        total += t.sign * Fraction(text) if text else 0
    return total


def _number(x: Fraction) -> str:
    """A sum as it would be printed: an integer, or a decimal with as many places as it needs."""
    if x.denominator == 1:
        return str(x.numerator)
    places = 1
    while (x * 10**places).denominator != 1 and places < 12:
        places += 1
    return f"{float(x):.{places}f}" if abs(x) < 10**15 else str(x)


@dataclass(frozen=True)
class Ack:
    index: int  # in `acknowledgements`
    note: str
    expected: str | None  # the values acknowledged; None in an entry written before they were recorded
    found: str | None


def _acknowledgements(pkg: Package) -> dict[tuple[str, str], Ack]:
    acks = (pkg.descriptor or {}).get("acknowledgements")
    out: dict[tuple[str, str], Ack] = {}
    for n, ack in enumerate(acks if isinstance(acks, list) else []):
        if _well_formed(ack):
            for k, cell in enumerate(ack["cells"]):
                values = (ack["expected"][k], ack["found"][k]) if "expected" in ack else (None, None)
                out[(str(ack["rule"]), str(cell))] = Ack(n, ack["note"], *values)
    return out


def _apply_acknowledgements(failures: list[Failure], packages: list[Package], report: Report) -> list[Problem]:
    """Mark failures a package acknowledges, with the very values acknowledged: when a value changes the
    acknowledgement no longer covers it (ack-stale), and the failure counts again."""
    acks_by_pkg = {i: _acknowledgements(pkg) for i, pkg in enumerate(packages)}
    used: set[tuple[int, str, str]] = set()
    out = []
    missing_values: dict[tuple[int, int], list[tuple[str, str, str]]] = {}
    for f in failures:
        pkg = packages[f.pkg]
        r = rule(f.equation.rule)
        anchor = f.equation.anchor
        ack = acks_by_pkg[f.pkg].get((r.id, anchor.cell))
        data = pkg.tables.get(anchor.table)
        op = "≥ " if f.equation.op == ">=" else ""
        expected, found = f"{op}{_number(f.right)}", _number(f.left)
        where = {
            "file": data.file if data else pkg.file(f"{anchor.table}.csv"),
            "line": data.row_lines.get(anchor.row) if data else None,
            "column": anchor.column,
            "column_number": data.header.index(anchor.column) + 1 if data and anchor.column in data.header else None,
        }
        if ack:
            used.add((f.pkg, r.id, anchor.cell))
            if ack.expected is None:
                missing_values.setdefault((f.pkg, ack.index), []).append((anchor.cell, expected, found))
            elif (ack.expected, ack.found) != (expected, found):
                out.append(
                    problem(
                        "ack-stale",
                        f"确认时规则 {r.id} 在 {anchor.cell} 处期望 {ack.expected}、实际 {ack.found}，数值已变："
                        "请对照原文核对，再更新或删除这条确认",
                        file=pkg.file("datapackage.json"),
                        column=f"acknowledgements[{ack.index}]",
                        expected=f"期望 {ack.expected}、实际 {ack.found}（确认时）",
                        found=f"期望 {expected}、实际 {found}（现在）",
                        package=pkg.key,
                        cell=anchor.cell,
                    )
                )
                ack = None
        tally = report.tally(r.id)
        per_package = report.package_tally(pkg.key, r.id)
        if ack:
            tally.acknowledged += 1
            per_package.acknowledged += 1
        else:
            tally.failed += 1
            per_package.failed += 1
        out.append(
            Problem(
                rule=r.id,
                severity=r.severity,
                message=f"{r.title}：{f.equation.text} 不成立",
                expected=expected,
                found=found,
                package=pkg.key,
                cell=anchor.cell,
                acknowledged=ack is not None,
                note=ack.note if ack else None,
                **where,
            )
        )
    for (i, n), values in sorted(missing_values.items()):
        cells = (packages[i].descriptor or {})["acknowledgements"][n]["cells"]
        by_cell = {cell: (e, f) for cell, e, f in values}
        exp = [by_cell.get(c, ("?", "?"))[0] for c in cells]
        fnd = [by_cell.get(c, ("?", "?"))[1] for c in cells]
        out.append(
            problem(
                "ack-stale",
                "确认条目须记下所确认的数值，数值一变即失效：照此加上 expected 和 found",
                file=packages[i].file("datapackage.json"),
                column=f"acknowledgements[{n}]",
                expected=f'"expected": {json.dumps(exp, ensure_ascii=False)}, "found": {json.dumps(fnd, ensure_ascii=False)}',
                found="无",
                package=packages[i].key,
            )
        )
    for i, table in acks_by_pkg.items():
        for (rule_id, cell), ack in sorted(table.items()):
            if (i, rule_id, cell) not in used:
                out.append(
                    problem(
                        "ack-stale",
                        f"确认的不一致并不存在：规则 {rule_id} 在 {cell} 处成立、未涉及或无法检验，请删除这条确认",
                        file=packages[i].file("datapackage.json"),
                        column=f"acknowledgements[{ack.index}]",
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
        "file-symlink": files,
        "file-name": files,
        "json-syntax": len(checked),
        "descriptor": len(checked),
        "package-identity": len(checked),
        "template-year": len(checked),
        "package-dates": len(checked),
        "package-blank": len(checked),
        "agency-unknown": len(checked),
        "csv-header": report.counts["tables"],
        "row-unknown": rows,
        "row-label": rows,
        "row-shape": rows,
        "R13": len(checked),
        "import-settled": report.counts["settled"],  # cells settled against the original, each compared
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
