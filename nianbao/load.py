"""Find and read data packages, collecting every structural problem with its place instead of stopping."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nianbao import labels
from nianbao.problems import Problem
from nianbao.rules import rule
from nianbao.templates import TEMPLATE_IDS, Table, Template, read_definition, template, template_for_year

# A template table has at most 26 rows: anything near these sizes is not a report file.
MAX_BYTES = {".csv": 1 << 20, ".json": 1 << 20, ".md": 4 << 20, ".txt": 8 << 20, ".html": 8 << 20}
SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
AGENCY_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
YEAR_DIR = re.compile(r"[0-9]{4}")
HEADING = re.compile(r"^##\s+(.+?)\s*$")
MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>|\bon[a-z]+\s*=", re.IGNORECASE)


class UsageError(Exception):
    """A command-line argument that is not a data directory or a package (exit status 2)."""


@dataclass
class TableData:
    table: Table
    file: str
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line in file, cells) of the rows whose ids are usable
    row_lines: dict[str, int] = field(default_factory=dict)


@dataclass
class Package:
    dir: Path
    display: str  # the folder as the user named it, for messages
    path_agency: str | None  # from reports/<agency>/<year>/, None when not laid out so
    path_year: int | None
    context: bool = False  # loaded only as the previous year of a package under validation
    descriptor: dict[str, Any] | None = None
    template: Template | None = None
    tables: dict[str, TableData] = field(default_factory=dict)
    notes: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    narrative: str | None = None
    resource_files: dict[str, str] = field(default_factory=dict)  # resource name -> display path

    @property
    def agency(self) -> str | None:
        value = (self.descriptor or {}).get("agency")
        return value if isinstance(value, str) else self.path_agency

    @property
    def year(self) -> int | None:
        value = (self.descriptor or {}).get("year")
        return value if isinstance(value, int) and not isinstance(value, bool) else self.path_year

    @property
    def key(self) -> str:
        return f"{self.agency}/{self.year}"

    def file(self, name: str) -> str:
        return str(Path(self.display) / name)


@dataclass
class DataRoot:
    dir: Path
    display: str


@dataclass
class Collection:
    """What validation loaded: the render stage works from this, without reading files again."""

    packages: list[Package]
    roots: list[DataRoot]
    problems: list[Problem]
    cells: Any = None  # validate.Cells: every template cell, long form and as a packages × cells matrix
    registry: dict[str, dict[str, str]] = field(default_factory=dict)


def problem(rule_id: str, message: str, severity: str | None = None, **where: Any) -> Problem:
    return Problem(rule=rule_id, severity=severity or rule(rule_id).severity, message=message, **where)


def discover(paths: list[str]) -> tuple[list[tuple[Path, str, bool]], list[DataRoot]]:
    """The package folders named by `paths` (data directories or package folders), and their data roots."""
    found: dict[Path, tuple[Path, str, bool]] = {}
    roots: dict[Path, DataRoot] = {}
    for arg in paths:
        base = Path(arg)
        if (base / "datapackage.json").is_file() or (base.is_dir() and YEAR_DIR.fullmatch(base.name)):
            found.setdefault(base.resolve(), (base, str(base), False))
            root = base.parent.parent.parent
            if base.parent.parent.name == "reports" and (root / "agencies.csv").exists():
                roots.setdefault(root.resolve(), DataRoot(root, str(root)))
            # The previous year, if present beside it, for the cross-year rules.
            previous = base.parent / str(int(base.name) - 1) if YEAR_DIR.fullmatch(base.name) else None
            if previous and (previous / "datapackage.json").is_file():
                found.setdefault(previous.resolve(), (previous, str(previous), True))
        elif (base / "reports").is_dir() or (base / "agencies.csv").is_file():
            roots.setdefault(base.resolve(), DataRoot(base, str(base)))
            reports = base / "reports"
            if reports.is_dir():
                for agency in sorted(p for p in reports.iterdir() if p.is_dir()):
                    for year in sorted(p for p in agency.iterdir() if p.is_dir()):
                        found[year.resolve()] = (year, str(year), False)
        else:
            raise UsageError(f"不是数据目录（含 agencies.csv 和 reports/）也不是数据包文件夹：{arg}")
    # A folder named both as itself and as another's previous year is validated, not context.
    return sorted(found.values(), key=lambda f: (f[2], f[1])), list(roots.values())


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


def parse_csv(text: str, display: str, problems: list[Problem]) -> list[tuple[int, list[str]]] | None:
    """All records of a CSV text with the line each ends on; None (reported) when it cannot be parsed."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            records.append((reader.line_num, cells))
    except csv.Error as exc:
        problems.append(problem("csv-syntax", f"CSV 无法解析：{exc}", file=display, line=reader.line_num + 1))
        return None
    return records


