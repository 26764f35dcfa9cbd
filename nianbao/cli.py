"""The `nianbao` command: a thin layer over validate, fmt and show; exit 0 ok, 1 problems found, 2 usage error."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from nianbao import formats
from nianbao.fmt import format_paths
from nianbao.load import UsageError
from nianbao.show import load_one, overview, tidy_csv
from nianbao.validate import validate

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

    s = sub.add_parser(
        "show", help="查看一个数据包", description="查看一个数据包：概览，或 --tidy 输出每个模板单元格一行的 CSV。"
    )
    s.add_argument("package", metavar="PACKAGE", help="数据包文件夹，如 data/reports/beiyangjizhen/2019")
    s.add_argument(
        "--tidy", action="store_true", help="输出 table,row,column,value,note 格式的 CSV（value 为空表示原文空白）"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"validate": _validate, "fmt": _fmt, "show": _show}[args.command](args)
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
        print(f"{file}: 错误 [file-encoding] 无法改写为规范格式：{reason}", file=sys.stderr)
    for change in changes:
        if args.check:
            sys.stdout.write(change.diff())
        else:
            print(f"已改写 {change.file}" + (f"（{change.note}）" if change.note else ""))
    if args.check and changes:
        print(f"{len(changes)} 个文件不是规范格式；运行 nianbao fmt 改写。", file=sys.stderr)
    elif not changes and not failures:
        print("所有数据文件均为规范格式。")
    return PROBLEMS if failures or (args.check and changes) else OK


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
