"""Problems as data: each with its place, rule id, severity, expected and found; and the report that holds them."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from nianbao.core.rules import rule
from nianbao.core.textfiles import printable

SEVERITY_ZH = {"error": "错误", "warning": "警告"}


@dataclass(frozen=True)
class Problem:
    rule: str
    severity: str  # "error" or "warning"
    message: str  # Chinese, one line
    file: str | None = None
    line: int | None = None
    column: str | None = None  # the CSV field name (or JSON key) the problem is in
    column_number: int | None = None  # 1-based, where the file is a CSV
    expected: str | None = None
    found: str | None = None
    package: str | None = None  # "<agency>/<year>"
    cell: str | None = None  # "table.row.column", where the problem is one template cell
    acknowledged: bool = False  # the publisher's own inconsistency, acknowledged in the package
    note: str | None = None  # the acknowledgement's note

    @property
    def counts_as_error(self) -> bool:
        return self.severity == "error" and not self.acknowledged

    def location(self) -> str:
        parts = [self.file or "-"]
        if self.line is not None:
            parts.append(str(self.line))
        if self.column:
            parts.append(self.column)
        return ":".join(parts)

    def text(self) -> str:
        """One line: `file:line:column: 错误 [R1] message（期望：…；实际：…）`."""
        label = "已确认" if self.acknowledged else SEVERITY_ZH[self.severity]
        detail = []
        if self.expected is not None:
            detail.append(f"期望：{self.expected}")
        if self.found is not None:
            detail.append(f"实际：{self.found}")
        tail = f"（{'；'.join(detail)}）" if detail else ""
        ack = f"〔原报告数据不一致：{self.note}〕" if self.acknowledged and self.note else ""
        # Everything in it may come from data: control characters are escaped, the line stays one line.
        return printable(f"{self.location()}: {label} [{self.rule}] {self.message}{tail}{ack}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def sort_key(self) -> tuple[Any, ...]:
        return (self.file or "", self.line or 0, self.column_number or 0, self.column or "", self.rule, self.message)


@dataclass
class RuleTally:
    """What one rule checked: instances evaluated and how each came out."""

    checked: int = 0
    passed: int = 0
    failed: int = 0
    acknowledged: int = 0
    not_stated: int = 0  # a cell the rule needs is blank in the source

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    def add(self, **counts: int) -> None:
        for key, value in counts.items():
            setattr(self, key, getattr(self, key) + value)


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)  # packages, tables, rows, cells
    rules: dict[str, RuleTally] = field(default_factory=dict)
    # Consistency rules per package ("<agency>/<year>"), for each report's data-quality panel.
    packages: dict[str, dict[str, RuleTally]] = field(default_factory=dict)

    def package_tally(self, package: str, rule: str) -> RuleTally:
        return self.packages.setdefault(package, {}).setdefault(rule, RuleTally())

    def extend(self, problems: list[Problem]) -> None:
        self.problems.extend(problems)

    def tally(self, rule: str) -> RuleTally:
        return self.rules.setdefault(rule, RuleTally())

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.counts_as_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning" and not p.acknowledged]

    @property
    def acknowledged(self) -> list[Problem]:
        return [p for p in self.problems if p.acknowledged]

    @property
    def ok(self) -> bool:
        return not self.errors

    def sorted_problems(self) -> list[Problem]:
        return sorted(self.problems, key=Problem.sort_key)

    def summary(self) -> str:
        c = self.counts
        instances = sum(t.checked for t in self.rules.values())
        not_stated = sum(t.not_stated for t in self.rules.values())
        blank = f"（其中 {not_stated} 次因原文空白无法检验）" if not_stated else ""
        return (
            f"检查了 {c['packages']} 个数据包、{c['tables']} 张表、{c['rows']} 行、{c['cells']} 个单元格，"
            f"{len(self.rules)} 条规则共 {instances} 次检验{blank}："
            f"{len(self.errors)} 个错误，{len(self.warnings)} 个警告，"
            f"{len(self.acknowledged)} 个已确认的原报告数据不一致。"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.ok,
            "summary": self.summary(),
            "counts": {
                **{k: self.counts[k] for k in ("packages", "tables", "rows", "cells")},
                "errors": len(self.errors),
                "warnings": len(self.warnings),
                "acknowledged": len(self.acknowledged),
            },
            "rules": {rule: tally.to_dict() for rule, tally in sorted(self.rules.items())},
            "problems": [p.to_dict() for p in self.sorted_problems()],
        }


def problem(rule_id: str, message: str, severity: str | None = None, *, package: str | None, **where: Any) -> Problem:
    """A problem with the rule's severity (unless given); `package` is required so that no problem of a package
    misses its report page (None only for what belongs to none: the registry, the command line)."""
    return Problem(rule=rule_id, severity=severity or rule(rule_id).severity, message=message, package=package, **where)