def _shape_problem(display: str, line: int, expected: int, found: int) -> Problem:
    return problem(
        "row-shape",
        "该行的单元格数与表头不一致",
        file=display,
        line=line,
        expected=f"{expected} 个",
        found=f"{found} 个",
    )


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
        if not AGENCY_ID.fullmatch(folder.parent.name):
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


def _load_table(pkg: Package, table: Table, display: str, text: str, problems: list[Problem]) -> None:
    records = parse_csv(text, display, problems)
    if records is None:
        return
    if not records:
        problems.append(
            problem("csv-header", "文件是空的", file=display, line=1, expected=",".join(table.header), found="空")
        )
        return
    (_, header), *body = records
    if header != list(table.header):
        problems.append(
            problem(
                "csv-header",
                f"表头与模板 {pkg.template.id} 的表 {table.id} 不符",
                file=display,
                line=1,
                expected=",".join(table.header),
                found=",".join(header),
            )
        )
        if "row" not in header:
            return
    data = TableData(table, display, header, [])
    row_col = header.index("row")
    label_col = header.index("label") if "label" in header else None
    for line, cells in body:
        if cells == []:
            problems.append(problem("row-shape", "空行", file=display, line=line))
            continue
        if len(cells) != len(header):
            problems.append(
                problem(
                    "row-shape",
                    "该行的单元格数与表头不一致（可能错列），本行数值未检查",
                    file=display,
                    line=line,
                    expected=f"{len(header)} 个",
                    found=f"{len(cells)} 个",
                )
            )
            if len(cells) > row_col and cells[row_col] in table.row_ids:
                data.row_lines.setdefault(cells[row_col], line)  # present, if unreadable: not "missing"
            continue
        row_id = cells[row_col]
        printed = cells[label_col] if label_col is not None else ""
        if row_id not in table.row_ids:
            guess, score = labels.best_row(table, printed)
            hint = f"（按行名称应为 {guess}）" if guess and score >= labels.SIMILARITY else ""
            problems.append(
                problem(
                    "row-unknown",
                    f"表 {table.id} 没有这个行标识{hint}",
                    file=display,
                    line=line,
                    column="row",
                    column_number=row_col + 1,
                    found=row_id,
                )
            )
            continue
        if row_id in data.row_lines:
            problems.append(
                problem(
                    "row-unknown",
                    f"行标识重复（第 {data.row_lines[row_id]} 行已有）",
                    file=display,
                    line=line,
                    column="row",
                    column_number=row_col + 1,
                    found=row_id,
                )
            )
            continue
        data.row_lines[row_id] = line
        if label_col is not None:
            ok, other = labels.label_matches(table, row_id, printed)
            if not ok:
                shifted = f"，却像是 {other} 行的名称（错行？）" if other else ""
                problems.append(
                    problem(
                        "row-label",
                        f"行名称与行标识 {row_id} 不符{shifted}",
                        file=display,
                        line=line,
                        column="label",
                        column_number=label_col + 1,
                        expected=table.row(row_id).label,
                        found=printed,
                    )
                )
        data.rows.append((line, cells))
    for row in table.rows:
        if not row.optional and row.id not in data.row_lines:
            problems.append(
                problem(
                    "R13",
                    "缺少模板规定的行",
                    file=display,
                    column="row",
                    expected=f"{row.id}（{row.label}）",
                    found="无",
                )
            )
    _check_group_rows(table, data, display, problems)
    pkg.tables[table.id] = data


def _check_group_rows(table: Table, data: TableData, display: str, problems: list[Problem]) -> None:
    """A group printed as one row of values (V2021 （六）其他处理 in the V2019 layout) with its sub-rows blank:
    kept as printed, and reported, because the template's rows are then incomplete (templates.md §8)."""
    index = {name: i for i, name in enumerate(data.header)}
    cells = {c[index["row"]]: c for _, c in data.rows}
    for row in table.rows:
        if not row.optional or row.id not in cells:
            continue
        members = [r.id for r in table.rows if r.group == row.id]
        blank = all(
            not cells.get(m, [""] * len(data.header))[index[c.id]]
            for m in members
            for c in table.columns
            if c.id in index
        )
        if blank:
            problems.append(
                problem(
                    "R13",
                    f"“{row.label}”按 V2019 版式印成一行，其 {len(members)} 个子行空白：照录原文，模板的行不完整",
                    "warning",
                    file=display,
                    line=data.row_lines[row.id],
                    column="row",
                    expected="、".join(members),
                    found=row.id,
                )
            )


