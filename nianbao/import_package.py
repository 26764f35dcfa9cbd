"""Turn a published report into a draft data package and an import report: `nianbao import`."""

from __future__ import annotations

import itertools
import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from nianbao.fmt import canonical_notes, dump_json, write_csv
from nianbao.import_read import Document, ImportError_, Line, read
from nianbao.import_tables import Extraction, clean_lines, detect_template, extract, shown
from nianbao.templates import Template, package_resources, read_definition, template, template_for_year

AMBIGUOUS = 3  # exit status of an import that must be reviewed before it can be merged


@dataclass
class ImportResult:
    out: Path
    doc: Document
    template: Template
    extraction: Extraction
    narrative: dict[str, tuple[str, str]]  # section id → (heading as printed, text)
    meta: dict[str, str]
    report: list[str] = field(default_factory=list)

    @property
    def ambiguous(self) -> list[tuple[str, str, str]]:
        return sorted(k for k, c in self.extraction.cells.items() if c.status == "ambiguous")


def _heading_regex(heading: str) -> str:
    return r"\s*".join(re.escape(ch) for ch in heading if not ch.isspace())


def find_sections(lines: list[Line]) -> tuple[list[str], dict[str, tuple[int, int, str]]]:
    """Split text lines at section headings (a crawler's page is one line); return the lines and, per section,
    (line of its heading, offset after the heading, heading as printed)."""
    variants = read_definition("import.yaml")["sections"]
    texts = [line.text for line in lines if line.cells is None]
    found: dict[str, tuple[int, int, str]] = {}
    start_line = 0
    for sid in ("s1", "s2", "s3", "s4", "s5", "s6"):
        pattern = re.compile("|".join(f"(?:{_heading_regex(v)})" for v in variants[sid]))
        for i in range(start_line, len(texts)):
            match = pattern.search(texts[i])
            if match and (match.start() == 0 or not texts[i][: match.start()].strip() or len(texts[i]) > 200):
                at = i
                if match.start() > 0:  # a heading in the middle of a long line: split the line there
                    texts[i : i + 1] = [texts[i][: match.start()], texts[i][match.start() :]]
                    at = i + 1
                    match = pattern.match(texts[at])
                    assert match is not None
                found[sid] = (at, match.end(), re.sub(r"\s+", "", match.group(0)))
                start_line = at
                break
    return texts, found


def narrative(doc: Document, lines: list[Line]) -> dict[str, tuple[str, str]]:
    texts, found = find_sections(lines)
    tails = [re.compile(t) for t in read_definition("import.yaml")["tails"]]
    out: dict[str, tuple[str, str]] = {}
    order = ["s1", "s2", "s3", "s4", "s5", "s6"]
    for sid in ("s1", "s5", "s6"):
        if sid not in found:
            continue
        line, offset, heading = found[sid]
        later = [found[s] for s in order[order.index(sid) + 1 :] if s in found]
        end_line = later[0][0] if later else len(texts)
        body = [texts[line][offset:], *texts[line + 1 : end_line]]
        if sid == "s6":  # the page's furniture follows the last section
            for tail in tails:
                body = [tail.sub("", text) for text in body]
        out[sid] = (heading, "\n\n".join(_paragraphs(body, doc.kind)))
    return out


def _paragraphs(lines: list[str], kind: str) -> list[str]:
    """Paragraphs of a section. PDF text is wrapped at the page width: lines are joined back, and a paragraph
    ends where a line ends a sentence short of the full width, or where a numbered sub-heading begins."""
    lines = [line.strip() for line in lines]
    if "PDF" not in kind:
        return [line for line in lines if line]
    width = max((len(line) for line in lines), default=0)
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        if not line:
            continue
        starts = re.match(r"^(（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、|\d+[.、．])", line)
        if current and (starts or (current.endswith(("。", "：", "；")) and len(current.split("\n")[-1]) < width - 1)):
            paragraphs.append(current)
            current = ""
        current = current + line if current else line
    if current:
        paragraphs.append(current)
    return [
        re.sub(r"(?<=[\u4e00-\u9fff，。；：、）（“”])\s+(?=[\u4e00-\u9fff，。；：、）（“”])", "", p) for p in paragraphs
    ]


def title_of(doc: Document, lines: list[Line]) -> str | None:
    joined = ""
    breadcrumb = re.compile(read_definition("import.yaml")["breadcrumb"])
    for line in lines[:6]:
        text = re.sub(r"\s+", "", breadcrumb.sub("", line.text))
        if not text:
            continue
        joined += text
        match = re.search(r"^(.{2,60}?(工作)?年度报告)", joined)
        if match:
            return match.group(1)
        if len(joined) > 80:
            break
    return doc.meta.get("title")


def import_report(
    source: Path,
    agency: str,
    year: int,
    out: Path,
    source_url: str | None = None,
    retrieved: str | None = None,
    force: bool = False,
) -> ImportResult:
    """Read `source`, extract every template cell and the narrative, and write a draft package to `out`.

    Raises ImportError_ (nothing written) for a source that is not a report of either template.
    """
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise ImportError_(f"无法读取 {source}：{exc.strerror}") from None
    doc = read(data)
    tid = detect_template(doc)
    if tid is None:
        raise ImportError_(
            "看不出是政府信息公开工作年度报告：找不到两版模板的任何表头（如“本年制发件数”“本年新制作数量”）"
        )
    tmpl = template(tid)
    extraction = extract(doc, tmpl)
    lines = clean_lines(doc)
    sections = narrative(doc, lines)
    meta = dict(doc.meta)
    if source_url:
        meta["source_url"] = source_url
    title = title_of(doc, lines)
    if title:
        meta["title"] = title
    if (out / "datapackage.json").exists() and not force:
        raise ImportError_(f"{out} 已有数据包；确认要覆盖请加 --force")
    result = ImportResult(out, doc, tmpl, extraction, sections, meta)
    _write(result, agency, year, data, retrieved or date.today().isoformat())
    return result


