"""Hostile input never produces a traceback: each gives one clear problem with its place."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import chdir

from nianbao.check import validate

PKG = Path("reports/testtown/2019")


def problems_in(target: Path) -> list[str]:
    with chdir(target):
        report, _ = validate(["."])
    return [p.text() for p in report.sorted_problems()]


def test_fifty_megabyte_csv_is_refused_unread(base_copy: Path) -> None:
    path = base_copy / PKG / "s3.csv"
    with path.open("ab") as f:
        f.truncate(50 * 1024 * 1024)
    assert problems_in(base_copy) == [
        "reports/testtown/2019/s3.csv: 错误 [file-missing] 文件过大，不像年报数据文件，未读取"
        "（期望：不超过 1,048,576 字节；实际：52,428,800 字节）"
    ]


def test_symlink_out_of_the_package_is_refused(base_copy: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("row,label\n", encoding="utf-8")
    (base_copy / PKG / "s4.csv").unlink()
    os.symlink(secret, base_copy / PKG / "s4.csv")
    assert problems_in(base_copy) == [
        "reports/testtown/2019/datapackage.json:resources[6]: 错误 [resource-path] "
        "资源路径必须是数据包文件夹内的文件名，不得含目录、“..”或网址（期望：如 s3.csv；实际：s4.csv）"
    ]


def test_descriptor_that_is_not_an_object(base_copy: Path) -> None:
    (base_copy / PKG / "datapackage.json").write_text("[1, 2]\n", encoding="utf-8")
    assert problems_in(base_copy) == [
        "reports/testtown/2019/datapackage.json: 错误 [descriptor] datapackage.json 的顶层应是对象（期望：{…}；实际：list）"
    ]


def test_resources_of_the_wrong_type(base_copy: Path) -> None:
    (base_copy / PKG / "datapackage.json").write_text(
        '{"name": "testtown-2019", "title": "t", "agency": "testtown", "year": 2019, "template": "V2019",'
        ' "terms": "t", "resources": [{"name": 3, "path": ["x"]}, "s3.csv"]}\n',
        encoding="utf-8",
    )
    found = problems_in(base_copy)
    assert all("Traceback" not in p for p in found)
    assert any("[descriptor] 不符合 Frictionless 数据包规范" in p for p in found)
    assert any("[R13] 数据包缺少表 s3" in p for p in found)


def test_empty_and_header_only_csv(base_copy: Path) -> None:
    (base_copy / PKG / "s4.csv").write_text("", encoding="utf-8")
    (base_copy / PKG / "s2_a20_8.csv").write_text("row,label,prev_year_items,change\n", encoding="utf-8")
    assert problems_in(base_copy) == [
        "reports/testtown/2019/s2_a20_8.csv:row: 错误 [R13] 缺少模板规定的行（期望：admin_fees（行政事业性收费）；实际：无）",
        "reports/testtown/2019/s4.csv:1: 错误 [csv-header] 文件是空的（期望：row,label,review_upheld,review_corrected,"
        "review_other,review_pending,review_total,lit_direct_upheld,lit_direct_corrected,lit_direct_other,"
        "lit_direct_pending,lit_direct_total,lit_after_review_upheld,lit_after_review_corrected,lit_after_review_other,"
        "lit_after_review_pending,lit_after_review_total；实际：空）",
    ]


def test_undecodable_bytes(base_copy: Path) -> None:
    (base_copy / PKG / "narrative.md").write_bytes(b"## \xe4\xb8\x80\n\xff\xfe\xfd\n")
    assert problems_in(base_copy) == [
        "reports/testtown/2019/narrative.md:2: 错误 [file-encoding] 文件不是 UTF-8 文本，无法解码（第 8 字节）（期望：UTF-8；实际：无法识别的字节）"
    ]


def test_cli_prints_no_traceback_on_garbage(base_copy: Path) -> None:
    for name in ("s3.csv", "datapackage.json", "notes.csv"):
        (base_copy / PKG / name).write_bytes(os.urandom(2048).replace(b"\x00", b"\x01"))
    proc = subprocess.run([sys.executable, "-m", "nianbao", "validate", str(base_copy)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and proc.stderr == ""
    assert "[file-encoding]" in proc.stdout or "[json-syntax]" in proc.stdout
