"""The command line as a user sees it: exact output, formats and exit statuses (0 ok, 1 problems, 2 usage)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from conftest import DATA, ROOT, chdir
from faults import INVALID, build


def test_validate_default_is_data(run) -> None:
    with chdir(ROOT):
        status, out, err = run("validate")
    assert status == 0 and err == ""
    packages = len(list((ROOT / "data" / "reports").glob("*/*/datapackage.json")))
    assert re.fullmatch(
        rf"检查了 {packages} 个数据包、\d+ 张表、\d+ 行、\d+ 个单元格，27 条规则共 \d+ 次检验（其中 \d+ 次因原文空白无法检验）："
        r"0 个错误，\d+ 个警告，\d+ 个已确认的原报告数据不一致。",
        out.splitlines()[-1],
    )


def test_validate_errors_exit_1(run, tmp_path: Path) -> None:
    target = build(INVALID / "r4-review-total", tmp_path / "data")
    with chdir(target):
        status, out, _ = run("validate", ".")
    assert status == 1
    assert out.splitlines()[0].startswith("reports/testtown/2019/s4.csv:2:review_total: 错误 [R4] ")
    assert "1 个错误，0 个警告" in out


def test_warnings_alone_exit_0(run, tmp_path: Path) -> None:
    target = build(INVALID / "r8-total-published", tmp_path / "data")
    status, out, _ = run("validate", str(target))
    assert status == 0 and "0 个错误，1 个警告" in out


def test_usage_errors_exit_2(run, tmp_path: Path) -> None:
    status, out, err = run("validate", str(tmp_path / "nowhere"))
    assert status == 2 and out == ""
    assert err == f"错误：不是数据目录（含 agencies.csv 和 reports/）也不是数据包文件夹：{tmp_path / 'nowhere'}\n"
    status, _, err = run("show", str(tmp_path))
    assert status == 2 and "缺少 datapackage.json" in err


def test_bad_option_exits_2() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "nianbao", "validate", "--format", "xml"], capture_output=True, text=True
    )
    assert proc.returncode == 2 and "invalid choice" in proc.stderr and "Traceback" not in proc.stderr


def test_zero_packages_is_an_error(run, tmp_path: Path) -> None:
    target = build(INVALID / "no-packages", tmp_path / "data")
    status, out, _ = run("validate", str(target))
    assert status == 1 and "[no-packages] 没有找到任何数据包" in out


def test_json_format(run, tmp_path: Path) -> None:
    target = build(INVALID / "r1-carried-forward", tmp_path / "data")
    with chdir(target):
        status_default, _, _ = run("validate", "--format", "json")
    with chdir(target):
        status, out, _ = run("validate", ".", "--format", "json")
    report = json.loads(out)
    assert status == 1 and status_default == 2  # no ./data inside the fixture: a usage error
    assert report["valid"] is False
    assert report["counts"] == {
        "packages": 4,
        "tables": 26,
        "rows": 128,
        "cells": 796,
        "errors": 2,
        "warnings": 1,
        "acknowledged": 0,
    }
    first = report["problems"][0]
    assert {
        k: first[k] for k in ("rule", "severity", "file", "line", "column", "column_number", "expected", "found")
    } == {
        "rule": "R1",
        "severity": "error",
        "file": "reports/testtown/2019/s3.csv",
        "line": 23,
        "column": "natural_person",
        "column_number": 3,
        "expected": "13",
        "found": "12",
    }
    assert report["rules"]["R1"] == {"checked": 28, "passed": 27, "failed": 1, "acknowledged": 0, "not_stated": 0}


def test_github_format_caps_annotations_and_writes_summary(run, tmp_path: Path, monkeypatch) -> None:
    target = build(INVALID / "cell-not-integer", tmp_path / "data")
    s3 = target / "reports" / "testtown" / "2019" / "s3.csv"
    lines = s3.read_text(encoding="utf-8").splitlines()
    s3.write_text("\n".join(line.replace(",0,", ",x,") for line in lines) + "\n", encoding="utf-8")
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    with chdir(target):
        status, out, _ = run("validate", ".", "--format", "github")
    annotations = [line for line in out.splitlines() if line.startswith("::error ")]
    assert status == 1 and len(annotations) == 10
    assert annotations[0].startswith("::error file=reports/testtown/2019/s3.csv,line=2,col=5,title=[R9] ")
    assert out.splitlines()[-1].startswith("::notice::另有 ")
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## 数据校验：❌ 未通过")
    assert text.count("| `reports/testtown/2019/s3.csv:") > 10  # every problem, not only the annotated ones


def test_show_tidy(run) -> None:
    status, out, _ = run("show", str(DATA / "reports" / "beiyangjizhen" / "2019"), "--tidy")
    lines = out.splitlines()
    assert status == 0
    assert lines[0] == "table,row,column,value,status,note"
    assert len(lines) == 1 + 198
    assert "s2_a20_1,normative_docs,total_published,48,printed," in lines


def test_show_tidy_keeps_blanks_and_notes(run) -> None:
    from conftest import BASE

    status, out, _ = run("show", str(BASE / "reports" / "testtown" / "2020"), "--tidy")
    lines = out.splitlines()
    assert status == 0
    assert "s3,granted,total,,blank," in lines  # blank in the source
    assert "s3,new_received,total,8,printed," in lines
    assert "s2_a20_9,central_procurement,procurement_amount,1200.5,printed,元" in lines


def test_show_tidy_gives_every_cell_its_status(run, tmp_path: Path) -> None:
    target = build(INVALID / "unresolved-left", tmp_path / "data")
    status, out, _ = run("show", str(target / "reports/testtown/2019"), "--tidy")
    lines = out.splitlines()
    assert status == 0
    assert [line for line in lines if ",uncertain," in line or ",not-found," in line] == [
        "s3,granted,natural_person,,uncertain,连写数字“41”拆分不唯一",
        "s3,granted,legal_commercial,,uncertain,连写数字“41”拆分不唯一",
        "s4,cases,review_total,,not-found,原文第四部分缺“总计”一栏",
    ]
    assert {line.split(",")[4] for line in lines[1:]} == {"printed", "uncertain", "not-found"}  # 2019 has no blank


def test_show_overview(run) -> None:
    status, out, _ = run("show", str(DATA / "reports" / "beiyangjizhen" / "2019"))
    assert status == 0
    assert out.splitlines()[:2] == [
        "北杨集镇2019年政府信息公开工作年度报告",
        "机构：beiyangjizhen  年度：2019  模板：V2019",
    ]


def test_show_overview_lists_cells_settled_against_the_original(run) -> None:
    status, out, _ = run("show", str(DATA / "reports" / "pingtan-lvyou" / "2019"))
    assert status == 0
    assert next(line for line in out.splitlines() if line.startswith("按原文核定")) == (
        "按原文核定：s2_a20_5.admin_license.prev_year_items, s2_a20_5.admin_license.change, "
        "s2_a20_5.admin_license.decisions = 2 / 空白 / 15（原文所印：行政许可 | 2 | （空白） | 15；"
        "公开抓取存档 changwu/pingtan-gov-zwgk-archive 中原网页 page.html 第 30000–54000 字符）"
    )
    assert "  行政许可 | 2 | · | 15" in out.splitlines()


def test_console_script_installed() -> None:
    script = Path(sys.executable).parent / "nianbao"  # installed beside the interpreter by pip install
    proc = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "validate" in proc.stdout and "fmt" in proc.stdout and "show" in proc.stdout


def test_blank_cells_are_counted_as_not_stated(run) -> None:
    from conftest import BASE

    status, out, _ = run("validate", str(BASE))
    assert status == 0
    assert out == (
        "检查了 4 个数据包、26 张表、128 行、796 个单元格，27 条规则共 1579 次检验（其中 20 次因原文空白无法检验）："
        "0 个错误，0 个警告，0 个已确认的原报告数据不一致。\n"
    )


def test_single_package_uses_previous_year_as_context(run, tmp_path: Path) -> None:
    # 2019 is broken (R1, R2); validating only 2020 reports 2020's cross-year finding, not 2019's own errors.
    target = build(INVALID / "r1-carried-forward", tmp_path / "data")
    with chdir(target):
        status, out, _ = run("validate", "reports/testtown/2020")
    lines = out.splitlines()
    assert status == 0
    assert lines[0].startswith("reports/testtown/2020/s3.csv:3:natural_person: 警告 [R5] ")
    assert lines[1].startswith("检查了 1 个数据包、7 张表、32 行")


def test_package_outside_a_data_directory_warns_that_agencies_are_unchecked(run, tmp_path: Path) -> None:
    import shutil

    from conftest import BASE

    draft = tmp_path / "draft"
    shutil.copytree(BASE / "reports" / "testtown" / "2019", draft)
    status, out, _ = run("validate", str(draft))
    assert status == 0
    assert out.splitlines()[0] == (
        f"{draft}/datapackage.json:agency: 警告 [agency-unknown] "
        "找不到机构名录 agencies.csv（数据包不在 reports/<机构>/<年度>/ 下），未检查机构"
    )


def test_show_needs_a_package(run, tmp_path: Path) -> None:
    status, out, err = run("show", str(tmp_path))
    assert (status, out, err) == (2, "", f"错误：不是数据包文件夹（缺少 datapackage.json）：{tmp_path}\n")


def test_github_summary_stays_under_one_mebibyte_and_says_what_it_cut() -> None:
    from nianbao.check.output import summary_markdown
    from nianbao.check.problems import Report, problem

    report = Report()
    report.extend(
        [
            problem(
                "R9",
                "不是数值",
                file=f"reports/a{i:05d}/2019/s3.csv",
                line=2,
                column="total",
                found="x" * 20,
                package=f"a{i:05d}/2019",
            )
            for i in range(20_000)
        ]
    )
    text = summary_markdown(report)
    rows = [line for line in text.splitlines() if line.startswith("| `reports/")]
    assert len(text.encode("utf-8")) < 1 << 20
    assert 0 < len(rows) < 20_000
    assert (
        f"**另有 {20_000 - len(rows)} 个问题未列出**：作业摘要不能超过 1 MiB（GitHub 的上限）。"
        "完整列表：`nianbao validate --format json`。"
    ) in text.splitlines()
    assert text.rstrip().endswith("</details>")


def test_report_years_not_yet_ended_are_warned_against_an_injected_clock() -> None:
    from datetime import date

    from conftest import BASE

    from nianbao.check import validate

    with chdir(BASE):
        report, _ = validate(["."], today=date(2022, 6, 1))
    future = "获取日期在今天（2022-06-01）之后（期望：不晚于 2022-06-01；实际：2026-11-26）"
    assert [p.text() for p in report.sorted_problems()] == [
        f"reports/testcity/2021/datapackage.json:retrieved: 警告 [package-dates] {future}",
        f"reports/testcity/2022/datapackage.json:retrieved: 警告 [package-dates] {future}",
        "reports/testcity/2022/datapackage.json:year: 警告 [package-dates] 报告年度 2022 尚未结束（今天是 2022-06-01），"
        "不会已有年度报告（期望：不晚于 2021；实际：2022）",
        f"reports/testtown/2019/datapackage.json:retrieved: 警告 [package-dates] {future}",
        f"reports/testtown/2020/datapackage.json:retrieved: 警告 [package-dates] {future}",
    ]
    assert report.ok


def test_every_problem_in_a_package_names_its_package(tmp_path: Path) -> None:
    """Every problem of a package carries package= (else it would miss the report page): all fault fixtures."""
    from faults import fault_dirs

    from nianbao.check import validate

    missing = []
    for fault in fault_dirs():
        target = build(fault, tmp_path / fault.name)
        with chdir(target):
            report, _ = validate(["."])
        missing += [p.text() for p in report.problems if p.file and p.file.startswith("reports/") and not p.package]
    assert missing == []


def _definitions_with(edit) -> list[str]:
    import copy

    from nianbao.core.definitions import check_definitions, read_definition

    def read(name: str):
        raw = copy.deepcopy(read_definition(name))
        edit(name, raw)
        return raw

    return check_definitions(read)


def test_installed_definitions_hold_together() -> None:
    assert _definitions_with(lambda name, raw: None) == []


def test_a_typo_in_rules_yaml_is_a_located_message_not_a_key_error() -> None:
    def typo(name: str, raw) -> None:
        if name == "rules.yaml":
            raw["consistency"][0]["lhs"][0] = "s3.new_recieved.{c}"
            raw["structural"][1]["severity"] = "eror"

    assert _definitions_with(typo) == [
        "definitions/rules.yaml: structural[1]（R10）: severity eror 应为 error 或 warning"
    ]

    def only_the_row(name: str, raw) -> None:
        if name == "rules.yaml":
            raw["consistency"][0]["lhs"][0] = "s3.new_recieved.{c}"

    assert _definitions_with(only_the_row) == [
        "definitions/rules.yaml: R1（V2019）: 无法展开为单元格等式：KeyError: 表 s3 没有行 new_recieved",
        "definitions/rules.yaml: R1（V2021）: 无法展开为单元格等式：KeyError: 表 s3 没有行 new_recieved",
    ]


def test_a_typo_in_a_template_is_a_located_message() -> None:
    def typo(name: str, raw) -> None:
        if name == "V2021.yaml":
            raw["tables"][4]["rows"][3]["group"] = "no_such_group"
            raw["tables"][4]["columns"][0]["type"] = "int"

    assert _definitions_with(typo) == [
        "definitions/V2021.yaml: tables[4]（s3）: columns[0]（natural_person）的 type int 应为 count、change 或 money",
        "definitions/V2021.yaml: tables[4]（s3）: rows[3]（partially_granted）的 group no_such_group 不存在",
        "definitions/V2021.yaml: 无法读取模板：KeyError: no_such_group",
    ]


def test_validate_stops_with_exit_2_on_broken_definitions(run, monkeypatch) -> None:
    from nianbao.core import definitions

    monkeypatch.setattr(definitions, "check_definitions", lambda: ["definitions/rules.yaml: R1（V2019）: …"])
    definitions.definitions_ok.cache_clear()
    try:
        status, out, err = run("validate", str(DATA))
    finally:
        definitions.definitions_ok.cache_clear()
    assert (status, out, err) == (2, "", "错误：定义文件有误：\ndefinitions/rules.yaml: R1（V2019）: …\n")
