"""A maintainer's reading of the original (`settled`) survives a re-import with --force, and only where it is needed."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from nianbao.core.textfiles import dump_json

SAMPLES = Path(__file__).parent / "fixtures" / "samples"
CELLS = [f"s2_a20_5.admin_license.{c}" for c in ("prev_year_items", "change", "decisions")]


def _source(tmp_path: Path, row: str) -> Path:
    """平潭 2019's crawler text with 行政许可 printed as `row` (run-together digits)."""
    text = (SAMPLES / "pingtan-2019.web.txt").read_text(encoding="utf-8")
    assert "行政许可3960181" in text
    source = tmp_path / "dump.txt"
    source.write_text(text.replace("行政许可3960181", row), encoding="utf-8")
    return source


def _import(run, source: Path, out: Path, *extra: str) -> tuple[int, str, dict]:
    code, report, _ = run("import", str(source), "--agency", "pingtan", "--year", "2019", "--out", str(out), *extra)
    return code, report, json.loads((out / "datapackage.json").read_text(encoding="utf-8"))


def _row(out: Path) -> list[str]:
    rows = list(csv.reader(io.StringIO((out / "s2_a20_5.csv").read_text(encoding="utf-8"))))
    return next(r for r in rows if r[0] == "admin_license")


def _settle(out: Path, descriptor: dict, values: list[str]) -> dict:
    """What CONTRIBUTING.md asks of a maintainer: the values read in the original, into the table and `settled`."""
    entry = {"cells": CELLS, "values": values, "printed": "行政许可 | 12 | （空白） | 5", "source": "原网页第 1–2 字符"}
    descriptor["unresolved"] = [e for e in descriptor["unresolved"] if e["cells"] != CELLS]
    if not descriptor["unresolved"]:
        del descriptor["unresolved"]
    descriptor["settled"] = [entry]
    path = out / "s2_a20_5.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("admin_license,行政许可,,,", "admin_license,行政许可,12,,5")
    )
    (out / "datapackage.json").write_text(dump_json(descriptor), encoding="utf-8")
    return entry


def test_reimport_applies_the_settled_reading_even_one_the_text_cannot_express(run, tmp_path: Path) -> None:
    """`125` is read 1 / 2 / 5 by the importer; the original printed 12 / blank / 5. Re-importing keeps that."""
    source, out = _source(tmp_path, "行政许可125"), tmp_path / "d"
    code, _, draft = _import(run, source, out)
    assert code == 3 and any(e["cells"] == CELLS for e in draft["unresolved"])
    entry = _settle(out, draft, ["12", "", "5"])
    code, report, again = _import(run, source, out, "--force")
    assert again["settled"] == [entry]
    assert all(e["cells"] != CELLS for e in again.get("unresolved", []))
    assert _row(out) == ["admin_license", "行政许可", "12", "", "5"]
    assert "按被替换数据包的 settled 记录（对照原文核定）填入的单元格：" in report
    assert (
        "  - s2_a20_5.admin_license.{prev_year_items,change,decisions} = 12 / 空白 / 5（原网页第 1–2 字符）" in report
    )
    code, out_text, _ = run("validate", str(out))
    assert "import-settled" not in out_text


def test_a_settlement_the_import_no_longer_needs_is_dropped_and_reported(run, tmp_path: Path) -> None:
    """The source now prints the row plainly (a corrected copy): the import reads it itself; the old reading is not
    carried over silently."""
    source, out = _source(tmp_path, "行政许可125"), tmp_path / "d"
    _, _, draft = _import(run, source, out)
    _settle(out, draft, ["12", "", "5"])
    source.write_text(source.read_text(encoding="utf-8").replace("行政许可125", "行政许可 12 0 5"), encoding="utf-8")
    _, report, again = _import(run, source, out, "--force")
    assert "settled" not in again
    assert _row(out) == ["admin_license", "行政许可", "12", "0", "5"]
    assert "被替换数据包中不再需要的 settled 记录" in report
    assert f"  - {'、'.join(CELLS)} = 12 / 空白 / 5" in report


def test_malformed_settlements_of_the_replaced_package_are_ignored(run, tmp_path: Path) -> None:
    """Hostile or broken entries in the package being replaced fill nothing; the cells stay uncertain."""
    source, out = _source(tmp_path, "行政许可125"), tmp_path / "d"
    _, _, draft = _import(run, source, out)
    draft["settled"] = [
        {"cells": CELLS, "values": ["12", "5"], "printed": "x", "source": "y"},  # one value short
        {"cells": CELLS, "values": ["<script>", "", "5"], "printed": "", "source": "y"},  # nothing quoted
        "not an entry",
    ]
    (out / "datapackage.json").write_text(dump_json(draft), encoding="utf-8")
    code, _, again = _import(run, source, out, "--force")
    assert code == 3
    assert "settled" not in again
    assert any(e["cells"] == CELLS for e in again["unresolved"])
    assert _row(out) == ["admin_license", "行政许可", "", "", ""]


def test_without_force_nothing_is_read_from_an_existing_package(run, tmp_path: Path) -> None:
    source, out = _source(tmp_path, "行政许可125"), tmp_path / "d"
    _import(run, source, out)
    code, _, err = run("import", str(source), "--agency", "pingtan", "--year", "2019", "--out", str(out))
    assert code == 1 and "已有数据包" in err


def test_an_unreadable_descriptor_of_the_replaced_package_carries_nothing_over(run, tmp_path: Path) -> None:
    """Bytes that are not JSON (or not text) in the package being replaced: the import reads no settlement from it
    and still writes its draft, the cells it cannot read left uncertain."""
    source, out = _source(tmp_path, "行政许可125"), tmp_path / "d"
    _import(run, source, out)
    (out / "datapackage.json").write_bytes(b'\xff\xfe{"settled": [')
    code, _, again = _import(run, source, out, "--force")
    assert code == 3
    assert "settled" not in again
    assert any(e["cells"] == CELLS for e in again["unresolved"])
