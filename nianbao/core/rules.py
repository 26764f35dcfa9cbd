"""The validation rules, read from definitions/rules.yaml, and the cell equations they expand to."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from itertools import product
from typing import Any

from nianbao.core.definitions import read_definition
from nianbao.core.templates import Template

_LIST_OF = re.compile(r"(columns|rows)\((\w+)\)")


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    kind: str  # "consistency" or "structural"
    basis: str | None = None
    templates: tuple[str, ...] = ()
    cross_year: bool = False
    spec: dict[str, Any] | None = None


@dataclass(frozen=True)
class Term:
    """One cell in an equation: sign × the value of table.row.column (of the previous year if `prev`)."""

    table: str
    row: str
    column: str
    sign: int = 1
    prev: bool = False

    @property
    def cell(self) -> str:
        return f"{self.table}.{self.row}.{self.column}"

    def text(self) -> str:
        return f"{'上年' if self.prev else ''}{self.cell}"


@dataclass(frozen=True)
class Equation:
    """One instance of a rule for one binding of its variables: sum(lhs) op sum(rhs)."""

    rule: str
    anchor: Term  # the cell a failure is reported at (and acknowledged by)
    lhs: tuple[Term, ...]
    rhs: tuple[Term, ...]
    op: str  # "=" or ">="
    text: str  # the formula as written in rules.yaml, variables bound: sets stay named (@results)

    @property
    def terms(self) -> tuple[Term, ...]:
        return self.lhs + self.rhs

    def holds(self, value: Callable[[Term], object]) -> bool | None:
        """`evaluate` for a lookup that gives printed numbers (text, int): each read exactly, as Decimal(str(v))."""
        return evaluate(self, lambda term: None if (v := value(term)) is None else Decimal(str(v)))


@cache
def all_rules() -> tuple[Rule, ...]:
    return rules_from(read_definition("rules.yaml"))


def rules_from(raw: dict[str, Any]) -> tuple[Rule, ...]:
    """The rules from rules.yaml's content (core.definitions checks its shape with this)."""
    rules = [
        Rule(
            id=r["id"],
            title=r["title"],
            severity=r["severity"],
            kind="consistency",
            basis=r.get("basis"),
            templates=tuple(r["templates"]),
            cross_year=r.get("cross_year", False),
            spec=r,
        )
        for r in raw["consistency"]
    ]
    rules += [Rule(id=r["id"], title=r["title"], severity=r["severity"], kind="structural") for r in raw["structural"]]
    return tuple(rules)


@cache
def rule(rule_id: str) -> Rule:
    found = next((r for r in all_rules() if r.id == rule_id), None)
    if found is None:
        from nianbao.core.definitions import DefinitionError

        raise DefinitionError(f"definitions/rules.yaml：没有规则 {rule_id}（程序引用了它）")
    return found


def consistency_rules() -> list[Rule]:
    return [r for r in all_rules() if r.kind == "consistency"]


def _values(spec: Any, tmpl: Template) -> list[str]:
    if isinstance(spec, list):
        return [str(v) for v in spec]
    match = _LIST_OF.fullmatch(spec)
    if not match:
        raise ValueError(f"bad for_each value {spec!r}")
    table = tmpl.table(match.group(2))
    return list(table.column_ids if match.group(1) == "columns" else table.row_ids)


def _terms(text: str, tmpl: Template) -> list[Term]:
    sign, prev = 1, False
    if text.startswith("-"):
        sign, text = -1, text[1:]
    if text.startswith("prev:"):
        prev, text = True, text[5:]
    table_id, row, column = text.split(".")
    table = tmpl.table(table_id)
    rows = list(table.row_sets[row[1:]]) if row.startswith("@") else [row]
    columns = list(table.column_sets[column[1:]]) if column.startswith("@") else [column]
    return [Term(table_id, r, c, sign, prev) for r in rows for c in columns]


def _side(items: list[str], env: dict[str, str] | None) -> str:
    """Readable side of a formula: prev: becomes 上年, a named set becomes Σ(…); unbound variables stay {c}."""
    out = ""
    for i, item in enumerate(items):
        text = item.format(**env) if env is not None else item
        sign = " − " if text.startswith("-") else " + " if i else ""
        text = text.lstrip("-")
        prev = text.startswith("prev:")
        text = ("上年" if prev else "") + text.removeprefix("prev:")
        out += sign + (f"Σ({text})" if "@" in text else text)
    return out


def equations(r: Rule, tmpl: Template) -> list[Equation]:
    """The rule's equations for one template, one per binding of its `for_each` variables.

    A binding that names a cell the template lacks (the optional group row `other` of V2021)
    gives no equation.
    """
    spec = r.spec or {}
    names = list(spec.get("for_each", {}))
    choices = [_values(spec["for_each"][n], tmpl) for n in names]
    out = []
    for binding in product(*choices):
        env = dict(zip(names, binding, strict=True))

        def expand(items: list[str], env: dict[str, str] = env) -> tuple[Term, ...]:
            return tuple(t for item in items for t in _terms(item.format(**env), tmpl))

        lhs, rhs = expand(spec["lhs"]), expand(spec["rhs"])
        anchor = expand([spec["anchor"]])[0] if "anchor" in spec else lhs[0]
        if any(tmpl.table(t.table).row(t.row).optional for t in (*lhs, *rhs)):
            continue
        out.append(Equation(r.id, anchor, lhs, rhs, spec.get("op", "="), formula_text(r, env)))
    return out


def formula_text(r: Rule, env: dict[str, str] | None = None) -> str:
    """The rule's formula in the one notation of messages and the /rules/ page (上年…, Σ(@set)); `env` binds
    the `for_each` variables, or leaves them as {c} when None."""
    spec = r.spec or {}
    op = "≥" if spec.get("op") == ">=" else "="
    return f"{_side(spec['lhs'], env)} {op} {_side(spec['rhs'], env)}"


def evaluate(equation: Equation, lookup: Callable[[Term], Decimal | None]) -> bool | None:
    """Whether one equation holds, in exact decimal arithmetic; None when a cell it needs is not stated.

    `lookup` gives a term's value (the previous year's for a `prev` term) or None for a blank or unknown cell.
    """
    sides = []
    for terms in (equation.lhs, equation.rhs):
        total = Decimal(0)
        for term in terms:
            value = lookup(term)
            if value is None:
                return None
            total += term.sign * value
        sides.append(total)
    return sides[0] == sides[1] if equation.op == "=" else sides[0] >= sides[1]
