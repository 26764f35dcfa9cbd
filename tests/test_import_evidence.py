"""The one scalar rule evaluator (core.rules.evaluate) the importer weighs readings with: rules.yaml's equations."""

from __future__ import annotations

from decimal import Decimal

from nianbao.core.rules import Term, equations, evaluate, rule
from nianbao.core.templates import template


def _r4_review(values: dict[str, str | None]):
    eq = next(e for e in equations(rule("R4"), template("V2019")) if e.anchor.column == "review_total")

    def lookup(term: Term) -> Decimal | None:
        value = values.get(term.column)
        return Decimal(value) if value is not None else None

    return evaluate(eq, lookup)


def test_evaluate_is_exact_on_long_integers() -> None:
    """Floats would call 10**20 + 1 = 10**20 + 0 equal; the evaluator compares exactly."""
    parts = {"review_upheld": "100000000000000000000", "review_corrected": "1", "review_other": "0"}
    assert _r4_review({**parts, "review_pending": "0", "review_total": "100000000000000000001"}) is True
    assert _r4_review({**parts, "review_pending": "0", "review_total": "100000000000000000000"}) is False


def test_evaluate_says_not_stated_for_a_blank_cell() -> None:
    assert _r4_review({"review_upheld": "1", "review_corrected": "0", "review_other": "0", "review_total": "1"}) is None


def test_evaluate_inequality_and_previous_year() -> None:
    r8 = next(e for e in equations(rule("R8"), template("V2019")) if e.anchor.row == "normative_docs")
    values = {"total_published": Decimal(48), "new_published": Decimal(52)}
    assert evaluate(r8, lambda t: values[t.column]) is False  # 北杨集镇 2019 as printed
    r5 = next(e for e in equations(rule("R5"), template("V2021")) if e.anchor.column == "total")
    this, prev = {"carried_over": Decimal(3)}, {"carried_forward": Decimal(3)}
    assert evaluate(r5, lambda t: (prev if t.prev else this)[t.row]) is True
