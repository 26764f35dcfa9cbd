"""Hostile and unlucky import inputs (issue 10): each fed in, each with its exact outcome."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from conftest import chdir

SAMPLES = Path(__file__).parent / "fixtures" / "samples"
BEIYANG = SAMPLES / "beiyangjizhen-2019.txt"


def _import(run, out: str, *extra: str, source: Path = BEIYANG) -> tuple[int, str, str]:
    return run("import", str(source), "--agency", "beiyangjizhen", "--year", "2019", "--out", out, *extra)


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_out_agency_folder_without_year_deletes_nothing(run, tmp_path: Path) -> None:
    """`--out data/reports/pingtan` (the year forgotten) used to remove every year of the agency."""
    agency = tmp_path / "data" / "reports" / "pingtan"
    (agency / "2019").mkdir(parents=True)
    (agency / "2019" / "datapackage.json").write_text("{}\n", encoding="utf-8")
    (agency / "2021").mkdir()
    (agency / "2021" / "s3.csv").write_text("row\n", encoding="utf-8")
    before = _tree(tmp_path)
    code, out, err = _import(run, str(agency))
    assert (code, out) == (1, "")
    assert err == (
        f"错误：{BEIYANG}：输出目录 {agency} 不是数据包，也不是空文件夹（含 2019、2021）；不写入，以免覆盖其中的文件。"
        "请给出数据包文件夹，如 data/reports/<机构>/<年度>（未写出任何文件）\n"
    )
    assert _tree(tmp_path) == before and sorted(os.listdir(agency.parent)) == ["pingtan"]


def test_out_data_directory_is_refused_even_with_force(run, tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "reports").mkdir(parents=True)
    (data / "agencies.csv").write_text("id\n", encoding="utf-8")
    before = _tree(tmp_path)
    code, _, err = _import(run, str(data), "--force")
    assert code == 1 and "不是数据包，也不是空文件夹（含 agencies.csv、reports）；不写入" in err
    assert _tree(tmp_path) == before and sorted(os.listdir(tmp_path)) == ["data"]


def test_out_dot_is_a_message_not_a_crash(run, tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine\n", encoding="utf-8")
    with chdir(tmp_path):
        code, _, err = _import(run, ".")
    assert (code, err) == (
        1,
        f"错误：{BEIYANG}：输出目录 . 是当前目录或其上级目录；请给出数据包文件夹，如 data/reports/<机构>/<年度>"
        "（未写出任何文件）\n",
    )
    assert sorted(os.listdir(tmp_path)) == ["keep.txt"]


def test_out_that_is_a_file_is_refused(run, tmp_path: Path) -> None:
    target = tmp_path / "report"
    target.write_text("mine\n", encoding="utf-8")
    code, _, err = _import(run, str(target))
    assert code == 1 and f"输出目录 {target} 已存在且不是文件夹；不写入" in err
    assert target.read_text(encoding="utf-8") == "mine\n"


def test_empty_out_folder_is_used(run, tmp_path: Path) -> None:
    out = tmp_path / "d"
    out.mkdir()
    assert _import(run, str(out))[0] == 0
    assert (out / "datapackage.json").is_file() and sorted(os.listdir(tmp_path)) == ["d"]


def test_force_replaces_only_a_packages_own_files(run, tmp_path: Path) -> None:
    out = tmp_path / "d"
    assert _import(run, str(out))[0] == 0
    (out / "my-notes.txt").write_text("review in progress\n", encoding="utf-8")
    code, _, err = _import(run, str(out), "--force")
    assert code == 1 and f"{out} 中有数据包以外的文件（my-notes.txt）；不覆盖，请先移走" in err
    assert (out / "my-notes.txt").read_text(encoding="utf-8") == "review in progress\n"
    (out / "my-notes.txt").unlink()
    (out / "s3.csv").write_text("edited\n", encoding="utf-8")
    assert _import(run, str(out), "--force")[0] == 0
    assert (out / "s3.csv").read_text(encoding="utf-8").startswith("row,label,")
    assert sorted(os.listdir(tmp_path)) == ["d"]  # no staging or replaced folder left behind


def test_staging_folder_of_someone_else_is_left_alone(run, tmp_path: Path) -> None:
    """The old fixed staging name `<out>.import-tmp` was removed whatever it held; staging is now always new."""
    theirs = tmp_path / "d.import-tmp"
    theirs.mkdir()
    (theirs / "work.txt").write_text("mine\n", encoding="utf-8")
    assert _import(run, str(tmp_path / "d"))[0] == 0
    assert (theirs / "work.txt").read_text(encoding="utf-8") == "mine\n"
    assert sorted(os.listdir(tmp_path)) == ["d", "d.import-tmp"]


def test_failed_write_removes_only_its_own_staging(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nianbao.importer import draft

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(draft, "canonical_notes", fail)
    (tmp_path / "other").mkdir()
    code, _, err = _import(run, str(tmp_path / "d"))
    assert (code, err) == (
        1,
        f"错误：{BEIYANG}：写出草稿 {tmp_path / 'd'} 失败：No space left on device（未写出任何文件）\n",
    )
    assert sorted(os.listdir(tmp_path)) == ["other"]


def test_out_under_a_file_is_a_message(run, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("mine\n", encoding="utf-8")
    code, _, err = _import(run, str(tmp_path / "file" / "d"))
    assert (code, err) == (
        1,
        f"错误：{BEIYANG}：无法创建输出目录 {tmp_path / 'file' / 'd'}：File exists（未写出任何文件）\n",
    )


def test_thirty_digit_run_is_bounded_and_uncertain(run, tmp_path: Path) -> None:
    """A 30-digit run in section 四 has millions of splits: at most max_splits are listed, the row is uncertain."""
    text = (SAMPLES / "pingtan-2019.web.txt").read_text(encoding="utf-8")
    run_of_zeros = "尚未审结总计000000000000000 五、"
    assert run_of_zeros in text
    source = tmp_path / "dump.txt"
    source.write_text(text.replace(run_of_zeros, "尚未审结总计" + "123456789" * 3 + "987 五、"), encoding="utf-8")
    out = tmp_path / "d"
    code, report, _ = run("import", str(source), "--agency", "pingtan", "--year", "2019", "--out", str(out))
    assert code == 3
    entry = next(
        e
        for e in json.loads((out / "datapackage.json").read_text(encoding="utf-8"))["unresolved"]
        if e["cells"][0].startswith("s4.")
    )
    assert entry["status"] == "uncertain" and len(entry["cells"]) == 15 and len(entry["candidates"]) == 20
    assert (
        entry["note"]
        == "连写的数字“123456789123456789123456789987”拆法超过 5000 种，未全部列出，下列前 20 种：须对照原文确定"
    )
    assert (out / "s4.csv").read_text(encoding="utf-8").splitlines()[1] == "cases," + "," * 15
    assert "  - 无法确定：s4.cases.*（15 格）（第 10 行）：连写的数字“123456789123456789123456789987”拆法超过" in report


def _bomb(size: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z, z.open("word/document.xml", "w", force_zip64=True) as f:
        chunk = b" " * (1 << 20)
        for _ in range(size >> 20):
            f.write(chunk)
    return out.getvalue()


def test_docx_zip_bomb_is_not_read_whole(run, tmp_path: Path) -> None:
    source = tmp_path / "report.docx"
    source.write_bytes(_bomb(65 << 20))
    assert source.stat().st_size < 200_000
    code, _, err = run("import", str(source), "--agency", "x", "--year", "2019", "--out", str(tmp_path / "o"))
    assert (code, err) == (
        1,
        f"错误：{source}：Word 文档的正文解压后超过 64 MB，不予读取（可能是压缩炸弹）（未写出任何文件）\n",
    )
    assert not (tmp_path / "o").exists()


def test_entity_encoded_markup_in_the_title_stays_literal_text(run, tmp_path: Path) -> None:
    """Markup written as entities in the page's title paragraph is text: kept verbatim, never dropped or run."""
    page = (SAMPLES / "shanghai-bangongting-2019.html").read_text(encoding="utf-8")
    title = "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;2019年政府信息公开工作年度报告"
    source = tmp_path / "report.html"
    source.write_text(f"<p>{title}</p>{page}", encoding="utf-8")
    out = tmp_path / "d"
    code, _, _ = run("import", str(source), "--agency", "shanghai-bangongting", "--year", "2019", "--out", str(out))
    assert code == 0
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["title"] == "</title><script>alert(1)</script>2019年政府信息公开工作年度报告"
