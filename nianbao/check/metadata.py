"""The registry and each package's descriptor: registry, descriptor (no remote reference), package-identity, template-year, agency-unknown, package-dates."""

from __future__ import annotations

import json
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from frictionless import Package as FrictionlessPackage

from nianbao.check.entries import _check_acknowledgement_form, _check_unresolved, _short
from nianbao.check.files import load_registry
from nianbao.check.problems import Problem, problem
from nianbao.core.definitions import agency_id, read_definition
from nianbao.core.package import DataRoot, Package
from nianbao.core.templates import TEMPLATE_IDS, template_for_year

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


_URL = re.compile(r"https?://[^\s]+")


def _check_registries(roots: list[DataRoot], problems: list[Problem]) -> tuple[dict[str, dict[str, str]], bool]:
    """Check agencies.csv against its Table Schema (definitions/agencies.schema.json), in Chinese.

    Returns the agencies and whether every registry could be read (if not, agencies are not checked against it:
    its own error says what is wrong, without one more error per package)."""
    registry: dict[str, dict[str, str]] = {}
    readable = True
    package = None  # the registry belongs to no package
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
                where = {"file": display, "line": line, "column": f["name"], "column_number": number, "package": None}
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
                            package=package,
                        )
                    )
    return registry, readable


def _check_metadata(
    pkg: Package,
    registry: dict[str, dict[str, str]] | None,
    registry_readable: bool,
    problems: list[Problem],
    today: date,
) -> None:
    d = pkg.descriptor
    if d is None:
        return
    file = pkg.file("datapackage.json")
    spec = read_definition("package.yaml")
    for f in spec["fields"]:
        name, value = f["name"], d.get(f["name"])
        where = {"file": file, "column": name, "package": pkg.key}
        if value is None:
            if f.get("required"):
                problems.append(problem("descriptor", f"缺少必填的元数据 {name}（{f['title']}）", **where))
            continue
        bad = _bad_metadata_value(f, value)
        if bad:
            problems.append(problem("descriptor", f"元数据 {name}（{f['title']}）{bad}", found=_short(value), **where))
    for key in _remote_references(d):
        problems.append(
            problem(
                "descriptor",
                f"{key} 引用了数据包以外的文件或网址：校验不访问网络，也不读取包外文件",
                file=file,
                column=key,
                expected="省略，或 data-package / tabular-data-package",
                found=_short(_lookup(d, key)),
                package=pkg.key,
            )
        )
    for note in _frictionless_errors(json.dumps(_frictionless_view(d), sort_keys=True, ensure_ascii=False)):
        problems.append(problem("descriptor", f"不符合 Frictionless 数据包规范：{note}", file=file, package=pkg.key))
    _check_acknowledgement_form(d.get("acknowledgements"), file, problems, pkg.key)
    _check_unresolved(pkg, d.get("unresolved"), file, problems)
    _check_identity(pkg, file, registry, registry_readable, problems)
    _check_dates(pkg, file, today, problems)


def _bad_metadata_value(f: dict[str, Any], value: Any) -> str | None:
    kind = f["type"]
    if kind == "integer":
        return None if isinstance(value, int) and not isinstance(value, bool) else "应为整数"
    if kind in {"acknowledgements", "resources", "settled", "unresolved"}:
        return None if isinstance(value, list) else "应为列表"
    if not isinstance(value, str) or not value.strip():
        return "应为非空文字"
    if "enum" in f and value not in f["enum"]:
        return f"应为 {' 或 '.join(f['enum'])} 之一"
    if kind == "agency-id" and not agency_id().fullmatch(value):
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


# Keys whose string value frictionless would fetch: validation never touches the network.
_REMOTE_KEYS = ("profile", "$schema", "schema", "dialect")


def _remote_references(d: dict[str, Any]) -> list[str]:
    """Where the descriptor refers to something outside the package (a URL or a path frictionless would load)."""
    found = [k for k in _REMOTE_KEYS if isinstance(d.get(k), str) and d[k] not in _PROFILES]
    for i, r in enumerate(d.get("resources") if isinstance(d.get("resources"), list) else []):
        if isinstance(r, dict):
            found += [
                f"resources[{i}].{k}" for k in _REMOTE_KEYS if isinstance(r.get(k), str) and r[k] not in _PROFILES
            ]
    return found


