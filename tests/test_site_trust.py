"""What a visitor trusts on the built site (issues 9, 10, 14): text from data escaped everywhere, formula-safe
spreadsheet downloads, acknowledged publisher errors marked wherever their number goes, licence, citation, the
contributing page, and a build that names its warnings."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import BASE, DATA

import build_site
from nianbao.check import validate

# A title and an agency name as a hostile pull request would write them (issue 10, item 1).
HOSTILE_TITLE = "测试镇</title><script>window.__pwned=1</script>\u009f年报"
HOSTILE_NAME = "测试镇</title><script>window.__pwned=2</script>人民政府"
HOSTILE_SETTLED = "（一）予以公开 | <img src=x onerror=window.__pwned=3> | 4"


def build(data: Path, out: Path, *extra: str) -> Path:
    args = ["--data", str(data), "--site-dir", str(out / "site"), "--build-dir", str(out / "build"), *extra]
    assert build_site.main(args) == 0
    return out / "site"


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def make_hostile(data: Path) -> None:
    """The base fixture with a hostile report title, agency name and formula-like note."""
    package = data / "reports" / "testtown" / "2019" / "datapackage.json"
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    descriptor["title"] = HOSTILE_TITLE
    descriptor["settled"] = [
        {"cells": ["s3.granted.natural_person"], "values": ["4"], "printed": HOSTILE_SETTLED, "source": HOSTILE_NAME}
    ]
    package.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    registry = data / "agencies.csv"
    registry.write_text(registry.read_text(encoding="utf-8").replace("测试镇人民政府", HOSTILE_NAME), encoding="utf-8")
    notes = data / "reports" / "testtown" / "2019" / "notes.csv"
    notes.write_text(
        'table,row,column,note\ns2_a20_9,central_procurement,procurement_amount,"=HYPERLINK(""http://x"")"\n',
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    out = tmp_path_factory.mktemp("hostile")
    shutil.copytree(BASE, out / "data")
    make_hostile(out / "data")
    return build(out / "data", out)


@pytest.fixture(scope="module")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(DATA, tmp_path_factory.mktemp("real"), "--site-url", "https://example.org/nianbao/")


def test_hostile_title_and_name_reach_every_place_as_text(hostile_site: Path) -> None:
    for page in (
        "reports/testtown/2019/index.html",
        "agencies/testtown/index.html",
        "reports/testtown/2020/index.html",
    ):
        html = (hostile_site / page).read_text(encoding="utf-8")
        assert "<script>window.__pwned" not in html, page
        parsed = BeautifulSoup(html, "html.parser")
        assert all(
            "__pwned" not in (s.string or "") or s.get("type") == "application/ld+json" for s in parsed("script")
        )
    report = soup(hostile_site / "reports" / "testtown" / "2019" / "index.html")
    assert report.title.get_text() == f"{HOSTILE_TITLE} - 政府信息公开工作年度报告开放数据"
    assert report.h1.get_text() == HOSTILE_TITLE
    assert report.select_one(".md-header__topic:last-child").get_text(strip=True) == HOSTILE_TITLE
    jsonld = report.head.find("script", type="application/ld+json").string
    assert "</" not in jsonld and "<" not in jsonld  # "<" written as \u003c: nothing can close the element
    data = json.loads(jsonld)
    assert data["name"] == HOSTILE_TITLE and data["creator"]["name"] == HOSTILE_NAME
    settled = report.select_one("ul.nb-settled li")
    assert settled.find("img") is None and settled.find("script") is None
    assert (
        settled.get_text()
        == f"三、收到和处理政府信息公开申请情况：（一）予以公开：原文印作“{HOSTILE_SETTLED}”依据：{HOSTILE_NAME}"
    )
    agency = soup(hostile_site / "agencies" / "testtown" / "index.html")
    assert agency.title.get_text() == f"{HOSTILE_NAME} - 政府信息公开工作年度报告开放数据"
    assert agency.h1.get_text() == HOSTILE_NAME


def test_spreadsheet_downloads_neutralise_formulas(hostile_site: Path) -> None:
    folder = hostile_site / "reports" / "testtown" / "2019"
    assert (folder / "notes.csv").read_bytes() == (
        b"agency,year,table,row,column,note\n"
        b'testtown,2019,s2_a20_9,central_procurement,procurement_amount,"\'=HYPERLINK(""http://x"")"\n'
    )
    downloads = hostile_site / "data" / "downloads"
    excel = (downloads / "nianbao-tidy-excel.csv").read_bytes().decode("utf-8-sig").splitlines()
    assert (
        "testtown,2019,V2019,s2_a20_9,central_procurement,procurement_amount,251000,printed,"
        '"\'=HYPERLINK(""http://x"")",政府集中采购,采购总金额,,' in excel
    )
    # Programs read the canonical text: the UTF-8 tidy CSV and the JSON keep the note as written.
    tidy = (downloads / "nianbao-tidy.csv").read_text(encoding="utf-8").splitlines()
    assert (
        "testtown,2019,V2019,s2_a20_9,central_procurement,procurement_amount,251000,printed,"
        '"=HYPERLINK(""http://x"")",政府集中采购,采购总金额,,' in tidy
    )
    notes = json.loads((folder / "testtown-2019.json").read_text(encoding="utf-8"))["notes"]
    assert notes[0]["note"] == '=HYPERLINK("http://x")'
    # Numbers are never touched: -5 is a printed change count.
    assert "testtown,2019,admin_license,行政许可,100,-5,300" in (folder / "s2_a20_5.csv").read_text(encoding="utf-8")


def test_agencies_download_neutralises_formulas(tmp_path: Path, base_copy: Path) -> None:
    registry = base_copy / "agencies.csv"
    registry.write_text(
        registry.read_text(encoding="utf-8").replace("测试省,测试市,测试县", "测试省,@SUM(1),-2+3"), encoding="utf-8"
    )
    site = build(base_copy, tmp_path)
    rows = (site / "data" / "downloads" / "agencies.csv").read_text(encoding="utf-8").splitlines()
    assert "testtown,测试镇人民政府,乡镇级,测试省,'@SUM(1),'-2+3,testcity," in rows


def test_acknowledged_error_is_marked_on_report_agency_and_year_pages(real_site: Path) -> None:
    # 洪泽区 2023: 行政复议 总计 printed 0 while its parts add up to 11 (acknowledged, rule R4).
    report = soup(real_site / "reports" / "hongze" / "2023" / "index.html")
    td = report.select_one('table#s4 tr[data-row="cases"] td[data-column="review_total"]')
    assert "nb-flag" in td["class"]
    mark = td.select_one("a.nb-mark")
    target = report.select_one(mark["href"])
    assert target is not None and "原报告数据不一致" in target.get_text() and "行政复议 · 总计" in target.get_text()
    assert td.select_one(".nb-sr").get_text().startswith("（原报告数据不一致")
    legend = report.select_one(".nb-legend").get_text()
    assert "斜线格：原报告此格空白" in legend and "※" in legend
    agency = soup(real_site / "agencies" / "hongze" / "index.html")
    head = [th.get_text() for th in agency.select("table.nb-figures thead th")]
    row = next(tr for tr in agency.select("table.nb-figures tbody tr") if tr.th.get_text() == "2023")
    reviews = row.select("td")[head.index("行政复议") - 1]
    assert "nb-flag" in reviews["class"] and reviews.select_one("a.nb-mark")["href"].endswith("#quality")
    chart = next(f for f in agency.select("figure.nb-figure") if "行政复议" in f.get_text())
    assert "2023 年的数字含原报告数据不一致" in chart.figcaption.get_text()
    assert "含原报告数据不一致" in chart.svg.desc.get_text() and chart.select(".nb-dot-flag")
    year = soup(real_site / "years" / "2023" / "index.html")
    head = [th.get_text() for th in year.select("table.nb-figures thead th")]
    row = next(tr for tr in year.select("table.nb-figures tbody tr") if "洪泽区" in tr.th.get_text())
    assert "nb-flag" in row.select("td")[head.index("行政复议") - 1]["class"]
    total = year.select("table.nb-figures tfoot td")[head.index("行政复议") - 1]
    assert "nb-flag" in total["class"] and "含 1 份原报告数据不一致" in total.get_text()


def test_acknowledged_error_is_flagged_in_downloads(real_site: Path) -> None:
    downloads = real_site / "data" / "downloads"
    tidy = list(csv.DictReader(io.StringIO((downloads / "nianbao-tidy.csv").read_text(encoding="utf-8"))))
    flagged = {(r["agency"], r["year"], r["table"], r["row"], r["column"]) for r in tidy if r["flag"]}
    acknowledged = {
        (p.parent.parent.name, p.parent.name, *cell.split("."))
        for p in (DATA / "reports").glob("*/*/datapackage.json")
        for ack in json.loads(p.read_text(encoding="utf-8")).get("acknowledgements", [])
        for cell in ack["cells"]
    }
    assert flagged == acknowledged  # every acknowledged cell of data/, and no other
    assert {
        ("beiyangjizhen", "2019", "s2_a20_1", "normative_docs", "total_published"),
        ("hongze", "2023", "s4", "cases", "review_total"),
        ("hongze", "2023", "s4", "cases", "lit_after_review_total"),
    } <= flagged
    assert {r["flag"] for r in tidy} == {"", "acknowledged"}
    wide = list(csv.DictReader(io.StringIO((downloads / "wide" / "V2021-s4.csv").read_text(encoding="utf-8"))))
    hongze = next(r for r in wide if (r["agency"], r["year"]) == ("hongze", "2023"))
    assert hongze["flags"] == "cases.review_total=acknowledged cases.lit_after_review_total=acknowledged"
    data = json.loads((real_site / "reports" / "hongze" / "2023" / "hongze-2023.json").read_text(encoding="utf-8"))
    assert data["flags"] == {"s4.cases.lit_after_review_total": "acknowledged", "s4.cases.review_total": "acknowledged"}
    excel = (downloads / "nianbao-tidy-excel.csv").read_text(encoding="utf-8-sig")
    assert "hongze,2023,V2021,s4,cases,review_total,0,printed,,,行政复议 · 总计,件,acknowledged" in excel.splitlines()


def test_quality_panel_speaks_plainly(real_site: Path) -> None:
    quality = soup(real_site / "reports" / "hongze" / "2023" / "index.html").select_one("#quality").get_text()
    assert "均通过" not in quality and "有 1 处警告" in quality and "有 2 处原报告数据不一致" in quality
    assert "s4.cases" not in quality and "review_total" not in quality and "other_no_correction" not in quality
    assert "行政复议 · 总计 = 行政复议 · 结果维持 + 行政复议 · 结果纠正" in quality
    assert "（期望：“1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请”、“2." in quality
    home = soup(real_site / "index.html").get_text()
    warned = [p for p in validate([str(DATA)])[0].problems if p.severity == "warning" and not p.acknowledged]
    reports = len({p.package or p.file.split("/reports/")[-1].rsplit("/", 1)[0] for p in warned})
    assert "通过结构检查" not in home and f"{reports} 份报告有警告（共 {len(warned)} 处）" in home


def test_licence_repository_and_error_report(real_site: Path) -> None:
    for html in real_site.rglob("*.html"):
        footer = soup(html).select_one("footer .nb-footer")
        assert footer is not None, html
        assert "CC BY 4.0" in footer.get_text() and "政府信息公开条例" in footer.get_text()
        assert footer.find("a", string="源代码与数据（GitHub 仓库）")["href"] == "https://github.com/nianbao/nianbao"
    for name in ("reports/hongze/2023/datapackage.json", "data/downloads/datapackage.json"):
        licences = json.loads((real_site / name).read_text(encoding="utf-8"))["licenses"]
        assert licences == [
            {
                "name": "CC-BY-4.0",
                "path": "https://creativecommons.org/licenses/by/4.0/deed.zh-hans",
                "title": "知识共享 署名 4.0 国际许可协议（CC BY 4.0）",
            }
        ]
    link = soup(real_site / "reports" / "hongze" / "2023" / "index.html").find("a", string="报告数据错误")
    assert link["href"] == (
        "https://github.com/nianbao/nianbao/issues/new?template=data-error.yml"
        "&title=%5B%E6%95%B0%E6%8D%AE%E9%94%99%E8%AF%AF%5D%20"
        "%E6%B4%AA%E6%B3%BD%E5%8C%BA%E4%BA%BA%E6%B0%91%E6%94%BF%E5%BA%9C2023%E5%B9%B4%E6%94%BF%E5%BA%9C"
        "%E4%BF%A1%E6%81%AF%E5%85%AC%E5%BC%80%E5%B7%A5%E4%BD%9C%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A"
        "&page=https%3A%2F%2Fexample.org%2Fnianbao%2Freports%2Fhongze%2F2023%2F"
    )
    template = Path(build_site.__file__).parent / ".github" / "ISSUE_TEMPLATE" / "data-error.yml"
    assert "id: page" in template.read_text(encoding="utf-8")  # the field the link fills


def test_citation_is_complete_and_from_the_data(real_site: Path) -> None:
    import subprocess

    page = soup(real_site / "reports" / "hongze" / "2023" / "index.html")
    text = page.select_one("#cite-text").get_text()
    log = subprocess.run(
        ["git", "-C", str(DATA), "log", "-1", "--first-parent", "-m", "--format=%h %cs", "--", "reports/hongze/2023"],
        capture_output=True,
        text=True,
    ).stdout.split()
    if not log:
        pytest.skip("not a git checkout")
    short, day = log[0][:7], log[1]
    assert text == (
        "淮安市洪泽区人民政府：《洪泽区人民政府2023年政府信息公开工作年度报告》，2023 年度。"
        "转录数据：政府信息公开工作年度报告开放数据，https://example.org/nianbao/reports/hongze/2023/，"
        f"数据版本 {short}（{day}），访问日期 {day}。"
    )
    assert page.select_one("button.nb-copy[data-copy=cite-text]") is not None
    bibtex = page.select_one("#cite-bibtex").get_text()
    assert (
        bibtex.startswith("@misc{nianbao-hongze-2023,")
        and "url = {https://example.org/nianbao/reports/hongze/2023/}" in bibtex
    )
    csl = json.loads(page.select_one("#cite-csl").get_text())
    assert csl["URL"] == "https://example.org/nianbao/reports/hongze/2023/" and csl["version"] == short
    assert csl["accessed"] == {"date-parts": [[int(x) for x in day.split("-")]]}
    jsonld = json.loads(page.head.find("script", type="application/ld+json").string)
    assert jsonld["url"] == "https://example.org/nianbao/reports/hongze/2023/"


def test_absolute_urls_with_a_site_url(real_site: Path) -> None:
    catalogue = json.loads((real_site / "data.json").read_text(encoding="utf-8"))
    ids = [d["@id"] for d in catalogue["dcat:dataset"]]
    assert ids[0] == "https://example.org/nianbao/data/" and "https://example.org/nianbao/reports/hongze/2023/" in ids
    for dataset in catalogue["dcat:dataset"]:
        for dist in dataset["dcat:distribution"]:
            url = dist["dcat:downloadURL"]
            assert url.startswith("https://example.org/nianbao/")
            assert (real_site / url.removeprefix("https://example.org/nianbao/")).is_file(), url
    data = json.loads((real_site / "reports" / "hongze" / "2023" / "hongze-2023.json").read_text(encoding="utf-8"))
    assert data["url"] == "https://example.org/nianbao/reports/hongze/2023/"
    sitemap = (real_site / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://example.org/nianbao/reports/hongze/2023/</loc>" in sitemap


def test_contributing_page_renders_code_and_every_step(real_site: Path) -> None:
    page = soup(real_site / "contributing" / "index.html")
    assert len(page.select("article pre")) >= 5
    steps = [len(ol.find_all("li", recursive=False)) for ol in page.select("article ol") if not ol.find_parent("li")]
    source = (Path(build_site.__file__).parent / "CONTRIBUTING.md").read_text(encoding="utf-8")
    sections = [re.findall(r"^[0-9]+\. ", part, re.M) for part in re.split(r"^## ", source, flags=re.M)]
    assert steps == [len(s) for s in sections if s]
    assert any("git clone" in pre.get_text() for pre in page.select("article ol pre"))


def test_plain_chinese_for_visitors(real_site: Path) -> None:
    types = {td.get_text() for td in soup(real_site / "data" / "index.html").select("table.nb-dict td:nth-of-type(3)")}
    assert {"整数", "数值"} <= types and not types & {"integer", "number"}
    not_found = soup(real_site / "404.html")
    assert not_found.h1.get_text() == "页面不存在"
    assert {a.get_text() for a in not_found.select("ul.nb-404 a")} >= {"按机构浏览", "按年度浏览"}
    report = soup(real_site / "reports" / "hongze" / "2023" / "index.html")
    meta = report.select_one("table.nb-meta").get_text()
    assert "nianbao import" not in meta and "由本站的导入程序从洪泽区人民政府年报 PDF 的提取文本导入" in meta
    rules = soup(real_site / "rules" / "index.html")
    assert {td.get_text() for td in rules.select("table.nb-rules td:nth-of-type(1)")} <= {"错误", "警告"}
    generator = soup(real_site / "index.html").select_one("footer .nb-generator")
    assert "Material for MkDocs" in generator.get_text()


def test_history_shows_dates_and_links_not_commit_subjects(real_site: Path) -> None:
    import subprocess

    subjects = subprocess.run(
        ["git", "-C", str(DATA), "log", "--format=%s", "--", "."], capture_output=True, text=True
    ).stdout.splitlines()
    if not subjects:
        pytest.skip("not a git checkout")
    home = soup(real_site / "index.html").select_one("ul.nb-changes").get_text()
    change = soup(real_site / "reports" / "hongze" / "2023" / "index.html").select_one("p.nb-change")
    assert all(s not in home and s not in change.get_text() for s in subjects)
    assert re.match(r"^本报告数据最近修改于 \d{4}-\d{2}-\d{2}（查看这次修改）。$", change.get_text())
    assert change.a["href"].startswith("https://github.com/nianbao/nianbao/commit/")


def test_build_names_its_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build(DATA, tmp_path)
    out = capsys.readouterr().out
    warned = [p for p in validate([str(DATA)])[0].problems if p.severity == "warning" and not p.acknowledged]
    assert f"0 个错误，{len(warned)} 个警告" in out
    warnings = [line for line in out.splitlines() if " 警告 [" in line]
    assert len(warnings) == len(warned) and all(f"[{p.rule}]" in w for p, w in zip(warned, warnings, strict=True))
    assert any("hongze/" in w and "[R13]" in w for w in warnings)


def test_thousands_separators_on_pages_not_in_csv(real_site: Path) -> None:
    page = soup(real_site / "reports" / "huaian" / "2024" / "index.html")
    values = [td.get_text() for td in page.select("table.nb-table td")]
    assert "447,228" in "".join(values) and "447228" not in "".join(values)
    assert ",447228," in (real_site / "data" / "downloads" / "nianbao-tidy.csv").read_text(encoding="utf-8")


def test_zip_members_dated_by_the_data(real_site: Path) -> None:
    with zipfile.ZipFile(real_site / "reports" / "hongze" / "2023" / "hongze-2023.zip") as z:
        dates = {info.date_time for info in z.infolist()}
    assert len(dates) == 1 and next(iter(dates))[0] >= 2024


def test_pages_workflow_gives_the_build_its_address() -> None:
    import yaml

    workflows = Path(build_site.__file__).parent / ".github" / "workflows"
    publish = yaml.safe_load((workflows / "publish.yml").read_text(encoding="utf-8"))
    configure = publish["jobs"]["configure"]
    step = next(s for s in configure["steps"] if s.get("uses", "").startswith("actions/configure-pages@"))
    assert configure["outputs"]["base_url"] == f"${{{{ steps.{step['id']}.outputs.base_url }}}}"
    assert publish["jobs"]["check"]["with"]["site_url"] == "${{ needs.configure.outputs.base_url }}"
    check = yaml.safe_load((workflows / "check.yml").read_text(encoding="utf-8"))
    build = next(s for s in check["jobs"]["check"]["steps"] if s.get("run") == "python build_site.py")
    assert build["env"]["NIANBAO_SITE_URL"] == "${{ inputs.site_url }}"
    assert build["env"]["NIANBAO_REPOSITORY"] == "${{ github.server_url }}/${{ github.repository }}"


def test_repository_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fork's build (NIANBAO_REPOSITORY from the workflow) links its own repository, not site.yaml's default."""
    monkeypatch.setenv("NIANBAO_REPOSITORY", "https://github.com/someone/fork")
    site = build(BASE, tmp_path)
    page = soup(site / "reports" / "testtown" / "2019" / "index.html")
    assert page.select_one("a.nb-report-error")["href"].startswith("https://github.com/someone/fork/issues/new?")
    assert page.select_one('footer a[href="https://github.com/someone/fork"]') is not None


