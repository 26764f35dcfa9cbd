"""`nianbao import`: a source -> a draft package folder, written atomically, never deleting what it did not create."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from nianbao.canonical import canonical_notes
from nianbao.core.definitions import read_definition
from nianbao.core.schemas import package_resources
from nianbao.core.settled import Settlement
from nianbao.core.templates import TEMPLATE_IDS, Template, template, template_for_year
from nianbao.core.textfiles import dump_json, write_csv
from nianbao.errors import SourceError
from nianbao.importer.evidence import neighbours
from nianbao.importer.extract import PRINTED, Extraction, Unresolved, detect_template, extract
from nianbao.importer.narrative import find_sections, narrative, title_of
from nianbao.importer.settle import apply_settlements, previous_settlements
from nianbao.importer.sources import Document, read
from nianbao.importer.tokens import clean_lines


@dataclass
class ImportResult:
    out: Path
    doc: Document
    template: Template
    extraction: Extraction
    narrative: dict[str, tuple[str, str]]  # section id → (heading as printed, text)
    meta: dict[str, str]
    settled: list[Settlement] = field(default_factory=list)  # carried over from the package replaced (--force)
    unused: list[Settlement] = field(default_factory=list)  # settlements of that package the import no longer needs

    @property
    def unresolved(self) -> list[Unresolved]:
        return self.extraction.unresolved


def import_report(
    source: Path,
    agency: str,
    year: int,
    out: Path,
    source_url: str | None = None,
    retrieved: str | None = None,
    force: bool = False,
    data_dir: Path | None = None,
    published: str | None = None,
) -> ImportResult:
    """Read `source`, extract every template cell and the narrative, and write a draft package to `out`.

    Raises SourceError (nothing written) for a source that is not a report of either template, or for an `out`
    that is not a package folder or an empty one. `data_dir` holds the neighbouring years used as evidence;
    `published` (from a batch manifest) is the date of publication when the source does not print it.
    """
    _check_out(out, force)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise SourceError(f"无法读取 {source}：{exc.strerror}") from None
    doc = read(data)
    tmpl = _template(doc, year)
    extraction = extract(doc, tmpl, year, neighbours(data_dir, agency, year))
    settled, unused = apply_settlements(extraction, previous_settlements(out, tmpl) if force else [])
    lines = clean_lines(doc)
    sections = narrative(doc, lines)
    meta = dict(doc.meta)
    if source_url:
        meta["source_url"] = source_url
    if published:
        meta["published"] = published
    title = title_of(doc, lines)
    if title:
        meta["title"] = title
    result = ImportResult(out, doc, tmpl, extraction, sections, meta, settled, unused)
    _write(result, agency, year, retrieved or date.today().isoformat())
    return result


def _template(doc: Document, year: int) -> Template:
    """The template told by the labels; for a report whose tables cannot be recognised at all (its section
    headings are there), the template of its year, so that every cell can be reported as not found."""
    tid = detect_template(doc)
    if tid is None:
        _, found = find_sections(clean_lines(doc))
        due = template_for_year(year)
        if len(found) < 3 or due is None:
            raise SourceError(
                "看不出是政府信息公开工作年度报告：找不到两版模板的任何表头（如“本年制发件数”“本年新制作数量”）"
            )
        tid = due.id
    return template(tid)


def _own_files(folder: Path) -> set[str]:
    """The files a package folder may hold: what an import writes, and the resources its descriptor lists."""
    names = {"datapackage.json", "notes.csv", "narrative.md", "source.txt", "source.html"}
    names |= {f"{t.id}.csv" for tid in TEMPLATE_IDS for t in template(tid).tables}
    try:
        listed = json.loads((folder / "datapackage.json").read_text(encoding="utf-8")).get("resources") or []
        names |= {r["path"] for r in listed if isinstance(r, dict) and isinstance(r.get("path"), str)}
    except (OSError, ValueError, AttributeError, RecursionError):
        pass  # an unreadable descriptor lists nothing more
    return {n for n in names if "/" not in n and "\\" not in n and not n.startswith(".")}


def _check_out(out: Path, force: bool) -> None:
    """Refuse an output folder the import could damage; nothing is read or written before this passes."""
    try:
        _check_target(out, force)
    except (OSError, RuntimeError) as exc:  # unreadable folder, a symlink loop
        raise SourceError(f"无法检查输出目录 {out}：{getattr(exc, 'strerror', None) or exc}") from None


def _check_target(out: Path, force: bool) -> None:
    if out.is_symlink():
        raise SourceError(f"输出目录 {out} 是符号链接；不写入")
    target, cwd = out.resolve(), Path.cwd().resolve()
    if target == cwd or target in cwd.parents:
        raise SourceError(f"输出目录 {out} 是当前目录或其上级目录；请给出数据包文件夹，如 data/reports/<机构>/<年度>")
    if not target.exists():
        return
    if not target.is_dir():
        raise SourceError(f"输出目录 {out} 已存在且不是文件夹；不写入")
    entries = sorted(target.iterdir())
    if (target / "datapackage.json").is_file():
        if not force:
            raise SourceError(f"{out} 已有数据包；确认要覆盖请加 --force")
        own = _own_files(target)
        extra = [e.name for e in entries if e.name not in own or e.is_symlink() or not e.is_file()]
        if extra:
            raise SourceError(f"{out} 中有数据包以外的文件（{'、'.join(extra[:5])}）；不覆盖，请先移走")
    elif entries:
        names = "、".join(e.name for e in entries[:5]) + ("等" if len(entries) > 5 else "")
        raise SourceError(
            f"输出目录 {out} 不是数据包，也不是空文件夹（含 {names}）；不写入，以免覆盖其中的文件。"
            "请给出数据包文件夹，如 data/reports/<机构>/<年度>"
        )


def _fill(result: ImportResult, agency: str, year: int, retrieved: str, staging: Path) -> None:
    tmpl, ex = result.template, result.extraction
    notes = [[f["name"] for f in read_definition("package.yaml")["notes_fields"]]]
    for table in tmpl.tables:
        rows = [list(table.header)]
        for row in table.rows:
            if row.optional and (table.id, row.id) not in ex.optional_rows:
                continue
            label = ex.labels.get((table.id, row.id), row.label)
            values = []
            for column in table.columns:
                cell = ex.cells.get((table.id, row.id, column.id))
                values.append(cell.value if cell and cell.status == PRINTED else "")
                if cell and cell.note:
                    notes.append([table.id, row.id, column.id, cell.note])
            rows.append([row.id, label, *values])
        (staging / f"{table.id}.csv").write_text(write_csv(rows), encoding="utf-8")
    (staging / "notes.csv").write_text(canonical_notes(write_csv(notes), tmpl), encoding="utf-8")
    parts = []
    for sid in ("s1", "s5", "s6"):
        default = next(s.heading for s in tmpl.sections if s.id == sid)
        heading, text = result.narrative.get(sid, (default, ""))
        parts.append(f"## {heading}\n\n{text}".rstrip())
    (staging / "narrative.md").write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    source_name = "source.html" if result.doc.kind == "HTML" else "source.txt"
    # The copy is written from the text the tables were read from (one decoding: no mojibake, no BOM).
    source_text = result.doc.text or "\n".join(line.text for line in result.doc.lines)
    if not source_text.endswith("\n"):
        source_text += "\n"
    (staging / source_name).write_text(source_text, encoding="utf-8")
    resources = package_resources(tmpl, source_name)
    descriptor: dict[str, object] = {
        "name": f"{agency}-{year}",
        "title": result.meta.get("title") or f"{year}年政府信息公开工作年度报告",
        "description": f"由 nianbao import 自{result.doc.kind}导入的草稿，须对照原文逐格核对。",
        "agency": agency,
        "year": year,
        "template": tmpl.id,
    }
    for key in ("published", "source_url"):
        if result.meta.get(key):
            descriptor[key] = result.meta[key]
    descriptor["retrieved"] = retrieved
    descriptor["terms"] = read_definition("import.yaml")["terms"]
    order = {(t.id, r.id): (i, j) for i, t in enumerate(tmpl.tables) for j, r in enumerate(t.rows)}
    if result.settled:
        first = {s: tuple(s.cells[0].split(".")[:2]) for s in result.settled}
        descriptor["settled"] = [s.entry() for s in sorted(result.settled, key=lambda s: order[first[s]])]
    entries = sorted(ex.unresolved, key=lambda u: order[u.cells[0][:2]])
    if entries:
        descriptor["unresolved"] = [u.entry() for u in entries]
    descriptor["resources"] = resources
    (staging / "datapackage.json").write_text(dump_json(descriptor), encoding="utf-8")


def _write(result: ImportResult, agency: str, year: int, retrieved: str) -> None:
    """Write into a staging folder this command creates beside `out`, then swap it in. Only the staging
    folder and, with --force, the replaced package's own files (checked by _check_out) are ever removed."""
    target = result.out.resolve()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.import-", dir=target.parent))
    except OSError as exc:
        raise SourceError(f"无法创建输出目录 {result.out}：{exc.strerror}") from None
    umask = os.umask(0)
    os.umask(umask)
    try:
        staging.chmod(0o777 & ~umask)  # a package folder like any other, not mkdtemp's private one
        _fill(result, agency, year, retrieved, staging)
        if target.exists() and any(target.iterdir()):
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.replaced-", dir=target.parent))
            os.replace(target, old)  # onto the empty folder just made
            os.replace(staging, target)
            for path in old.iterdir():
                path.unlink()  # the old package's own files only: _check_out refused anything else
            old.rmdir()
        else:
            os.replace(staging, target)  # onto nothing, or onto an empty folder
    except BaseException as exc:
        if staging.exists():
            for path in staging.iterdir():
                path.unlink()
            staging.rmdir()
        if isinstance(exc, OSError):
            raise SourceError(f"写出草稿 {result.out} 失败：{exc.strerror or exc}") from None
        raise
