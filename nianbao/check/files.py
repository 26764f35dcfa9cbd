"""Reading a package's files: registry, descriptor, resources (file-*, json-syntax, resource-*, descriptor)."""

from __future__ import annotations

from pathlib import Path

from nianbao.check.discover import YEAR_DIR
from nianbao.check.narrative import _check_narrative
from nianbao.check.paths import link_problem, linked_folder
from nianbao.check.problems import Problem, problem
from nianbao.check.tables import _load_notes, _load_table, _shape_problem, parse_csv
from nianbao.core.definitions import agency_id, read_definition
from nianbao.core.package import DataRoot, Package, package_files
from nianbao.core.templates import TEMPLATE_IDS, Template, template, template_for_year
from nianbao.core.textfiles import (
    DecodeError,
    JSONError,
    LinkError,
    TooLargeError,
    decode_detail,
    load_json,
    read_bytes,
)


def read_text(path: Path, display: str, problems: list[Problem], package: str | None) -> str | None:
    """Read a text file with the one decoder; report (not raise) a missing, linked, oversized, binary or
    mis-encoded file.

    A BOM or GBK/GB18030 text (what Excel writes) is reported and still decoded, so that the file's
    other problems are reported too.
    """
    try:
        data = read_bytes(path)
    except LinkError:
        problems.append(link_problem(display, package))
        return None
    except TooLargeError as exc:
        problems.append(
            problem(
                "file-missing",
                "文件过大，不像年报数据文件，未读取",
                file=display,
                expected=f"不超过 {exc.limit:,} 字节",
                found=f"{exc.size:,} 字节",
                package=package,
            )
        )
        return None
    except FileNotFoundError:
        problems.append(problem("file-missing", "文件不存在", file=display, package=package))
        return None
    except OSError as exc:
        problems.append(problem("file-missing", f"文件无法读取：{exc.strerror}", file=display, package=package))
        return None
    try:
        decoded = decode_detail(data)
    except DecodeError as exc:
        undecodable = str(exc).startswith("不是 UTF-8 或 GBK")
        problems.append(
            problem(
                "file-encoding",
                "文件" + (str(exc).replace("不是 UTF-8 或 GBK 文本", "不是 UTF-8 文本") if undecodable else str(exc)),
                file=display,
                line=exc.line,
                package=package,
                **({"expected": "UTF-8", "found": "无法识别的字节"} if undecodable else {}),
            )
        )
        return None
    if decoded.bom:
        problems.append(
            problem(
                "file-encoding",
                "文件以 UTF-8 BOM 开头（Excel 另存的 CSV 常见）；运行 nianbao fmt 可去除",
                file=display,
                line=1,
                expected="UTF-8（无 BOM）",
                found="UTF-8 BOM",
                package=package,
            )
        )
    if decoded.gbk:
        problems.append(
            problem(
                "file-encoding",
                "文件不是 UTF-8 编码，看来是 GBK/GB18030（Excel 另存的 CSV 常见）；运行 nianbao fmt 可转换",
                file=display,
                line=decoded.gbk_line,
                expected="UTF-8",
                found="GBK/GB18030",
                package=package,
            )
        )
    return decoded.text


def load_registry(root: DataRoot, problems: list[Problem]) -> list[tuple[int, dict[str, str]]] | None:
    package = None  # the registry belongs to no package
    """The registry's rows with their lines; None (reported) when it cannot be read at all."""
    display = str(Path(root.display) / "agencies.csv")
    text = read_text(root.dir / "agencies.csv", display, problems, None)
    if text is None:
        return None
    records = parse_csv(text, display, problems, None)
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
                package=package,
            )
        )
        return None
    rows = []
    for line, cells in body:
        if len(cells) != len(header):
            problems.append(_shape_problem(display, line, len(header), len(cells), None))
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
                    package=pkg.key,
                )
            )
        if not YEAR_DIR.fullmatch(folder.name):
            problems.append(
                problem(
                    "package-identity", "年度文件夹名不是四位年份", file=display, found=folder.name, package=pkg.key
                )
            )
    linked = linked_folder(folder, display, pkg.key)
    if linked:
        problems.append(linked)
        return pkg
    descriptor_file = pkg.file("datapackage.json")
    text = read_text(folder / "datapackage.json", descriptor_file, problems, pkg.key)
    if text is None:
        return pkg
    try:
        descriptor = load_json(text)
    except JSONError as exc:
        problems.append(
            problem("json-syntax", f"datapackage.json {exc}", file=descriptor_file, line=exc.line, package=pkg.key)
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
                package=pkg.key,
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
    files, rejected = package_files(pkg.descriptor, pkg.template)
    for r in rejected:
        where = {"file": descriptor_file, "column": f"resources[{r.index}]", "package": pkg.key}
        if r.reason == "duplicate":
            problems.append(problem("resource-unknown", "资源名称重复", found=r.name, **where))
        elif r.reason == "path":
            problems.append(
                problem(
                    "resource-path",
                    "资源路径必须是数据包文件夹内的文件名，不得含目录、“..”或网址",
                    expected="如 s3.csv",
                    found=r.path,
                    **where,
                )
            )
        else:
            allowed = ", ".join([*tables, *extra])
            problems.append(problem("resource-unknown", "模板中没有这个资源", expected=allowed, found=r.name, **where))
    seen = {r.name for r in rejected if r.reason != "duplicate"}
    for f in files[1:]:
        seen.add(f.name)
        display = pkg.file(f.path)
        pkg.resource_files[f.name] = display
        text = read_text(pkg.dir / f.path, display, problems, pkg.key)
        if text is None:
            continue
        if f.table is not None:
            _load_table(pkg, f.table, display, text, problems)
        elif f.kind == "notes":
            _load_notes(pkg, display, text, problems)
        elif f.kind == "narrative":
            pkg.narrative = text
            _check_narrative(pkg, display, text, problems)
    for name in [*tables, *extra]:
        if name not in seen and not extra.get(name, {}).get("optional"):
            what = f"表 {name}（{tables[name].caption}）" if name in tables else f"资源 {name}（{extra[name]['path']}）"
            problems.append(
                problem(
                    "R13",
                    f"数据包缺少{what}",
                    file=descriptor_file,
                    column="resources",
                    expected=name,
                    found="无",
                    package=pkg.key,
                )
            )
