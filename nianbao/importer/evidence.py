"""Choose among readings of run-together rows by the rules: this year's, and cross-year against data/'s neighbours."""

# Evaluated by core.rules.evaluate, exactly as the validator reads the same rules.

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from nianbao.check.files import load_package
from nianbao.core.rules import Equation, Rule, Term, consistency_rules, equations, evaluate
from nianbao.core.templates import Template
from nianbao.importer.splits import Splits

Key = tuple[str, str, str]  # (table, row, column)
Values = dict[Key, str]  # printed values only: a blank, unseen or uncertain cell is absent


@dataclass
class Pending:
    """A row whose digits ran together, with the readings still possible."""

    table: str
    row: str
    columns: list[str]
    where: str
    printed: str  # the digits as printed, for the note
    splits: Splits
    kinds: list[str]  # the columns' types (count, money…)
    texts: list[str]  # the digit strings as printed, in order
    decided_by: set[str] = field(default_factory=set)  # rule ids that removed readings
    confirmed_by: set[str] = field(default_factory=set)  # error rules the one reading left is checked by and meets
    note: str = ""  # a unit printed after the run (元), for the last cell

    def keys(self) -> list[Key]:
        return [(self.table, self.row, c) for c in self.columns]


@dataclass
class Year:
    """A neighbouring year's package in data/: its template and printed values."""

    template: Template
    values: Values


def neighbours(data_dir: Path | None, agency: str, year: int) -> dict[int, Year]:
    """The same agency's previous and next years in data/, read with the validator's loader."""
    out: dict[int, Year] = {}
    if data_dir is None:
        return out
    for y in (year - 1, year + 1):
        folder = data_dir / "reports" / agency / str(y)
        if folder.is_symlink() or not (folder / "datapackage.json").is_file():
            continue
        pkg = load_package(folder, str(folder), True, [])
        if pkg.template is None:
            continue
        unresolved = {
            tuple(c.split("."))
            for e in (pkg.descriptor or {}).get("unresolved") or []
            if isinstance(e, dict)
            for c in e.get("cells") or []
            if isinstance(c, str)
        }
        values: Values = {}
        for table_id, data in pkg.tables.items():
            for _, cells in data.rows:
                row = dict(zip(data.header, cells, strict=False))
                for column in data.table.column_ids:
                    key = (table_id, row.get("row", ""), column)
                    if row.get(column) and key not in unresolved:
                        values[key] = row[column]
        out[y] = Year(pkg.template, values)
    return out


@dataclass
class _Check:
    rule: Rule
    equation: Equation
    side: Callable[[Term], str]  # which year a term reads: "this", "prev" or "next"
    touches: set[Key]  # this year's cells it reads


def _checks(tmpl: Template, year: int, years: dict[int, Year]) -> list[_Check]:
    out = []
    for r in consistency_rules():
        if tmpl.id in r.templates and (not r.cross_year or year - 1 in years):
            for eq in equations(r, tmpl):
                cur = {(t.table, t.row, t.column) for t in eq.terms if not t.prev}
                out.append(_Check(r, eq, lambda t: "prev" if t.prev else "this", cur))
        nxt = years.get(year + 1)
        if r.cross_year and nxt and nxt.template.id in r.templates:
            for eq in equations(r, nxt.template):
                cur = {(t.table, t.row, t.column) for t in eq.terms if t.prev}
                out.append(_Check(r, eq, lambda t: "this" if t.prev else "next", cur))
    return out


def _number(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def resolve(tmpl: Template, values: Values, pending: list[Pending], year: int, years: dict[int, Year]) -> None:
    """Narrow each pending row's readings, repeating while a settled row settles another.

    The template's error rules (R1–R4) remove a reading that breaks them (unless every reading does: the
    publisher's own error then leaves them all). The warning rules (R5–R8) only decide when exactly one reading
    meets them. A row is settled when one reading is left; `values` then gets its cells.
    """
    checks = _checks(tmpl, year, years)
    tables = {"prev": years[year - 1].values if year - 1 in years else {}}
    tables["next"] = years[year + 1].values if year + 1 in years else {}
    for p in pending:
        if len(p.splits.readings) == 1 and p.splits.complete:
            values.update(zip(p.keys(), p.splits.readings[0], strict=True))
    changed = True
    while changed:
        changed = False
        for p in pending:
            if len(p.splits.readings) < 2 and p.splits.complete:
                continue
            keys = set(p.keys())
            relevant = [c for c in checks if c.touches & keys]
            pairs = [(r, _verdict(relevant, values, tables, p, r)[:2]) for r in p.splits.readings]
            kept = [(r, v) for r, v in pairs if not v[0]]
            if kept and len(kept) < len(pairs):
                p.decided_by |= {rid for _, (hard, _) in pairs for rid in hard}
                pairs = kept
                changed = True
            agreeing = [(r, v) for r, v in pairs if not v[0] and not v[1]]
            if len(pairs) > 1 and len(agreeing) == 1 and p.splits.complete:
                p.decided_by |= {rid for _, (_, soft) in pairs for rid in soft}
                pairs = agreeing
                changed = True
            p.splits.readings = [r for r, _ in pairs]
            if len(p.splits.readings) == 1 and p.splits.complete:
                values.update(zip(p.keys(), p.splits.readings[0], strict=True))
    for p in pending:
        if len(p.splits.readings) == 1 and p.splits.complete:
            relevant = [c for c in checks if c.touches & set(p.keys()) and c.rule.severity == "error"]
            p.confirmed_by = _verdict(relevant, values, tables, p, p.splits.readings[0])[2]


def _verdict(
    checks: list[_Check], values: Values, tables: dict[str, Values], p: Pending, reading: tuple[str, ...]
) -> tuple[set[str], set[str], set[str]]:
    """The error rules and the warning rules this reading breaks, and the error rules it meets."""
    trial = {**values, **dict(zip(p.keys(), reading, strict=True))}
    hard: set[str] = set()
    soft: set[str] = set()
    held: set[str] = set()
    for c in checks:

        def lookup(t: Term, c: _Check = c) -> Decimal | None:
            source = trial if c.side(t) == "this" else tables[c.side(t)]
            return _number(source.get((t.table, t.row, t.column)))

        verdict = evaluate(c.equation, lookup)
        if verdict is False:
            (hard if c.rule.severity == "error" else soft).add(c.rule.id)
        elif verdict and c.rule.severity == "error":
            held.add(c.rule.id)
    return hard, soft, held
