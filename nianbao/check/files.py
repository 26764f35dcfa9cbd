"""Reading a package's files: registry, descriptor, resources (file-*, json-syntax, resource-*, descriptor)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from nianbao.check.discover import YEAR_DIR
from nianbao.check.narrative import _check_narrative
from nianbao.check.problems import Problem, problem
from nianbao.check.tables import _load_notes, _load_table, _shape_problem, parse_csv
from nianbao.core.definitions import agency_id, read_definition
from nianbao.core.package import DataRoot, Package
from nianbao.core.templates import TEMPLATE_IDS, Template, template, template_for_year

# A template table has at most 26 rows: anything near these sizes is not a report file.
MAX_BYTES = {".csv": 1 << 20, ".json": 1 << 20, ".md": 4 << 20, ".txt": 8 << 20, ".html": 8 << 20}


SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def read_text(path: Path, display: str, problems: list[Problem]) -> str | None:
    """Read a text file as UTF-8; report (not raise) a missing, oversized, binary or mis-encoded file.

    A BOM or GBK/GB18030 text (what Excel writes) is reported and still decoded, so that the file's
    other problems are reported too.
    """
    try:
        size = path.stat().st_size
    except OSError:
        problems.append(problem("file-missing", "文件不存在", file=display))
        return None
    limit = MAX_BYTES.get(path.suffix, 1 << 20)
    if size > limit:
        problems.append(
            problem(
                "file-missing",
                "文件过大，不像年报数据文件，未读取",
                file=display,
                expected=f"不超过 {limit:,} 字节",
                found=f"{size:,} 字节",
            )
        )
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(problem("file-missing", f"文件无法读取：{exc.strerror}", file=display))
        return None
    if b"\x00" in data:
        problems.append(
            problem(
                "file-encoding",
                "文件含二进制内容（NUL 字节），不是文本文件",
                file=display,
                line=data[: data.index(b"\x00")].count(b"\n") + 1,
            )
        )
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        problems.append(
            problem(
                "file-encoding",
                "文件以 UTF-8 BOM 开头（Excel 另存的 CSV 常见）；运行 nianbao fmt 可去除",
                file=display,
                line=1,
                expected="UTF-8（无 BOM）",
                found="UTF-8 BOM",
            )
        )
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            problems.append(
                problem(
                    "file-encoding",
                    f"文件不是 UTF-8 文本，无法解码（第 {exc.start + 1} 字节）",
                    file=display,
                    line=line,
                    expected="UTF-8",
                    found="无法识别的字节",
                )
            )
            return None
        problems.append(
            problem(
                "file-encoding",
                "文件不是 UTF-8 编码，看来是 GBK/GB18030（Excel 另存的 CSV 常见）；运行 nianbao fmt 可转换",
                file=display,
                line=line,
                expected="UTF-8",
                found="GBK/GB18030",
            )
        )
        return text


def load_registry(root: DataRoot, problems: list[Problem]) -> list[tuple[int, dict[str, str]]] | None:
    """The registry's rows with their lines; None (reported) when it cannot be read at all."""
    display = str(Path(root.display) / "agencies.csv")
    text = read_text(root.dir / "agencies.csv", display, problems)
    if text is None:
        return None
    records = parse_csv(text, display, problems)
    if records is None:
        return None
    if not records:
        return []
    expected = [f["name"] for f in read_definition("agencies.schema.json")["fields"]]
    (_, header), *body = records
    if header != expected:
        problems.append(
            problem(
                "registry",
                "机构名录的表头不对",
                file=display,
                line=1,
                expected=",".join(expected),
                found=",".join(header),
            )
        )
        return None
    rows = []
    for line, cells in body:
        if len(cells) != len(header):
            problems.append(_shape_problem(display, line, len(header), len(cells)))
            continue
        rows.append((line, dict(zip(header, cells, strict=True))))
    return rows