def _write(result: ImportResult, agency: str, year: int, data: bytes, retrieved: str) -> None:
    tmpl, ex = result.template, result.extraction
    staging = result.out.with_name(result.out.name + ".import-tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    notes = [["table", "row", "column", "note"]]
    for table in tmpl.tables:
        rows = [list(table.header)]
        for row in table.rows:
            if row.optional and (table.id, row.id) not in ex.optional_rows:
                continue
            label = ex.labels.get((table.id, row.id), row.label)
            values = []
            for column in table.columns:
                cell = ex.cells.get((table.id, row.id, column.id))
                values.append(cell.value if cell and cell.status != "missing" else "")
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
    source_text = (
        data.decode("utf-8", "replace")
        if result.doc.kind in {"HTML", "纯文本", "PDF 提取文本", "网页抓取文本"}
        else "\n".join(line.text for line in result.doc.lines)
    )
    (staging / source_name).write_text(
        source_text if source_text.endswith("\n") else source_text + "\n", encoding="utf-8"
    )
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
    unresolved = []
    for (table_id, row_id), keys in itertools.groupby(result.ambiguous, key=lambda k: k[:2]):
        keys = list(keys)
        table = tmpl.table(table_id)
        cell = ex.cells[keys[0]]
        chosen = " / ".join(ex.cells[(table_id, row_id, c.id)].value for c in table.columns)
        unresolved.append(
            {
                "cells": [".".join(k) for k in keys],
                "note": f"连写数字拆分不唯一：当前取 {chosen}；候选 {shown(cell.candidates)}",
            }
        )
    if unresolved:
        descriptor["unresolved"] = unresolved
    descriptor["resources"] = resources
    (staging / "datapackage.json").write_text(dump_json(descriptor), encoding="utf-8")
    if result.out.exists():
        shutil.rmtree(result.out)
    result.out.parent.mkdir(parents=True, exist_ok=True)
    staging.rename(result.out)


def counts(result: ImportResult) -> dict[str, int]:
    out = {"filled": 0, "blank": 0, "missing": 0, "ambiguous": 0}
    for cell in result.extraction.cells.values():
        out[cell.status] += 1
    return out


def year_note(result: ImportResult, year: int) -> str | None:
    due = template_for_year(year)
    if due and due.id != result.template.id:
        return f"按表头判定为 {result.template.id}，但 {year} 年度应使用 {due.id}：请核对年度或原文"
    return None


def format_report(
    result: ImportResult, agency: str, year: int, registry: set[str], problems: list[str], verbose: bool = False
) -> str:
    """The import report: what was taken from where, what is blank, missing or ambiguous, and what to do next."""
    c = counts(result)
    total = sum(c.values())
    ex = result.extraction
    out = [
        f"导入 {result.doc.kind} → {result.out}",
        f"模板：{result.template.id}（按表头判定）",
        f"单元格：共 {total} 个；取自原文 {c['filled']} 个，原文空白 {c['blank']} 个，原文缺失 {c['missing']} 个，"
        f"拆分存疑 {c['ambiguous']} 个。",
        f"文字部分：{'、'.join(h for h, _ in result.narrative.values()) or '未找到'}。",
    ]
    note = year_note(result, year)
    if note:
        out.append(f"注意：{note}")
    for title, items in (("近似匹配的行名称（请核对）", ex.fuzzy), ("其他说明", ex.notes)):
        if items:
            out.append(f"{title}：")
            out += [f"  - {item}" for item in items]
    if result.ambiguous:
        out.append("拆分存疑的单元格（已写入 datapackage.json 的 unresolved；核对原文、改正数值后删去该条）：")
        for (table_id, row_id), keys in itertools.groupby(result.ambiguous, key=lambda k: k[:2]):
            cell = ex.cells[next(keys)]
            out.append(f"  - {table_id}.{row_id}（{cell.where}）：候选 {shown(cell.candidates)}")
    if problems:
        out.append("校验发现的问题（原报告自身的不一致请核对后在 datapackage.json 的 acknowledgements 中确认）：")
        out += [f"  - {p}" for p in problems]
    if agency not in registry:
        out.append(f"机构 {agency} 不在机构名录中；请在 data/agencies.csv 加一行（填写全称、层级等）：")
        out.append(f"  {agency},<机构全称>,<层级：中央/省级/地市级/县级/乡镇级>,<省>,<市>,<县>,<上级机构标识>,<网站>")
    if verbose:
        status = {"filled": "取自", "blank": "原文空白", "missing": "原文缺失", "ambiguous": "拆分存疑，取自"}
        out.append("逐格来源：")
        for table in result.template.tables:
            for row in table.rows:
                for column in table.columns:
                    cell = ex.cells.get((table.id, row.id, column.id))
                    if cell is None:
                        continue
                    where = f" {cell.where}" if cell.where else ""
                    out.append(
                        f"  {table.id}.{row.id}.{column.id} = {cell.value or '（空）'}  {status[cell.status]}{where}"
                    )
    out.append("下一步：对照原文逐格核对草稿（nianbao show 目录 --tidy），改正后运行 nianbao fmt 与 nianbao validate。")
    return "\n".join(out) + "\n"
