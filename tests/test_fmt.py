"""`nianbao fmt`: one canonical serialisation; Excel's GBK and BOM CSVs are read and rewritten."""

from __future__ import annotations

from pathlib import Path

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
