"""`nianbao validate`: load every package, run every check, return one report."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

import numpy as np

from nianbao.check.cells import _check_blank, _check_values, _read_cells
from nianbao.check.consistency import _apply_acknowledgements, _check_consistency, _tally_structural
from nianbao.check.discover import discover
from nianbao.check.entries import _check_settled
from nianbao.check.files import load_package
from nianbao.check.metadata import _check_metadata, _check_registries
from nianbao.check.paths import scan
from nianbao.check.problems import Problem, Report, problem
from nianbao.core.definitions import definitions_ok
from nianbao.core.package import Collection, Package


def validate(paths: list[str], today: date | None = None) -> tuple[Report, Collection]:
    """Validate the packages named by `paths`; never raises for bad data (UsageError for bad paths).

    `today` dates the checks that depend on it (a report year not yet ended); by default the date of
    SOURCE_DATE_EPOCH when set (reproducible builds), else the real date."""
    definitions_ok()
    today = today or _today()
    report = Report()
    found, roots = discover(paths)
    problems: list[Problem] = scan(roots, found)
    registry, registry_readable = _check_registries(roots, problems)
    packages: list[Package] = []
    for folder, display, context in found:
        sink: list[Problem] = [] if context else problems
        pkg = load_package(folder, display, context, sink)
        _check_metadata(pkg, registry if roots else None, registry_readable, sink, today)
        if isinstance(pkg.descriptor, dict):
            settled = _check_settled(pkg, pkg.descriptor.get("settled"), pkg.file("datapackage.json"), sink)
            report.counts["settled"] += 0 if context else settled
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
                package=None,  # none was found
            )
        )
    cells = _read_cells(packages)
    problems += _check_values(cells, packages)
    problems += _check_blank(cells, packages)
    consistency = _check_consistency(cells, packages, report)
    problems += _apply_acknowledgements(consistency, packages, report)
    problems = list(dict.fromkeys(problems))  # a linked file is found by the scan and again when read
    report.extend(problems)
    report.counts["packages"] = len(checked)
    report.counts["tables"] = sum(len(p.tables) for p in checked)
    report.counts["rows"] = sum(len(t.rows) for p in checked for t in p.tables.values())
    mask = ~cells.frame["context"].to_numpy() if len(cells.frame) else np.array([], dtype=bool)
    report.counts["cells"] = int(mask.sum())
    _tally_structural(report, checked, cells)
    return report, Collection(packages, roots, cells, registry)


def _today() -> date:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC).date()
    return date.today()
