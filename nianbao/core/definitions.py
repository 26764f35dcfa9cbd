"""The definition files (templates, rules, package, site, import) read once from definitions/."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

import yaml

from nianbao.errors import UsageError

DEFINITIONS = resources.files("nianbao") / "definitions"

_SEVERITIES = {"error", "warning"}
_COLUMN_TYPES = {"count", "change", "money"}


class DefinitionError(UsageError):
    """A definition file (rules.yaml, a template) that does not hold together: the program cannot run on it."""


@cache
def read_definition(name: str) -> Any:
    """Parse one file of definitions/ (YAML or JSON), once; callers must not modify the result."""
    text = (DEFINITIONS / name).read_text(encoding="utf-8")
    return json.loads(text) if name.endswith(".json") else yaml.safe_load(text)


@cache
def agency_id() -> re.Pattern[str]:
    """The agency-id pattern, defined once (agencies.schema.json): folder names, URLs, metadata, `import --agency`."""
    field = next(f for f in read_definition("agencies.schema.json")["fields"] if f["name"] == "id")
    return re.compile(field["constraints"]["pattern"])


def _problem(exc: BaseException) -> str:
    text = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
    return f"{type(exc).__name__}: {text}" if text else f"{type(exc).__name__}（引用了不存在的项）"


def check_definitions(read: Callable[[str], Any] = read_definition) -> list[str]:
    """The definitions' own shape, each fault located (file: place: what), so that a typo in rules.yaml or a
    template reads as a message, not as a KeyError deep in a check. `read` is replaceable for tests."""
    from nianbao.core.rules import equations, rules_from
    from nianbao.core.templates import TEMPLATE_IDS, template_from

    out: list[str] = []
    built = {}
    for tid in TEMPLATE_IDS:
        file, raw = f"definitions/{tid}.yaml", read(f"{tid}.yaml")
        sections = {s.get("id") for s in raw.get("sections", []) if isinstance(s, dict)}
        for i, t in enumerate(raw.get("tables") or []):
            where = f"{file}: tables[{i}]（{t.get('id') if isinstance(t, dict) else '?'}）"
            if not isinstance(t, dict) or not {"id", "section", "caption", "columns", "rows"} <= set(t):
                out.append(f"{where}: 表应有 id、section、caption、columns、rows")
                continue
            if t["section"] not in sections:
                out.append(f"{where}: section {t['section']} 不是本模板的部分")
            groups = {g.get("id") for g in t.get("row_groups", []) + t.get("column_groups", []) if isinstance(g, dict)}
            for kind in ("columns", "rows"):
                ids = [c.get("id") for c in t[kind] if isinstance(c, dict)]
                for dup in sorted({x for x in ids if ids.count(x) > 1}):
                    out.append(f"{where}: {kind} 中的 id {dup} 重复")
                for j, c in enumerate(t[kind]):
                    if not isinstance(c, dict) or not {"id", "label"} <= set(c):
                        out.append(f"{where}: {kind}[{j}] 应有 id 和 label")
                    elif c.get("group") is not None and c["group"] not in groups:
                        out.append(f"{where}: {kind}[{j}]（{c['id']}）的 group {c['group']} 不存在")
                    elif kind == "columns" and c.get("type", "count") not in _COLUMN_TYPES:
                        out.append(f"{where}: columns[{j}]（{c['id']}）的 type {c['type']} 应为 count、change 或 money")
            for name, members in {**t.get("row_sets", {}), **t.get("column_sets", {})}.items():
                known = {x.get("id") for x in t["rows"] + t["columns"] if isinstance(x, dict)} | groups
                for m in members:
                    if m not in known:
                        out.append(f"{where}: 集合 {name} 的成员 {m} 不是本表的行或列")
        try:
            built[tid] = template_from(raw)
        except Exception as exc:  # any shape error not caught above, still located by file
            out.append(f"{file}: 无法读取模板：{_problem(exc)}")
    file, raw = "definitions/rules.yaml", read("rules.yaml")
    ids: list[str] = []
    for kind in ("consistency", "structural"):
        for i, r in enumerate(raw.get(kind) or []):
            where = f"{file}: {kind}[{i}]（{r.get('id') if isinstance(r, dict) else '?'}）"
            if not isinstance(r, dict) or not {"id", "title", "severity"} <= set(r):
                out.append(f"{where}: 规则应有 id、title、severity")
                continue
            ids.append(r["id"])
            if r["severity"] not in _SEVERITIES:
                out.append(f"{where}: severity {r['severity']} 应为 error 或 warning")
            if kind == "consistency" and (
                not {"templates", "lhs", "rhs"} <= set(r) or not set(r["templates"]) <= set(TEMPLATE_IDS)
            ):
                out.append(f"{where}: 一致性规则应有 templates（{'、'.join(TEMPLATE_IDS)}）、lhs、rhs")
    for dup in sorted({x for x in ids if ids.count(x) > 1}):
        out.append(f"{file}: 规则 id {dup} 重复")
    if out:
        return out
    try:
        rules = rules_from(raw)
    except Exception as exc:
        return [f"{file}: 无法读取规则：{_problem(exc)}"]
    for r in rules:
        for tid in r.templates:
            try:
                for eq in equations(r, built[tid]):
                    for term in eq.terms:
                        table = built[tid].table(term.table)
                        if term.row not in table.row_ids or term.column not in table.column_ids:
                            raise KeyError(f"模板 {tid} 的表 {term.table} 没有单元格 {term.cell}")
            except Exception as exc:
                out.append(f"{file}: {r.id}（{tid}）: 无法展开为单元格等式：{_problem(exc)}")
    return out


@cache
def definitions_ok() -> None:
    """Raise DefinitionError (all faults, one per line) unless the installed definitions hold together."""
    faults = check_definitions()
    if faults:
        raise DefinitionError("定义文件有误：\n" + "\n".join(faults))
