"""One decoder: a source saved as GBK, GB18030 or UTF-8 with a BOM imports exactly like its UTF-8 original."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from conftest import DATA

from nianbao.check import validate

SAMPLES = Path(__file__).parent / "fixtures" / "samples"
TABLES = ["s2_a20_1.csv", "s2_a20_5.csv", "s2_a20_6.csv", "s2_a20_8.csv", "s2_a20_9.csv", "s3.csv", "s4.csv"]


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("gbk"),
        lambda text: text.encode("gb18030"),
        lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
        lambda text: codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode("utf-8"),
    ],
    ids=["gbk", "gb18030", "utf-8-bom", "utf-8-bom-crlf"],
)
def test_encoded_source_imports_like_the_original(run, tmp_path: Path, encode) -> None:
    original = (SAMPLES / "beiyangjizhen-2019.txt").read_text(encoding="utf-8")
    source = tmp_path / "report.txt"
    source.write_bytes(encode(original))
    out = tmp_path / "draft"
    code, _, err = run("import", str(source), "--agency", "beiyangjizhen", "--year", "2019", "--out", str(out))
    assert (code, err) == (0, "")
    reviewed = DATA / "reports" / "beiyangjizhen" / "2019"
    for name in [*TABLES, "notes.csv", "narrative.md"]:
        assert (out / name).read_text(encoding="utf-8") == (reviewed / name).read_text(encoding="utf-8"), name
    copy = (out / "source.txt").read_bytes()
    assert not copy.startswith(codecs.BOM_UTF8) and b"\r" not in copy
    assert copy.decode("utf-8") == original  # readable: the same text, not mojibake
    report, _ = validate([str(out)])
    assert [p.text() for p in report.sorted_problems() if p.counts_as_error] == []
    assert not [p for p in report.sorted_problems() if p.rule == "file-encoding"]