_PROFILES = {"data-package", "tabular-data-package", "data-resource", "tabular-data-resource"}


def _frictionless_view(d: dict[str, Any]) -> dict[str, Any]:
    """What frictionless judges: the Frictionless part of the descriptor, without any reference it would fetch.

    Our own metadata (package.yaml) is checked above with Chinese messages, and resource paths by
    load; leaving them out makes the views of all packages alike, so frictionless runs once, not per
    package (it builds a JSON Schema validator on every call: ~9 ms).
    """
    own = {f["name"] for f in read_definition("package.yaml")["fields"]} - {"resources"}
    view = {k: v for k, v in d.items() if k not in own and not (k in _REMOTE_KEYS and isinstance(v, str))}
    resources = d.get("resources")
    if isinstance(resources, list):
        view["resources"] = [_resource_view(r) for r in resources]
    return view


def _resource_view(r: Any) -> Any:
    if not isinstance(r, dict):
        return r
    r = {k: v for k, v in r.items() if not (k in _REMOTE_KEYS and isinstance(v, str))}
    path = r.get("path")
    if isinstance(path, str) and ("/" in path or "\\" in path or path.startswith(".") or ":" in path):
        r["path"] = "unsafe.csv"
    return r


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
                package=pkg.key,
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
                package=pkg.key,
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
                package=pkg.key,
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
                    package=pkg.key,
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
                package=pkg.key,
            )
        )
    elif registry_readable and isinstance(agency, str) and agency not in registry:
        problems.append(
            problem(
                "agency-unknown",
                "机构不在机构名录 agencies.csv 中",
                file=file,
                column="agency",
                found=agency,
                package=pkg.key,
            )
        )


def _check_dates(pkg: Package, file: str, today: date, problems: list[Problem]) -> None:
    """Dates that cannot be right (warnings: the publisher may have dated oddly, but usually it is a typo)."""
    d = pkg.descriptor or {}
    year = d.get("year") if type(d.get("year")) is int else None
    days: dict[str, date | None] = {}
    for key in ("published", "retrieved"):
        try:
            days[key] = date.fromisoformat(d[key]) if isinstance(d.get(key), str) and _DATE.fullmatch(d[key]) else None
        except ValueError:
            days[key] = None  # reported as a bad value
    where = {"file": file, "package": pkg.key}
    published, retrieved = days["published"], days["retrieved"]
    found = []
    if year is not None and year >= today.year:
        found.append(
            (
                "year",
                f"报告年度 {year} 尚未结束（今天是 {today.isoformat()}），不会已有年度报告",
                f"不晚于 {today.year - 1}",
                str(year),
            )
        )
    if year is not None and published is not None and published.year <= year:
        found.append(
            (
                "published",
                f"发布日期早于报告年度 {year} 结束：年度报告在年度结束后发布",
                f"{year + 1}-01-01 或以后",
                published.isoformat(),
            )
        )
    if published is not None and retrieved is not None and published > retrieved:
        found.append(
            (
                "published",
                "发布日期晚于获取日期：不能获取尚未发布的报告",
                f"不晚于获取日期 {retrieved.isoformat()}",
                published.isoformat(),
            )
        )
    if retrieved is not None and retrieved > today:
        found.append(
            (
                "retrieved",
                f"获取日期在今天（{today.isoformat()}）之后",
                f"不晚于 {today.isoformat()}",
                retrieved.isoformat(),
            )
        )
    for column, message, expected, value in found:
        problems.append(problem("package-dates", message, column=column, expected=expected, found=value, **where))


def _lookup(d: dict[str, Any], key: str) -> Any:
    if key.startswith("resources["):
        index, name = key[len("resources[") :].split("].", 1)
        return d["resources"][int(index)][name]
    return d[key]
