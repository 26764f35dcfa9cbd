"""`nianbao import` over many sources: a folder or a CSV manifest -> one draft per report and one summary table."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.check import validate
from nianbao.core.definitions import agency_id
from nianbao.core.rules import consistency_rules
from nianbao.core.textfiles import _records, decode
from nianbao.errors import ERRORS, OK, REVIEW, FormatError, SourceError, UsageError
from nianbao.importer.draft import import_report
from nianbao.importer.extract import BLANK, NOT_FOUND, PRINTED, UNCERTAIN
from nianbao.importer.summary import counts

MANIFEST_COLUMNS = ("source", "agency", "year", "source_url", "published")
# <agency>-<year>.<anything>: hongze-2024.pdf, pingtan-2019.page.html
_NAME = re.compile(r"^(?P<agency>[a-z0-9]+(?:-[a-z0-9]+)*)-(?P<year>\d{4})\.[^/]+$")


@dataclass
class Job:
    source: Path
    agency: str = ""
    year: int = 0
    source_url: str | None = None
    published: str | None = None
    problem: str = ""  # why the job cannot run (a bad manifest row, a file name that names no report)


@dataclass
class Outcome:
    job: Job
    status: str  # 失败 / 需核对 / 通过 / 跳过
    out: Path | None = None
    kind: str = ""
    template: str = ""
    cells: dict[str, int] = field(default_factory=dict)  # printed / blank / not-found / uncertain
    failing: list[str] = field(default_factory=list)  # consistency rules that fail (not acknowledged)
    message: str = ""

    @property
    def label(self) -> str:
        return f"{self.job.agency}/{self.job.year}" if self.job.agency and self.job.year else self.job.source.name


def is_manifest(path: Path) -> bool:
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    first = path.read_bytes()[:200].decode("utf-8-sig", "replace").splitlines()
    return bool(first) and first[0].replace(" ", "").startswith("source,agency,year")


def jobs_from(paths: list[Path]) -> list[Job]:
    """The reports to import: each manifest's rows, each folder's files, each file named <agency>-<year>.<ext>."""
    jobs: list[Job] = []
    for path in paths:
        if path.is_symlink():
            jobs.append(Job(path, problem="是符号链接，不读取"))
        elif path.is_dir():
            entries = sorted(p for p in path.iterdir() if not p.name.startswith("."))
            listed = [job for p in entries if is_manifest(p) for job in _manifest(p)]  # a manifest in the folder
            named = {job.source.resolve() for job in listed}
            jobs += listed
            jobs += [
                _from_name(p)
                for p in entries
                if (p.is_file() or p.is_symlink()) and not is_manifest(p) and p.resolve() not in named
            ]
        elif is_manifest(path):
            jobs += _manifest(path)
        elif path.exists():
            jobs.append(_from_name(path))
        else:
            raise UsageError(f"找不到原文文件或文件夹：{path}")
    return jobs


def _from_name(path: Path) -> Job:
    if path.is_symlink():
        return Job(path, problem="是符号链接，不读取")
    match = _NAME.match(path.name)
    if not match or not agency_id().fullmatch(match.group("agency")):
        return Job(path, problem="文件名不是“<机构标识>-<年度>.<扩展名>”（如 hongze-2024.pdf），也不在清单中")
    return Job(path, match.group("agency"), int(match.group("year")))


def _manifest(path: Path) -> list[Job]:
    try:
        text, _ = decode(path.read_bytes())
        rows = _records(text)
    except FormatError as exc:
        raise UsageError(f"清单 {path} 无法读取：{exc}") from None
    header = [h.strip() for h in rows[0]]
    if header[:3] != list(MANIFEST_COLUMNS[:3]) or not set(header) <= set(MANIFEST_COLUMNS):
        raise UsageError(f"清单 {path} 的表头应为 {','.join(MANIFEST_COLUMNS)}（后两列可省），实际：{','.join(header)}")
    jobs = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(x.strip() for x in row):
            continue
        record = dict(zip(header, (x.strip() for x in row), strict=False))
        source = path.parent / record.get("source", "")
        job = Job(
            source, record.get("agency", ""), 0, record.get("source_url") or None, record.get("published") or None
        )
        if not agency_id().fullmatch(job.agency):
            job.problem = f"清单第 {number} 行：机构标识只能用小写 ASCII 字母、数字和连字符：{job.agency}"
        elif not re.fullmatch(r"\d{4}", record.get("year", "")):
            job.problem = f"清单第 {number} 行：年度应为四位数字：{record.get('year', '')}"
        elif job.published and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", job.published):
            job.problem = f"清单第 {number} 行：发布日期应为 YYYY-MM-DD：{job.published}"
        else:
            job.year = int(record["year"])
        if source.is_symlink():
            job.problem = job.problem or "是符号链接，不读取"
        jobs.append(job)
    return jobs


def run_batch(
    jobs: list[Job],
    out_root: Path | None,
    data: Path,
    force: bool = False,
    retrieved: str | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> list[Outcome]:
    """Import every job; one bad file never stops the batch. Reports already in `data` are skipped unless forced."""
    rule_ids = {r.id for r in consistency_rules()}
    outcomes = []
    for number, job in enumerate(jobs, start=1):
        outcome = _one(job, out_root, data, force, retrieved, rule_ids)
        progress(
            f"[{number}/{len(jobs)}] {job.source.name} → {outcome.status}"
            + (f"：{outcome.message}" if outcome.message else "")
        )
        outcomes.append(outcome)
    return outcomes


def _one(
    job: Job, out_root: Path | None, data: Path, force: bool, retrieved: str | None, rule_ids: set[str]
) -> Outcome:
    if job.problem:
        return Outcome(job, "失败", message=job.problem)
    out = (out_root or data / "reports") / job.agency / str(job.year)
    existing = data / "reports" / job.agency / str(job.year) / "datapackage.json"
    if not force and (existing.exists() or (out / "datapackage.json").exists()):
        return Outcome(job, "跳过", out, message="已有数据包（加 --force 覆盖）")
    if not job.source.is_file():
        return Outcome(job, "失败", message=f"找不到原文文件 {job.source}")
    try:
        result = import_report(
            job.source,
            job.agency,
            job.year,
            out,
            job.source_url,
            retrieved,
            force=True,
            data_dir=data,  # the neighbouring years already in data/ settle run-together digits
            published=job.published,
        )
    except SourceError as exc:
        return Outcome(job, "失败", message=str(exc))
    except Exception as exc:  # never stop the batch on one file; the message names what broke
        return Outcome(job, "失败", message=f"导入出错（{type(exc).__name__}：{exc}）")
    report, _ = validate([str(out)])
    failing = sorted({p.rule for p in report.sorted_problems() if p.rule in rule_ids and not p.acknowledged})
    cells = counts(result)
    return Outcome(
        job, "需核对" if result.unresolved else "通过", out, result.doc.kind, result.template.id, cells, failing
    )


def exit_status(outcomes: list[Outcome]) -> int:
    """The worst of the batch: 1 if any source failed, else 3 if any draft needs review, else 0."""
    if any(o.status == "失败" for o in outcomes):
        return ERRORS
    return REVIEW if any(o.status == "需核对" for o in outcomes) else OK


_ORDER = {"失败": 0, "需核对": 1, "通过": 2, "跳过": 3}


def summary_table(outcomes: list[Outcome]) -> str:
    """One row per report, worst first: failed, then most cells to review, then most failing rules."""
    ranked = sorted(
        outcomes,
        key=lambda o: (
            _ORDER[o.status],
            -(o.cells.get(NOT_FOUND, 0) + o.cells.get(UNCERTAIN, 0)),
            -len(o.failing),
            o.label,
        ),
    )
    lines = [
        "| 状态 | 报告 | 原文 | 格式 | 模板 | 原文数值 | 原文空白 | 未找到 | 存疑 | 规则不符 | 说明 |",
        "|---|---|---|---|---|---:|---:|---:|---:|---|---|",
    ]
    for o in ranked:
        c = o.cells
        numbers = [str(c[k]) if c else "" for k in (PRINTED, BLANK, NOT_FOUND, UNCERTAIN)] if c else [""] * 4
        cells = [o.status, o.label, o.job.source.name, o.kind, o.template, *numbers, "、".join(o.failing), o.message]
        lines.append("| " + " | ".join(x.replace("|", "｜").replace("\n", " ") for x in cells) + " |")
    tally = {s: sum(o.status == s for o in outcomes) for s in _ORDER}
    lines.append("")
    lines.append(
        f"共 {len(outcomes)} 份：失败 {tally['失败']}，需核对 {tally['需核对']}，通过 {tally['通过']}，跳过 {tally['跳过']}。"
    )
    return "\n".join(lines) + "\n"
