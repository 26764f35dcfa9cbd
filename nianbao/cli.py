"""The `nianbao` command: a thin layer over validate, fmt and show; exit 0 ok, 1 problems found, 2 usage error."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from nianbao.canonical import format_paths
from nianbao.check import output as formats
from nianbao.check import validate
from nianbao.core.definitions import agency_id
from nianbao.core.textfiles import printable
from nianbao.errors import REVIEW, SourceError, UsageError
from nianbao.importer import batch
from nianbao.importer.draft import import_report
from nianbao.importer.summary import format_report
from nianbao.show import load_one, overview, tidy_csv

OK, PROBLEMS, USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nianbao", description="政府信息公开工作年度报告开放数据：校验、规范格式、查看。"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    v = sub.add_parser(
        "validate",
        help="校验数据目录或数据包",
        description="校验数据目录（含 agencies.csv 和 reports/）或单个数据包文件夹。",
    )
    v.add_argument("paths", nargs="*", metavar="PATH", default=["data"], help="数据目录或数据包文件夹（默认 ./data）")
    v.add_argument(
        "--format",
        choices=["text", "json", "github"],
        default="text",
        help="输出格式：text（默认）、json、github（工作流注释 + 作业摘要）",
    )

    f = sub.add_parser(
        "fmt",
        help="把数据文件改写为规范格式",
        description="把数据文件改写为规范格式（UTF-8 无 BOM、LF、固定键序和列序）。",
    )
    f.add_argument("paths", nargs="*", metavar="PATH", default=["data"], help="数据目录或数据包文件夹（默认 ./data）")
    f.add_argument("--check", action="store_true", help="只检查，不改写；有差异时打印差异并以状态 1 退出")

    i = sub.add_parser(
        "import",
        help="把一份已发布的年报导入为数据包草稿",
        description="读取已发布的年报（网页文本、HTML、PDF 提取文本、抓取文本、PDF 转换的 Markdown、.docx、.pdf，按内容识别；旧版 .doc 与扫描版 PDF 会说明如何处理），写出数据包草稿并打印导入报告。"
        "退出状态：0 成功，1 无法导入（未写任何文件），2 用法错误，3 已写出草稿，但有原文中未找到或无法确定的单元格（须对照原文核对）。"
        "批量导入（给出文件夹、清单 CSV 或多个文件，不给 --agency/--year）逐份写出草稿，进度写到标准错误，"
        "最后打印汇总表；退出状态取最差的一份：有失败为 1，否则有须核对的为 3，否则 0。",
    )
    i.add_argument(
        "source",
        metavar="SOURCE",
        nargs="+",
        help="原文文件；批量导入时为文件夹（文件名 <机构>-<年度>.<扩展名>）、清单 CSV（source,agency,year[,source_url,published]）或多个文件",
    )
    i.add_argument("--agency", help="机构标识（ASCII，如 hongze）；单个原文时必填")
    i.add_argument("--year", type=int, help="报告年度；单个原文时必填")
    i.add_argument("--out-root", help="批量导入的输出根目录（默认 data/reports/，其下 <机构>/<年度>/）")
    i.add_argument("--source-url", help="原文网址（原文中有则自动取）")
    i.add_argument("--retrieved", help="获取日期 YYYY-MM-DD（默认今天）")
    i.add_argument("--out", help="输出目录（默认 data/reports/<机构>/<年度>/）")
    i.add_argument("--force", action="store_true", help="覆盖已有的数据包")
    i.add_argument("--verbose", action="store_true", help="逐格列出每个单元格的来源（原文第几行、第几格）")

    s = sub.add_parser(
        "show", help="查看一个数据包", description="查看一个数据包：概览，或 --tidy 输出每个模板单元格一行的 CSV。"
    )
    s.add_argument("package", metavar="PACKAGE", help="数据包文件夹，如 data/reports/beiyangjizhen/2019")
    s.add_argument(
        "--tidy",
        action="store_true",
        help="输出 table,row,column,value,status,note 格式的 CSV（status：printed 原文数值、blank 原文空白、"
        "not-found 原文中没有找到、uncertain 有多种读法）",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"validate": _validate, "fmt": _fmt, "show": _show, "import": _import}[args.command](args)
    except UsageError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return USAGE


def _validate(args: argparse.Namespace) -> int:
    report, _ = validate(args.paths)
    if args.format == "json":
        sys.stdout.write(formats.as_json(report))
    elif args.format == "github":
        annotations, summary = formats.as_github(report)
        sys.stdout.write(annotations)
        target = os.environ.get("GITHUB_STEP_SUMMARY")
        if target:
            with open(target, "a", encoding="utf-8") as out:
                out.write(summary)
        else:
            sys.stdout.write(summary)
    else:
        sys.stdout.write(formats.as_text(report))
    return OK if report.ok else PROBLEMS


def _fmt(args: argparse.Namespace) -> int:
    changes, failures = format_paths(args.paths, write=not args.check)
    for file, reason in failures:
        print(printable(f"{file}: 错误 [file-encoding] 无法改写为规范格式：{reason}"), file=sys.stderr)
    for change in changes:
        if args.check:
            sys.stdout.write(change.diff())
        else:
            print(printable(f"已改写 {change.file}") + (f"（{change.note}）" if change.note else ""))
    if args.check and changes:
        print(f"{len(changes)} 个文件不是规范格式；运行 nianbao fmt 改写。", file=sys.stderr)
    elif not changes and not failures:
        print("所有数据文件均为规范格式。")
    return PROBLEMS if failures or (args.check and changes) else OK


def _import(args: argparse.Namespace) -> int:
    if args.agency is None and args.year is None:
        return _import_batch(args)
    if len(args.source) != 1 or args.agency is None or args.year is None or args.out_root:
        raise UsageError("导入单个原文须同时给出 --agency 和 --year（不用 --out-root）；批量导入不给这两项")
    args.source = args.source[0]
    if not agency_id().fullmatch(args.agency):
        raise UsageError(f"机构标识只能用小写 ASCII 字母、数字和连字符：{args.agency}")
    out = Path(args.out) if args.out else Path("data") / "reports" / args.agency / str(args.year)
    try:
        result = import_report(
            Path(args.source),
            args.agency,
            args.year,
            out,
            args.source_url,
            args.retrieved,
            args.force,
            data_dir=Path("data") if Path("data").is_dir() else None,
        )
    except SourceError as exc:
        print(f"错误：{args.source}：{exc}（未写出任何文件）", file=sys.stderr)
        return PROBLEMS
    registry = Path("data") / "agencies.csv"
    known = set()
    if registry.is_file():
        known = {line.split(",", 1)[0] for line in registry.read_text(encoding="utf-8").splitlines()[1:]}
    report, _ = validate([str(out)])
    problems = [p.text() for p in report.sorted_problems() if p.rule not in {"agency-unknown", "import-unresolved"}]
    sys.stdout.write(format_report(result, args.agency, args.year, known, problems, verbose=args.verbose))
    return REVIEW if result.unresolved else OK  # cells not found or uncertain: review before merging


def _import_batch(args: argparse.Namespace) -> int:
    if args.out or args.source_url:
        raise UsageError("批量导入用 --out-root 指定输出根目录；原文网址写在清单的 source_url 列")
    jobs = batch.jobs_from([Path(p) for p in args.source])
    outcomes = batch.run_batch(
        jobs,
        Path(args.out_root) if args.out_root else None,
        Path("data"),
        args.force,
        args.retrieved,
        progress=lambda line: print(line, file=sys.stderr, flush=True),
    )
    sys.stdout.write(batch.summary_table(outcomes))
    return batch.exit_status(outcomes)


def _show(args: argparse.Namespace) -> int:
    if not (Path(args.package) / "datapackage.json").is_file():
        raise UsageError(f"不是数据包文件夹（缺少 datapackage.json）：{args.package}")
    pkg, problems = load_one(args.package)
    for p in problems:
        print(p.text(), file=sys.stderr)
    sys.stdout.write(tidy_csv(pkg) if args.tidy else overview(pkg))
    return PROBLEMS if any(p.counts_as_error for p in problems) else OK


if __name__ == "__main__":
    sys.exit(main())
