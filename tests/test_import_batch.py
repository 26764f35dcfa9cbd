"""`nianbao import` over a folder or a manifest: one draft per report, progress, a summary table, the worst status."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import chdir

SAMPLES = Path(__file__).parent / "fixtures" / "samples"  # copies of ../shared/samples
HEADER = "| 状态 | 报告 | 原文 | 格式 | 模板 | 原文数值 | 原文空白 | 未找到 | 存疑 | 规则不符 | 说明 |"


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    for name in ("beiyangjizhen-2019.txt", "shanghai-bangongting-2025.md"):
        shutil.copy(SAMPLES / name, folder / name)
    (folder / "notes.txt").write_text("会议纪要\n", encoding="utf-8")  # names no report
    (folder / "xian-2024.txt").write_text("关于召开会议的通知\n", encoding="utf-8")  # not a report
    return folder


def test_folder_imports_every_file_and_never_stops_on_a_bad_one(run, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    with chdir(tmp_path):
        code, out, err = run("import", str(folder), "--out-root", "drafts", "--retrieved", "2026-11-26")
    assert code == 1  # a source failed: the worst of the batch
    assert err.splitlines() == [
        "[1/4] beiyangjizhen-2019.txt → 通过",
        "[2/4] notes.txt → 失败：文件名不是“<机构标识>-<年度>.<扩展名>”（如 hongze-2024.pdf），也不在清单中",
        "[3/4] shanghai-bangongting-2025.md → 需核对",
        "[4/4] xian-2024.txt → 失败：看不出是政府信息公开工作年度报告：找不到两版模板的任何表头（如“本年制发件数”“本年新制作数量”）",
    ]
    assert out.splitlines() == [
        HEADER,
        "|---|---|---|---|---|---:|---:|---:|---:|---|---|",
        "| 失败 | notes.txt | notes.txt |  |  |  |  |  |  |  | 文件名不是“<机构标识>-<年度>.<扩展名>”（如 hongze-2024.pdf），也不在清单中 |",
        "| 失败 | xian/2024 | xian-2024.txt |  |  |  |  |  |  |  | 看不出是政府信息公开工作年度报告：找不到两版模板的任何表头（如“本年制发件数”“本年新制作数量”） |",
        "| 需核对 | shanghai-bangongting/2025 | shanghai-bangongting-2025.md | Markdown（PDF 转换稿） | V2021 | 195 | 0 | 0 | 5 |  |  |",
        "| 通过 | beiyangjizhen/2019 | beiyangjizhen-2019.txt | 纯文本 | V2019 | 198 | 0 | 0 | 0 | R8 |  |",
        "",
        "共 4 份：失败 2，需核对 1，通过 1，跳过 0。",
    ]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "drafts").glob("*/*")) == [
        "drafts/beiyangjizhen/2019",
        "drafts/shanghai-bangongting/2025",
    ]
    assert not (tmp_path / "drafts" / "xian").exists()


def test_reports_already_there_are_skipped_unless_forced(run, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(SAMPLES / "beiyangjizhen-2019.txt", folder)
    with chdir(tmp_path):
        assert run("import", str(folder))[0] == 0  # default: data/reports/<agency>/<year>/
        code, out, err = run("import", str(folder))
        assert (code, err) == (0, "[1/1] beiyangjizhen-2019.txt → 跳过：已有数据包（加 --force 覆盖）\n")
        assert out.splitlines()[-1] == "共 1 份：失败 0，需核对 0，通过 0，跳过 1。"
        code, _, err = run("import", str(folder), "--force")
        assert (code, err) == (0, "[1/1] beiyangjizhen-2019.txt → 通过\n")
    assert (tmp_path / "data" / "reports" / "beiyangjizhen" / "2019" / "s3.csv").is_file()


def test_manifest_gives_agency_year_url_and_date(run, tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    shutil.copy(SAMPLES / "hongze-2024.pdf.txt", tmp_path / "files" / "report one.txt")
    manifest = tmp_path / "list.csv"
    manifest.write_text(
        "source,agency,year,source_url,published\n"
        "files/report one.txt,hongze,2024,https://www.hongze.gov.cn/a.html,2025-01-20\n"
        "files/gone.pdf,hongze,2023,,\n"
        "files/report one.txt,Hong Ze,2024,,\n",
        encoding="utf-8",
    )
    with chdir(tmp_path):
        code, _, err = run("import", "list.csv", "--out-root", "drafts")
    assert code == 1
    assert err.splitlines()[1:] == [
        "[2/3] gone.pdf → 失败：找不到原文文件 files/gone.pdf",
        "[3/3] report one.txt → 失败：清单第 4 行：机构标识只能用小写 ASCII 字母、数字和连字符：Hong Ze",
    ]
    package = json.loads((tmp_path / "drafts" / "hongze" / "2024" / "datapackage.json").read_text(encoding="utf-8"))
    assert (package["source_url"], package["published"]) == ("https://www.hongze.gov.cn/a.html", "2025-01-20")


def test_batch_needing_review_exits_3_and_single_use_is_unchanged(run, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(SAMPLES / "shanghai-bangongting-2025.md", folder)
    with chdir(tmp_path):
        assert run("import", str(folder), "--out-root", "d")[0] == 3
        code, _, err = run("import", str(folder / "shanghai-bangongting-2025.md"), "--agency", "x")
        assert (code, err) == (
            2,
            "错误：导入单个原文须同时给出 --agency 和 --year（不用 --out-root）；批量导入不给这两项\n",
        )
        code, _, err = run("import", "no-such-folder")
        assert (code, err) == (2, "错误：找不到原文文件或文件夹：no-such-folder\n")
        code, _, err = run("import", "notalist.csv", "--out", "x")
        assert code == 2


def test_bad_manifest_header_is_a_usage_error(run, tmp_path: Path) -> None:
    manifest = tmp_path / "list.csv"
    manifest.write_text("source,agency,year,colour\na.txt,x,2024,red\n", encoding="utf-8")
    code, out, err = run("import", str(manifest))
    assert (code, out) == (2, "")
    assert err == (
        f"错误：清单 {manifest} 的表头应为 source,agency,year,source_url,published（后两列可省），"
        "实际：source,agency,year,colour\n"
    )


def test_folder_with_a_manifest_takes_agency_and_year_from_it(run, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(SAMPLES / "beiyangjizhen-2019.txt", folder / "北杨集镇2019年报.txt")
    shutil.copy(SAMPLES / "shanghai-bangongting-2019.html", folder / "shanghai-bangongting-2019.html")
    (folder / "list.csv").write_text("source,agency,year\n北杨集镇2019年报.txt,beiyangjizhen,2019\n", encoding="utf-8")
    with chdir(tmp_path):
        code, _, err = run("import", "inbox", "--out-root", "drafts")
    assert (code, err) == (0, "[1/2] 北杨集镇2019年报.txt → 通过\n[2/2] shanghai-bangongting-2019.html → 通过\n")
    assert (tmp_path / "drafts" / "beiyangjizhen" / "2019" / "s3.csv").is_file()
    assert (tmp_path / "drafts" / "shanghai-bangongting" / "2019" / "s3.csv").is_file()