def load_package(folder: Path, display: str, context: bool, problems: list[Problem]) -> Package:
    path_agency = path_year = None
    if folder.parent.parent.name == "reports":
        path_agency = folder.parent.name
        path_year = int(folder.name) if YEAR_DIR.fullmatch(folder.name) else None
    pkg = Package(folder, display, path_agency, path_year, context)
    if folder.parent.parent.name == "reports":
        if not agency_id().fullmatch(folder.parent.name):
            problems.append(
                problem(
                    "package-identity",
                    "机构文件夹名不是合法的机构标识（小写 ASCII 字母、数字、连字符）",
                    file=display,
                    found=folder.parent.name,
                )
            )
        if not YEAR_DIR.fullmatch(folder.name):
            problems.append(problem("package-identity", "年度文件夹名不是四位年份", file=display, found=folder.name))
    descriptor_file = pkg.file("datapackage.json")
    text = read_text(folder / "datapackage.json", descriptor_file, problems)
    if text is None:
        return pkg
    try:
        descriptor = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(
            problem(
                "json-syntax",
                f"datapackage.json 不是合法的 JSON：{exc.msg}（第 {exc.colno} 列）",
                file=descriptor_file,
                line=exc.lineno,
            )
        )
        return pkg
    if not isinstance(descriptor, dict):
        problems.append(
            problem(
                "descriptor",
                "datapackage.json 的顶层应是对象",
                file=descriptor_file,
                expected="{…}",
                found=type(descriptor).__name__,
            )
        )
        return pkg
    pkg.descriptor = descriptor
    pkg.template = _template_of(pkg)
    _load_resources(pkg, descriptor_file, problems)
    return pkg


def _template_of(pkg: Package) -> Template | None:
    value = pkg.descriptor.get("template") if pkg.descriptor else None
    if value in TEMPLATE_IDS:
        return template(value)
    # Reported by the metadata checks; fall back on the year so the tables can still be checked.
    return template_for_year(pkg.year) if pkg.year else None


def _load_resources(pkg: Package, descriptor_file: str, problems: list[Problem]) -> None:
    resources = pkg.descriptor.get("resources") if pkg.descriptor else None
    if not isinstance(resources, list):
        return  # reported by the descriptor checks
    extra = {r["name"]: r for r in read_definition("package.yaml")["extra_resources"]}
    tables = {t.id: t for t in pkg.template.tables} if pkg.template else {}
    seen: set[str] = set()
    for index, resource in enumerate(resources):
        where = {"file": descriptor_file, "column": f"resources[{index}]"}
        if not isinstance(resource, dict):
            continue  # reported by the descriptor checks
        name, path = resource.get("name"), resource.get("path")
        if not isinstance(name, str) or not isinstance(path, str):
            continue
        if name in seen:
            problems.append(problem("resource-unknown", "资源名称重复", found=name, **where))
            continue
        seen.add(name)
        if not _safe_path(pkg.dir, path):
            problems.append(
                problem(
                    "resource-path",
                    "资源路径必须是数据包文件夹内的文件名，不得含目录、“..”或网址",
                    expected="如 s3.csv",
                    found=path,
                    **where,
                )
            )
            continue
        if name not in tables and name not in extra:
            allowed = ", ".join([*tables, *extra])
            problems.append(problem("resource-unknown", "模板中没有这个资源", expected=allowed, found=name, **where))
            continue
        display = pkg.file(path)
        pkg.resource_files[name] = display
        text = read_text(pkg.dir / path, display, problems)
        if text is None:
            continue
        if name in tables:
            _load_table(pkg, tables[name], display, text, problems)
        elif name == "notes":
            _load_notes(pkg, display, text, problems)
        elif name == "narrative":
            pkg.narrative = text
            _check_narrative(pkg, display, text, problems)
    for name in [*tables, *extra]:
        if name not in seen and not extra.get(name, {}).get("optional"):
            what = f"表 {name}（{tables[name].caption}）" if name in tables else f"资源 {name}（{extra[name]['path']}）"
            problems.append(
                problem("R13", f"数据包缺少{what}", file=descriptor_file, column="resources", expected=name, found="无")
            )


def _safe_path(folder: Path, path: str) -> bool:
    if not SAFE_NAME.fullmatch(path) or ".." in path:
        return False
    try:
        return (folder / path).resolve().parent == folder.resolve()
    except OSError:
        return False