def test_site_url_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NIANBAO_SITE_URL", "https://example.org/sub/")
    site = build(BASE, tmp_path)
    assert "<loc>https://example.org/sub/reports/testtown/2019/</loc>" in (site / "sitemap.xml").read_text()
    assert 'href="/sub/agencies/"' in (site / "404.html").read_text(encoding="utf-8")


def test_accessibility_and_weight(real_site: Path) -> None:
    for html in real_site.rglob("*.html"):
        page = soup(html)
        skip = page.select_one("a.nb-skip")
        assert skip is not None and page.select_one(skip["href"]) is not None, html
        assert not page.select("table th:not([scope])"), html  # every header cell says what it heads
    # Material's built-in search (lunr, its worker) is off and never loaded; source maps are for its developers.
    assert not (real_site / "assets" / "javascripts" / "lunr").exists()
    assert not (real_site / "assets" / "javascripts" / "workers").exists()
    assert not list(real_site.rglob("*.map"))
    assert all("sourceMappingURL" not in p.read_text(encoding="utf-8") for p in real_site.glob("assets/*/*.min.*"))


def test_chart_ticks_are_whole_numbers() -> None:
    from nianbao.website.charts import line_chart

    svg = BeautifulSoup(
        str(line_chart("测试", [2023, 2024], [("行政复议", [0.0, 5.0]), ("行政诉讼", [3.0, None])])), "html.parser"
    )
    ticks = [t.get_text() for t in svg.select("text.nb-axis[text-anchor=end]")]
    assert ticks == ["0", "2", "4", "6", "8"]
    big = BeautifulSoup(str(line_chart("测试", [2023], [("申请", [447228.0])])), "html.parser")
    assert [t.get_text() for t in big.select("text.nb-axis[text-anchor=end]")] == [
        "0",
        "200,000",
        "400,000",
        "600,000",
        "800,000",
    ]
    assert "2024年未填" in svg.desc.get_text()


