"""The forms reports really arrive in: damaged headings, converted Markdown, Word, PDF (issue 11)."""

from __future__ import annotations

from pathlib import Path

from conftest import DATA

from nianbao.importer import headings

SAMPLES = Path(__file__).parent / "fixtures" / "samples"  # copies of ../shared/samples


def _import(run, source: Path, agency: str, year: int, out: Path) -> tuple[int, str, str]:
    return run(
        "import", str(source), "--agency", agency, "--year", str(year), "--out", str(out), "--retrieved", "2026-11-26"
    )


def test_heading_with_a_typo_is_matched_and_reported(run, tmp_path: Path) -> None:
    # 四、政府信息公开行政法复议、行政诉讼情况 is printed so on a real page: the report still imports, cell for cell.
    text = (SAMPLES / "hongze-2024.pdf.txt").read_text(encoding="utf-8")
    damaged = text.replace("四、政府信息公开行政复议、行政诉讼情况", "四、政府信息公开行政法复议、行政诉讼情况")
    assert damaged != text
    source = tmp_path / "hongze-2024.txt"
    source.write_text(damaged, encoding="utf-8")
    code, report, err = _import(run, source, "hongze", 2024, tmp_path / "draft")
    assert (code, err) == (0, "")
    assert (
        "  - 节标题“四、政府信息公开行政法复议、行政诉讼情况”近似匹配“四、政府信息公开行政复议、行政诉讼情况”"
        "（s4，相似度 0.97，第 112 行）\n" in report
    )
    for name in ("s3.csv", "s4.csv", "narrative.md"):
        assert (tmp_path / "draft" / name).read_text(encoding="utf-8") == (
            DATA / "reports" / "hongze" / "2024" / name
        ).read_text(encoding="utf-8"), name


def test_heading_words_without_the_numeral_are_not_a_heading() -> None:
    # A preamble names the sections in running text; only a heading that keeps its numeral counts.
    preamble = "全文包括因政府信息公开工作被申请行政复议、提起行政诉讼情况"
    assert headings.find(preamble, "s4") is None
    match = headings.find("四.政府信息公开行政法复议.行政诉讼情况行政复议", "s4")
    assert match is not None and (match.start, match.end, match.variant) == (
        0,
        20,
        "四、政府信息公开行政复议、行政诉讼情况",
    )
    assert headings.find("五.存在的主要问题及改进情况", "s4") is None
