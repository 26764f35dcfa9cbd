"""The built site, parsed: numbers in the right cells, links that resolve, valid data packages, escaped text."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from conftest import BASE, DATA, ROOT
from frictionless import Package as FrictionlessPackage
from frictionless import validate as frictionless_validate

import build_site


def build(data: Path, out: Path) -> Path:
    assert (
        build_site.main(["--data", str(data), "--site-dir", str(out / "site"), "--build-dir", str(out / "build")]) == 0
    )
    return out / "site"


@pytest.fixture(scope="module")
def base_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(BASE, tmp_path_factory.mktemp("base"))


@pytest.fixture(scope="module")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(DATA, tmp_path_factory.mktemp("real"))


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def cell(page: BeautifulSoup, table: str, row: str, column: str) -> str:
    """What a cell shows as its value (and note): without the ※ mark and the words for screen readers."""
    td = page.select_one(f'table#{table} tr[data-row="{row}"] td[data-column="{column}"]')
    assert td is not None, (table, row, column)
    td = BeautifulSoup(str(td), "html.parser")
    for extra in td.select(".nb-mark, .nb-sr"):
        extra.decompose()
    return td.get_text()


def test_real_report_numbers_are_in_their_cells(real_site: Path) -> None:
    page = soup(real_site / "reports" / "beiyangjizhen" / "2019" / "index.html")
    assert page.h1 and page.h1.get_text() == "北杨集镇2019年政府信息公开工作年度报告"
    assert cell(page, "s2_a20_1", "normative_docs", "new_published") == "52"
    assert cell(page, "s2_a20_1", "normative_docs", "total_published") == "48"
    assert cell(page, "s3", "total_processed", "total") == "0"
    flagged = page.select_one('table#s2_a20_1 tr[data-row="normative_docs"] td[data-column="total_published"]')
    assert flagged is not None and "nb-flag" in flagged["class"]
    mark = flagged.select_one("a.nb-mark")
    assert mark["href"] == "#finding-1" and mark.get_text() == "※1（原报告数据不一致，见说明 1）"
    assert page.select_one("#finding-1").get_text().startswith("※1 原报告数据不一致 [R8]")
    quality = page.select_one("#quality").get_text()
    assert "原报告数据不一致 1 处（已确认）" in quality
    assert "原报告如此：规范性文件对外公开总数量 48 小于本年新公开数量 52。" in quality


def test_official_layout_spans(base_site: Path) -> None:
    page = soup(base_site / "reports" / "testcity" / "2021" / "index.html")
    group = page.select_one('table#s3 th[scope="rowgroup"]')
    assert group is not None and group.get_text() == "三、本年度办理结果" and group["rowspan"] == "22"
    corner = page.select_one("table#s3 th.nb-corner")
    assert corner["colspan"] == "3" and corner["rowspan"] == "3"
    assert page.select_one('table#s2_a20_5 td[data-column="decisions"]')["colspan"] == "3"
    heads = [th.get_text() for th in page.select("table#s4 thead th")]
    assert heads[:2] == ["行政复议", "行政诉讼"]


def test_blank_cells_stay_blank_and_notes_show(base_site: Path) -> None:
    page = soup(base_site / "reports" / "testtown" / "2020" / "index.html")
    blank = page.select_one('table#s3 tr[data-row="granted"] td[data-column="total"]')
    assert blank.get_text() == "原报告空白" and "nb-blank" in blank["class"]  # hatched, and words for screen readers
    assert blank.select_one(".nb-sr").get_text() == "原报告空白"
    assert (
        cell(page, "s2_a20_9", "central_procurement", "procurement_amount") == "1,200.5元"
    )  # thousands separators on pages (not in the CSV)
    assert (
        "原文空白，无法检验" in page.select_one("#quality").get_text()
        or "因原文空白无法检验" in page.select_one("#quality").get_text()
    )


def test_every_local_link_resolves(base_site: Path) -> None:
    checked = 0
    for html in base_site.rglob("*.html"):
        for a in soup(html).select("a[href], link[href], script[src]"):
            target = a.get("href") or a.get("src")
            parts = urlsplit(target)
            if parts.scheme or target.startswith(("#", "mailto:")) or not parts.path:
                continue
            base = base_site if parts.path.startswith("/") else html.parent  # 404.html links from the root
            path = (base / unquote(parts.path).lstrip("/")).resolve()
            if path.is_dir():
                path = path / "index.html"
            assert path.is_file(), f"{html.relative_to(base_site)} → {target}"
            checked += 1
    assert checked > 200


def test_report_downloads_resolve_and_validate(base_site: Path) -> None:
    folder = base_site / "reports" / "testtown" / "2019"
    links = [a["href"] for a in soup(folder / "index.html").select("#downloads a[download]")]
    assert links[:3] == ["testtown-2019.zip", "testtown-2019.json", "datapackage.json"]
    saved = [a["download"] for a in soup(folder / "index.html").select("#downloads a[download]")]
    assert saved[:4] == [
        "testtown-2019.zip",
        "testtown-2019.json",
        "testtown-2019-datapackage.json",
        "testtown-2019-s2_a20_1.csv",
    ]
    assert all((folder / href).is_file() for href in links)
    report = frictionless_validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])
    data = json.loads((folder / "testtown-2019.json").read_text(encoding="utf-8"))
    assert data["tables"]["s3"]["granted"]["natural_person"] == 4
    assert data["tables"]["s2_a20_9"]["central_procurement"]["procurement_amount"] == 251000


def test_collection_downloads_validate(base_site: Path) -> None:
    folder = base_site / "data" / "downloads"
    report = FrictionlessPackage(str(folder / "datapackage.json")).validate()
    assert report.valid, report.flatten(["type", "note"])
    tidy = (folder / "nianbao-tidy.csv").read_text(encoding="utf-8").splitlines()
    assert tidy[0] == "agency,year,template,table,row,column,value,status,note,row_label,column_label,unit,flag"
    assert "testtown,2020,V2019,s3,granted,total,,blank,,（一）予以公开,申请人情况 · 总计,件," in tidy
    assert (
        "testtown,2019,V2019,s2_a20_9,central_procurement,procurement_amount,251000,printed,元,政府集中采购,采购总金额,,"
        in tidy
    )
    assert (folder / "nianbao-tidy-excel.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    links = [a["href"] for a in soup(base_site / "data" / "index.html").select("a[download]")]
    assert all((base_site / "data" / href).is_file() for href in links) and len(links) >= 6


def test_rules_page_lists_every_rule(base_site: Path) -> None:
    from nianbao.core.rules import all_rules

    page = soup(base_site / "rules" / "index.html")
    assert {r.id for r in all_rules()} <= {tr["id"] for tr in page.select("tr[id]")}


def test_no_request_leaves_the_site(base_site: Path) -> None:
    for html in base_site.rglob("*.html"):
        page = soup(html)
        for tag, attr in (("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src")):
            for el in page.find_all(tag):
                value = el.get(attr) or ""
                assert not value.startswith(("http:", "https:", "//")), f"{html}: {value}"
    css = "".join(p.read_text(encoding="utf-8") for p in base_site.rglob("*.css"))
    assert "fonts.googleapis" not in css and "@import url(http" not in css


def test_narrative_markup_is_escaped(tmp_path: Path, base_copy: Path) -> None:
    narrative = base_copy / "reports" / "testtown" / "2019" / "narrative.md"
    text = narrative.read_text(encoding="utf-8").replace(
        "无。", '<script>alert(1)</script><img src=x onerror="alert(2)">'
    )
    narrative.write_text(text, encoding="utf-8")
    site = build(base_copy, tmp_path)
    page = soup(site / "reports" / "testtown" / "2019" / "index.html")
    assert page.find("script", string="alert(1)") is None
    assert not page.select("img[onerror]")
    assert '<script>alert(1)</script><img src=x onerror="alert(2)">' in page.select_one("#sec-s6").get_text()


def test_builds_are_byte_identical(tmp_path: Path) -> None:
    first, second = build(BASE, tmp_path / "a"), build(BASE, tmp_path / "b")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_build_refuses_bad_data_and_keeps_previous_site(tmp_path: Path, base_copy: Path, capsys) -> None:
    site = build(base_copy, tmp_path)
    before = (site / "index.html").read_bytes()
    (base_copy / "reports" / "testtown" / "2019" / "s4.csv").write_text("broken\n", encoding="utf-8")
    status = build_site.main(
        ["--data", str(base_copy), "--site-dir", str(site), "--build-dir", str(tmp_path / "build")]
    )
    out = capsys.readouterr()
    assert status == 1
    assert "[csv-header]" in out.out and "数据有错误，未生成网站" in out.err
    assert (site / "index.html").read_bytes() == before


def test_build_never_writes_into_data(tmp_path: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in DATA.rglob("*")}
    build(DATA, tmp_path)
    assert {p: p.stat().st_mtime_ns for p in DATA.rglob("*")} == before
    assert not (ROOT / "data" / "site").exists()


def test_strict_mkdocs_config(tmp_path: Path) -> None:
    import yaml

    from nianbao.errors import BuildError
    from nianbao.website.write import build_site

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["theme"]["language"] == "zh" and config["theme"]["font"] is False
    # Strict mode really is on: a page linking to a page that does not exist fails the build (a warning otherwise).
    files = [("index.md", "[坏链接](nowhere/index.md)\n".encode())]
    with pytest.raises(BuildError, match=r"in strict mode"):
        build_site(ROOT / "mkdocs.yml", tmp_path / "build" / "docs", tmp_path / "site", files, 0)
    assert not (tmp_path / "site").exists()


def test_history_from_git_on_report_and_home_pages(real_site: Path) -> None:
    import subprocess

    if subprocess.run(["git", "-C", str(ROOT), "rev-parse"], capture_output=True).returncode != 0:
        pytest.skip("not a git checkout")
    page = soup(real_site / "reports" / "beiyangjizhen" / "2019" / "index.html")
    change = page.select_one("p.nb-change")
    assert change is not None and change.get_text().startswith("本报告数据最近修改于 ")
    assert soup(real_site / "index.html").select("ul.nb-changes li")


def test_build_without_git_omits_history(base_copy: Path, tmp_path: Path) -> None:
    site = build(base_copy, tmp_path)  # a copy outside any git checkout, as from a tarball
    assert soup(site / "reports" / "testtown" / "2019" / "index.html").select_one("p.nb-change") is None
    assert soup(site / "index.html").select_one("ul.nb-changes") is None


def test_catalogue_and_jsonld(base_site: Path) -> None:
    catalogue = json.loads((base_site / "data.json").read_text(encoding="utf-8"))
    assert catalogue["@type"] == "dcat:Catalog"
    datasets = catalogue["dcat:dataset"]
    assert len(datasets) == 1 + 4
    for dataset in datasets:
        for distribution in dataset["dcat:distribution"]:
            assert (base_site / distribution["dcat:downloadURL"]).is_file(), distribution
    page = soup(base_site / "reports" / "testtown" / "2019" / "index.html")
    script = page.head.find("script", type="application/ld+json")
    data = json.loads(script.string)
    assert data["@type"] == "Dataset" and data["name"] == "测试镇2019年政府信息公开工作年度报告"
    assert soup(base_site / "data" / "index.html").head.find("script", type="application/ld+json") is not None


def test_contributing_page(base_site: Path) -> None:
    page = soup(base_site / "contributing" / "index.html")
    assert page.h1.get_text() == "参与贡献"
    assert "nianbao import" in page.get_text()