def test_home_title_newest_and_agency_findings(real_site: Path) -> None:
    home = soup(real_site / "index.html")
    assert home.title.get_text() == "政府信息公开工作年度报告开放数据"
    newest = [a["href"] for a in home.select("ul.nb-report-list a")]
    years = [int(h.rstrip("/").rsplit("/", 1)[1]) for h in newest]
    assert years == sorted(years, reverse=True) and years[0] == 2025  # 上海市人民政府办公厅 2025 (issue 11)
    agency = soup(real_site / "agencies" / "hongze" / "index.html")
    finding = next(li for li in agency.select("ul.nb-findings li.nb-ack"))
    assert "确认说明：原报告如此" in finding.get_text() and finding.a["href"].startswith(
        "../../reports/hongze/2023/#finding-"
    )


def test_lone_surrogate_in_a_title_is_a_message_not_a_traceback(
    tmp_path: Path, base_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = build(base_copy, tmp_path)
    before = (site / "index.html").read_bytes()
    package = base_copy / "reports" / "testtown" / "2019" / "datapackage.json"
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    descriptor["title"] = "测试\ud800镇"
    package.write_text(json.dumps(descriptor, ensure_ascii=True, indent=2) + "\n", encoding="utf-8")
    args = ["--data", str(base_copy), "--site-dir", str(site), "--build-dir", str(tmp_path / "build")]
    assert build_site.main(args) == 1
    out, err = capsys.readouterr()
    # The validator refuses it first (json-syntax), so the build never reaches the writer; site/ is kept.
    assert err == "数据有错误，未生成网站（site/ 保持原样）。\n"
    assert (
        "datapackage.json: 错误 [json-syntax] datapackage.json 含孤立的 Unicode 代理字符 \\ud800（不是合法的文字，无法写成 UTF-8）\n"
        in out
    )
    assert (site / "index.html").read_bytes() == before


def test_xlsx_workbook(real_site: Path, hostile_site: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(real_site / "data" / "downloads" / "nianbao.xlsx")
    assert book.sheetnames[0] == "机构" and "V2021-s4" in book.sheetnames
    sheet = book["V2021-s4"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:2] == ("agency", "year")
    total = rows[1].index("cases.review_total")
    assert rows[0][total] == "行政复议 › 总计"
    hongze = next(r for r in rows[2:] if r[:2] == ("hongze", 2023))
    assert hongze[total - 4 : total + 1] == (10, 1, 0, 0, 0) and isinstance(hongze[total], int)
    assert hongze[-1] == "cases.review_total=acknowledged cases.lit_after_review_total=acknowledged"
    # Text that a spreadsheet would run is neutralised here too; numbers stay numbers (blank = empty cell).
    agencies = list(openpyxl.load_workbook(hostile_site / "data" / "downloads" / "nianbao.xlsx")["机构"].values)
    assert agencies[1][0] == "id"
    assert all(not str(v).startswith(("=", "+", "-", "@")) for row in agencies for v in row if v is not None)


def test_history_survives_any_commit_subject(tmp_path: Path, base_copy: Path) -> None:
    import subprocess

    def git(*args: str) -> None:
        env = {"GIT_AUTHOR_DATE": "2026-01-02T03:04:05Z", "GIT_COMMITTER_DATE": "2026-01-02T03:04:05Z"}
        subprocess.run(
            ["git", "-C", str(base_copy), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
            check=True,
            capture_output=True,
            env={**__import__("os").environ, **env},
        )

    git("init", "-q")
    git("add", ".")
    # Control characters (record separators of the log format too) and a "(#1)" the forge never said.
    git("commit", "-q", "-m", "evil \x1e\x1f subject ::error file=x::boom (#1)")
    site = build(base_copy, tmp_path)
    change = soup(site / "reports" / "testtown" / "2019" / "index.html").select_one("p.nb-change")
    assert change.get_text() == "本报告数据最近修改于 2026-01-02（查看这次修改）。"
    home = soup(site / "index.html")
    assert "evil" not in home.get_text() and not home.select('a[href*="/pull/"]')
    assert "2026-01-02 更新：" in home.select_one("ul.nb-changes").get_text()


def test_year_page_shows_what_a_blank_figure_states(real_site: Path) -> None:
    # 上海 2019 left 予以公开 总计 blank; its applicant columns print 258 + 12 + 1 + 1 (two columns blank).
    year = soup(real_site / "years" / "2019" / "index.html")
    head = [th.get_text() for th in year.select("table.nb-figures thead th")]
    row = next(tr for tr in year.select("table.nb-figures tbody tr") if "上海" in tr.th.get_text())
    granted = row.select("td")[head.index("予以公开") - 1]
    assert granted.get_text() == "—（已填部分 272）" and granted["data-sort"] == ""
    total = year.select("table.nb-figures tfoot td")[head.index("予以公开") - 1]
    printed = [
        row["total"]
        for path in (DATA / "reports").glob("*/2019/s3.csv")
        for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
        if row["row"] == "granted" and row["total"]
    ]
    assert total.get_text() == f"{sum(int(v) for v in printed)}1 份未填"  # the partial sum is not added in


def test_copy_of_the_original_is_published_as_plain_text(real_site: Path) -> None:
    folder = real_site / "reports" / "shanghai-bangongting" / "2019"
    page = soup(folder / "index.html")
    link = page.select_one('#downloads a[href="source.html.txt"]')
    assert link is not None and link["download"] == "shanghai-bangongting-2019-source.html.txt"
    original = DATA / "reports" / "shanghai-bangongting" / "2019" / "source.html"
    assert (folder / "source.html.txt").read_bytes() == original.read_bytes()
    assert not (folder / "source.html").exists()  # never served as HTML from this site
    assert "原文副本见本页下载中的 source.html.txt（以纯文本提供）" in page.select_one("table.nb-meta").get_text()
    hongze = real_site / "reports" / "hongze" / "2023"
    assert (hongze / "source.txt").read_bytes() == (DATA / "reports" / "hongze" / "2023" / "source.txt").read_bytes()
    with zipfile.ZipFile(hongze / "hongze-2023.zip") as z:
        assert "hongze-2023/source.txt" in z.namelist()


def test_copy_of_the_original_behind_a_symlink_is_not_published(tmp_path: Path) -> None:
    from nianbao.check import validate  # noqa: F401  (loads the package model without a circular import)
    from nianbao.core.package import Package
    from nianbao.website.downloads import source_copy

    outside = tmp_path / "secret.txt"
    outside.write_text("outside the repository\n", encoding="utf-8")
    folder = tmp_path / "reports" / "testtown" / "2019"
    folder.mkdir(parents=True)
    resource = {"name": "source", "path": "source.txt", "format": "txt", "mediatype": "text/plain"}
    package = Package(folder, "reports/testtown/2019", "testtown", 2019, descriptor={"resources": [resource]})
    (folder / "source.txt").symlink_to(outside)
    assert source_copy(package) is None
    (folder / "source.txt").unlink()
    (folder / "source.txt").write_text("原文\n", encoding="utf-8")
    assert source_copy(package) == ("source.txt", "原文\n".encode())
    package.descriptor = {"resources": [{**resource, "path": "../secret.txt"}]}
    assert source_copy(package) is None


def test_units_are_listed_under_their_parent_and_compared_side_by_side(real_site: Path) -> None:
    """Issue 12: an agency's page lists its units (registry `parent`); one page per year compares them all."""
    registry = list(csv.DictReader(io.StringIO((DATA / "agencies.csv").read_text(encoding="utf-8"))))
    reports = {a.name: sorted(int(y.name) for y in a.iterdir()) for a in (DATA / "reports").iterdir()}
    names = {r["id"]: r["name"] for r in registry}
    parents = sorted({r["parent"] for r in registry if r["parent"] and r["id"] in reports})
    assert parents  # the real data has units under a parent (淮安市 → 洪泽区 at least)
    for parent in parents:
        units = sorted((r["id"] for r in registry if r["parent"] == parent and r["id"] in reports), key=names.get)
        page = soup(real_site / "agencies" / parent / "index.html")
        listed = page.select_one("ul.nb-units")
        assert [a.get_text() for a in listed.select("a")] == [names[u] for u in units]
        members = [a for a in (parent, *units) if a in reports]
        years = sorted({y for a in members for y in reports[a]})
        for year in years:
            overview = soup(real_site / "agencies" / parent / str(year) / "index.html")
            shown = [th.get_text() for th in overview.select("table.nb-figures tbody th[scope=row]")]
            assert sorted(shown) == sorted(names[a] for a in members if year in reports[a])


def test_cells_settled_against_the_original_are_shown_with_their_evidence(real_site: Path) -> None:
    """苏平片区 2020: two rows run together in the crawler text were read in the original page; the report page says
    which, quotes them as printed and names the range read (from `settled`, never from free text)."""
    page = soup(real_site / "reports" / "pingtan-suping" / "2020" / "index.html")
    items = [li.get_text(" ", strip=True) for li in page.select("#quality ul.nb-settled li")]
    assert items == [
        "第二十条第（五）项：其他对外管理服务事项：原文印作“其他对外管理服务事项 | 1 | 1 | 0” "
        "依据：公开抓取存档 changwu/pingtan-gov-zwgk-archive 中原网页 page.html 第 40000–56000、60000–76000 字符",
        "第二十条第（九）项：政府集中采购：原文印作“政府集中采购 | 16 | 1089059（未印单位）” "
        "依据：公开抓取存档 changwu/pingtan-gov-zwgk-archive 中原网页 page.html 第 40000–56000、60000–76000 字符",
    ]
    row = page.find("th", string="其他对外管理服务事项").find_parent("tr")
    assert [next(td.strings).strip() for td in row.find_all("td")] == ["1", "1", "0"]
    marks = [td.select_one("a.nb-settled-mark") for td in row.find_all("td")]
    assert all(m is not None and m["href"] == "#settled" for m in marks)  # each settled cell points to its evidence
    assert page.find("th", string="行政许可").find_parent("tr").select("a.nb-settled-mark") == []
    assert "带 † 号的格" in page.select_one(".nb-legend").get_text()
    assert page.select_one("#settled") is not None
    download = json.loads((real_site / "reports" / "pingtan-suping" / "2020" / "pingtan-suping-2020.json").read_text())
    assert [s["values"] for s in download["settled"]] == [["1", "1", "0"], ["16", "1089059"]]
    assert soup(real_site / "reports" / "huaian" / "2024" / "index.html").select_one("#settled") is None