def _load_notes(pkg: Package, display: str, text: str, problems: list[Problem]) -> None:
    records = parse_csv(text, display, problems)
    if records is None:
        return
    expected = [f["name"] for f in read_definition("package.yaml")["notes_fields"]]
    if not records or records[0][1] != expected:
        problems.append(
            problem(
                "csv-header",
                "单元格说明文件的表头不对",
                file=display,
                line=1,
                expected=",".join(expected),
                found=",".join(records[0][1]) if records else "空",
            )
        )
        return
    seen: dict[tuple[str, str, str], int] = {}
    for line, cells in records[1:]:
        if len(cells) != len(expected):
            problems.append(_shape_problem(display, line, len(expected), len(cells)))
            continue
        note = dict(zip(expected, cells, strict=True))
        key = (note["table"], note["row"], note["column"])
        target = ".".join(key)
        if not _cell_exists(pkg.template, *key):
            problems.append(
                problem(
                    "note-target",
                    "说明指向的单元格不在模板中",
                    file=display,
                    line=line,
                    column="table",
                    column_number=1,
                    found=target,
                )
            )
        elif key in seen:
            problems.append(
                problem(
                    "note-target",
                    f"同一单元格的说明重复（第 {seen[key]} 行已有）",
                    file=display,
                    line=line,
                    column="table",
                    column_number=1,
                    found=target,
                )
            )
        elif not note["note"].strip():
            problems.append(
                problem(
                    "note-target", "说明是空的", file=display, line=line, column="note", column_number=4, found=target
                )
            )
        else:
            seen[key] = line
            pkg.notes.append((line, note))


def _cell_exists(tmpl: Template | None, table_id: str, row_id: str, column_id: str) -> bool:
    if tmpl is None or table_id not in tmpl.table_ids:
        return False
    table = tmpl.table(table_id)
    return row_id in table.row_ids and column_id in table.column_ids


def narrative_sections(text: str) -> list[tuple[int, str, str]]:
    """The `## ` headings of narrative.md: (line, section id or "", heading as printed)."""
    numerals = {"一": "s1", "二": "s2", "三": "s3", "四": "s4", "五": "s5", "六": "s6"}
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = HEADING.match(line)
        if match:
            heading = match.group(1)
            found.append((number, numerals.get(heading[:1], "") if heading[1:2] in "、." else "", heading))
    return found


def split_narrative(text: str) -> list[tuple[str, str, str]]:
    """(section id, heading as printed, body) for each `## ` section; text before the first is ("", "", body)."""
    out: list[tuple[str, str, str]] = []
    current: tuple[str, str] = ("", "")
    body: list[str] = []
    headings = {line: (sid, heading) for line, sid, heading in narrative_sections(text)}
    for number, line in enumerate(text.splitlines(), start=1):
        if number in headings:
            if current != ("", "") or any(b.strip() for b in body):
                out.append((*current, "\n".join(body).strip()))
            current, body = headings[number], []
        else:
            body.append(line)
    if current != ("", "") or any(b.strip() for b in body):
        out.append((*current, "\n".join(body).strip()))
    return out


def _check_narrative(pkg: Package, display: str, text: str, problems: list[Problem]) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        match = MARKUP.search(line)
        if match:
            problems.append(
                problem(
                    "narrative-markup",
                    "叙述文本含 HTML 标记或脚本属性，网站将按纯文本显示",
                    file=display,
                    line=number,
                    found=match.group(0),
                )
            )
    if pkg.template is None:
        return
    wanted = [s for s in pkg.template.sections if s.kind == "narrative"]
    present = [sid for _, sid, _ in narrative_sections(text)]
    for section in wanted:
        if section.id not in present:
            problems.append(
                problem(
                    "R13",
                    "叙述部分缺少一节（以“## ”开头的标题）",
                    "warning",
                    file=display,
                    expected=f"## {section.heading}",
                    found="无",
                )
            )
    numeral = {s.id: s.heading.split("、", 1)[0] for s in wanted}  # 一、五、六, from the template
    ordered = [sid for sid in present if sid in numeral]
    if ordered != sorted(ordered):
        problems.append(
            problem(
                "R13",
                "叙述部分各节的顺序不对",
                "warning",
                file=display,
                expected="、".join(numeral.values()),
                found="、".join(numeral[sid] for sid in ordered),
            )
        )
