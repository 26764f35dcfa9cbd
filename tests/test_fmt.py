"""`nianbao fmt`: one canonical serialisation; Excel's GBK and BOM CSVs are read and rewritten."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BASE, chdir
from faults import INVALID, build

from nianbao.check import validate

S3 = Path("reports/testtown/2019/s3.csv")


def test_base_is_canonical(run) -> None:
    status, out, _ = run("fmt", "--check", str(BASE))
    assert (status, out) == (0, "所有数据文件均为规范格式。\n")


def test_gbk_csv_is_rewritten_as_utf8(run, tmp_path: Path) -> None:
    target = build(INVALID / "encoding-gbk", tmp_path / "data")
    with chdir(target):
        status, out, err = run("fmt", "--check", ".")
        assert status == 1
        assert out.startswith(f"--- {S3}: 由 GBK/GB18030 转为 UTF-8\n")
        assert err == "1 个文件不是规范格式；运行 nianbao fmt 改写。\n"
        status, out, _ = run("fmt", ".")
        assert (status, out) == (0, f"已改写 {S3}（由 GBK/GB18030 转为 UTF-8）\n")
        report, _ = validate(["."])
    assert report.ok and report.problems == []
    assert (target / S3).read_bytes() == (BASE / S3).read_bytes()


def test_bom_and_crlf_are_removed(run, tmp_path: Path) -> None:
    target = build(INVALID / "encoding-bom", tmp_path / "data")
    path = target / S3
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    status, out, _ = run("fmt", str(target))
    assert status == 0 and out.endswith("（去除 UTF-8 BOM；换行改为 LF）\n")
    assert path.read_bytes() == (BASE / S3).read_bytes()


def test_columns_rows_and_values_are_put_in_order(run, tmp_path: Path, base_copy: Path) -> None:
    path = base_copy / "reports/testtown/2019/s2_a20_1.csv"
    path.write_text(
        "row,new_made,label,new_published,total_published\nnormative_docs, ４ ,规范性文件,4,20\nregulations,0,规章,0,3\n",
        encoding="utf-8",
    )
    status, out, _ = run("fmt", "--check", str(base_copy))
    assert status == 1
    assert "-row,new_made,label,new_published,total_published\n" in out
    assert "+normative_docs,规范性文件,4,4,20\n" in out
    run("fmt", str(base_copy))
    assert path.read_bytes() == (BASE / "reports/testtown/2019/s2_a20_1.csv").read_bytes()


def test_descriptor_key_order_and_indentation(run, base_copy: Path) -> None:
    import json

    path = base_copy / "reports/testtown/2019/datapackage.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(dict(reversed(list(data.items()))), ensure_ascii=True), encoding="utf-8")
    status, _, _ = run("fmt", str(base_copy))
    assert status == 0
    assert path.read_bytes() == (BASE / "reports/testtown/2019/datapackage.json").read_bytes()


def test_unreadable_file_is_reported_not_rewritten(run, tmp_path: Path) -> None:
    target = build(INVALID / "binary-garbage", tmp_path / "data")
    before = (target / "reports/testtown/2019/s4.csv").read_bytes()
    with chdir(target):
        status, _, err = run("fmt", ".")
    assert status == 1
    assert (
        err
        == "reports/testtown/2019/s4.csv: 错误 [file-encoding] 无法改写为规范格式：含二进制内容（NUL 字节），不是文本文件\n"
    )
    assert (target / "reports/testtown/2019/s4.csv").read_bytes() == before


def test_truncated_json_is_reported(run, tmp_path: Path) -> None:
    target = build(INVALID / "json-truncated", tmp_path / "data")
    with chdir(target):
        status, _, err = run("fmt", "--check", ".")
    assert status == 1
    assert err.startswith(
        "reports/testtown/2019/datapackage.json: 错误 [file-encoding] 无法改写为规范格式：不是合法的 JSON："
    )


def test_undecodable_csv_and_non_object_descriptor_are_reported(run, base_copy: Path) -> None:
    (base_copy / "reports/testtown/2019/s4.csv").write_bytes(b"row,label\n\xff\xfe\x80\x81\n")
    (base_copy / "reports/testtown/2020/datapackage.json").write_text("[1]\n", encoding="utf-8")
    with chdir(base_copy):
        status, _, err = run("fmt", "--check", ".")
    assert status == 1
    assert err.splitlines()[:2] == [
        "reports/testtown/2019/s4.csv: 错误 [file-encoding] 无法改写为规范格式：不是 UTF-8 或 GBK 文本，无法解码（第 11 字节）",
        "reports/testtown/2020/datapackage.json: 错误 [file-encoding] 无法改写为规范格式：顶层不是对象",
    ]


# --- fmt converts only what is certain (issue 10) ----------------------------------------------------------------


def test_only_full_width_digits_minus_and_point_are_folded(run, base_copy: Path) -> None:
    s4 = base_copy / "reports/testtown/2019/s4.csv"
    s4.write_text(
        s4.read_text(encoding="utf-8").replace("cases,,1,1,0,0,2,1,", "cases,,95²,①,㉕,0,２,１,"), encoding="utf-8"
    )
    with chdir(base_copy):
        status, out, _ = run("fmt", ".")
        assert (status, out) == (0, "已改写 reports/testtown/2019/s4.csv\n")
        assert s4.read_text(encoding="utf-8").splitlines()[1].startswith("cases,,95²,①,㉕,0,2,1,")
        report, _ = validate(["."])
    assert [p.text() for p in report.sorted_problems() if p.rule == "R9"] == [
        "reports/testtown/2019/s4.csv:2:review_upheld: 错误 [R9] 单元格含数值以外的文字：数值写在此处，其余文字（单位、括注）"
        "记入 notes.csv（期望：95；实际：95²）",
        "reports/testtown/2019/s4.csv:2:review_corrected: 错误 [R9] 不是数值（期望：非负整数；实际：①）",
        "reports/testtown/2019/s4.csv:2:review_other: 错误 [R9] 不是数值（期望：非负整数；实际：㉕）",
    ]


def test_utf8_file_with_one_gbk_line_is_refused_not_converted(run, base_copy: Path) -> None:
    notes = base_copy / "reports/testtown/2019/notes.csv"
    before = notes.read_bytes() + "s3,granted,total,粘贴的说明\n".encode("gbk")
    notes.write_bytes(before)
    with chdir(base_copy):
        status, _, err = run("fmt", ".")
        assert status == 1
        assert err == (
            "reports/testtown/2019/notes.csv: 错误 [file-encoding] 无法改写为规范格式：第 3 行不是 UTF-8，"
            "而第 2 行是含中文的 UTF-8：文件混用了两种编码（常见于把 GBK 文本粘贴进 UTF-8 文件），不自动转换，请改正该行\n"
        )
        assert notes.read_bytes() == before
        report, _ = validate(["."])
    assert [p.text() for p in report.problems] == [
        "reports/testtown/2019/notes.csv:3: 错误 [file-encoding] 文件第 3 行不是 UTF-8，而第 2 行是含中文的 UTF-8："
        "文件混用了两种编码（常见于把 GBK 文本粘贴进 UTF-8 文件），不自动转换，请改正该行"
    ]


@pytest.mark.parametrize(
    ("encoding", "reason"),
    [
        ("big5", "按 GBK 解读时第 1 行出现不常见的字符“┎”（U+250E），可能是 Big5 或 Shift-JIS 等编码"),
        ("shift_jis", "按 GBK 解读时 16 个汉字中有 16 个是生僻字，可能是 Big5 或 Shift-JIS 等编码"),
    ],
)
def test_big5_and_shift_jis_are_not_read_as_gbk(run, base_copy: Path, encoding: str, reason: str) -> None:
    text = {"big5": "政府資訊公開工作年度報告，本機關共受理申請", "shift_jis": "情報公開の年次報告です。カタカナ"}[
        encoding
    ]
    narrative = base_copy / "reports/testtown/2019/narrative.md"
    narrative.write_bytes(text.encode(encoding) + b"\n")
    with chdir(base_copy):
        status, _, err = run("fmt", "--check", ".")
    assert status == 1
    assert err == (
        f"reports/testtown/2019/narrative.md: 错误 [file-encoding] 无法改写为规范格式：不是 UTF-8；{reason}："
        "不自动转换，请另存为 UTF-8\n"
    )
    assert narrative.read_bytes() == text.encode(encoding) + b"\n"
    with chdir(base_copy):
        report, _ = validate(["."])
    assert [p.text() for p in report.problems if p.rule == "file-encoding"] == [
        f"reports/testtown/2019/narrative.md:1: 错误 [file-encoding] 文件不是 UTF-8；{reason}：不自动转换，请另存为 UTF-8"
    ]


def test_gbk_with_uncommon_but_chinese_names_is_still_converted(run, base_copy: Path) -> None:
    narrative = base_copy / "reports/testtown/2019/narrative.md"
    text = narrative.read_text(encoding="utf-8") + "\n联系人：王镕堃。\n"
    narrative.write_bytes(text.encode("gbk"))
    with chdir(base_copy):
        status, out, _ = run("fmt", ".")
    assert (status, out) == (0, "已改写 reports/testtown/2019/narrative.md（由 GBK/GB18030 转为 UTF-8）\n")
    assert narrative.read_text(encoding="utf-8").endswith("联系人：王镕堃。\n")


def test_a_full_disk_leaves_every_file_whole(run, base_copy: Path, monkeypatch) -> None:
    import errno
    import os

    s3 = base_copy / S3
    before = s3.read_bytes()
    s3.write_bytes(b"\xef\xbb\xbf" + before)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("nianbao.core.textfiles.os.fsync", full)
    with chdir(base_copy):
        status, _, err = run("fmt", ".")
    assert status == 1
    assert err == "reports/testtown/2019/s3.csv: 错误 无法改写为规范格式：无法写入：No space left on device\n"
    assert s3.read_bytes() == b"\xef\xbb\xbf" + before
    assert sorted(p.name for p in s3.parent.iterdir() if p.name.startswith(".")) == []


def test_fmt_reads_the_files_the_descriptor_lists_source_included(run, base_copy: Path) -> None:
    import json

    folder = base_copy / "reports/testtown/2019"
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"].append({"name": "source", "path": "source.txt", "format": "txt"})
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n")
    (folder / "source.txt").write_bytes("\ufeff原文  \r\n５２ 件 \r\n".encode())
    with chdir(base_copy):
        status, out, _ = run("fmt", ".")
    assert (status, out) == (0, "已改写 reports/testtown/2019/source.txt（去除 UTF-8 BOM；换行改为 LF）\n")
    assert (folder / "source.txt").read_text(encoding="utf-8") == "原文  \n５２ 件 \n"  # content as served
