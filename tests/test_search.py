"""Search on the real data/: for every query of tests/search_queries.yaml the search page lists exactly the pages
whose own text (outside tables and change-history lines) contains every term, ranks agencies first, highlights the
match, and fetches nothing from outside the site; the header box leads there on a phone."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import BASE, CHROMIUM, CHROMIUM_FLAGS, DATA, ROOT

import build_site
from nianbao.website.search_index import SearchIndex, encode, page_blocks

playwright = pytest.importorskip("playwright.sync_api")
QUERIES = yaml.safe_load((Path(__file__).parent / "search_queries.yaml").read_text(encoding="utf-8"))["queries"]
# Where a reader's Ctrl-F stops: block elements and line breaks (an independent reading of the built HTML).
BLOCK_TAGS = (
    "address article aside blockquote dd details div dl dt figcaption figure footer form header li main nav "  # noqa: SIM905
    "ol p pre section summary ul h1 h2 h3 h4 h5 h6".split()
)
# Full-width letters and digits are their half-width forms to a reader; case does not matter.
FOLD = str.maketrans(
    {chr(c): chr(c - 0xFEE0).lower() for c in range(0xFF01, 0xFF5F)}
    | {chr(c): chr(c).lower() for c in range(0x41, 0x5B)}
    | {"\u3000": " "}
)
SEARCHED = re.compile(r"^/(reports/[^/]+/\d{4}|agencies/[^/]+|years/\d{4})/$")


def _blocks(path: Path) -> tuple[list[str], list[str]]:
    """The visible text of a built page's content, block by block, outside tables, charts, code, buttons and change
    history; and the headings among them."""
    article = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").select_one("article")
    assert article is not None, path
    # Not searched: tables, charts, code (the citation's BibTeX and CSL-JSON), buttons, change-history lines.
    for hidden in article.select("table, svg, script, style, pre, button, .nb-change, .nb-changes"):
        hidden.decompose()
    for br in article.find_all("br"):
        br.replace_with("\n")
    headings = [" ".join(h.get_text().split()) for h in article.find_all(re.compile(r"^h[1-6]$"))]
    for tag in article.find_all(BLOCK_TAGS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    blocks = [" ".join(line.split()) for line in article.get_text().split("\n")]
    return [b for b in blocks if b], headings


def _contains(blocks: list[str], terms: list[str]) -> bool:
    return all(any(t in b.translate(FOLD) for b in blocks) for t in terms)


def _terms(query: str) -> list[str]:
    return query.translate(FOLD).split()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("search")
    argv = ["--data", str(DATA), "--site-dir", str(out / "site"), "--build-dir", str(out / "build")]
    assert build_site.main(argv, root=ROOT) == 0
    return out / "site"


@pytest.fixture(scope="module")
def pages(site: Path) -> dict[str, tuple[list[str], list[str]]]:
    """Every searchable page of the built site (reports, agencies, years) by URL path: its blocks and headings."""
    found = {}
    for path in sorted(site.rglob("index.html")):
        url = "/" + path.parent.relative_to(site).as_posix() + "/"
        if SEARCHED.match(url):
            found[url] = _blocks(path)
    assert sum(u.startswith("/reports/") for u in found) >= 7 and any(u.startswith("/agencies/") for u in found)
    return found


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


def _settled(page) -> str:
    page.wait_for_function(
        "() => ['done', 'more', 'error'].includes(document.getElementById('nb-search').dataset.state)"
    )
    return page.get_attribute("#nb-search", "data-state") or ""


def search(browser, server: str, query: str, *, viewport: dict[str, int] | None = None):
    """Open /search/?q=, show every result (pressing 显示更多结果 until none is left); returns the page, the result
    paths in order and every URL the page requested."""
    page = browser.new_page(viewport=viewport or {"width": 1366, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{server}/search/?q={query}")
    while (state := _settled(page)) == "more":
        page.click(".nb-search-more")
    assert state == "done", page.inner_text(".nb-search-status")
    links = page.locator(".nb-search-results li a")
    paths = [urlsplit(links.nth(i).evaluate("a => a.href")).path for i in range(links.count())]
    return page, paths, requests


def _offsite(requests: list[str], server: str) -> list[str]:
    return [u for u in requests if not u.startswith(server + "/")]


@pytest.mark.parametrize("entry", QUERIES, ids=[q["query"] for q in QUERIES])
def test_search_lists_exactly_the_pages_holding_the_query(browser, server: str, pages, entry) -> None:
    terms = _terms(entry["query"])
    expected = {url for url, (blocks, _) in pages.items() if _contains(blocks, terms)}
    page, found, requests = search(browser, server, entry["query"])
    assert len(found) == len(set(found)), found
    assert set(found) == expected, (sorted(set(found) - expected), sorted(expected - set(found)))
    status = page.inner_text(".nb-search-status")
    assert status == (
        f"共 {len(expected)} 个页面包含 “{entry['query']}”。" if expected else f"没有页面包含 “{entry['query']}”。"
    )
    # Ranking: pages of an agency whose name holds the query first, then pages with it in a heading, then the rest.
    names = {url: blocks[0] for url, (blocks, _) in pages.items() if url.startswith("/agencies/")}

    def rank(url: str) -> int:
        if len(terms) == 1 and re.fullmatch(r"(\d{4})(年度?)?", terms[0]) and url == f"/years/{terms[0][:4]}/":
            return 0  # a year alone: its year page first
        agency = re.match(r"^/(?:reports|agencies)/([^/]+)/", url)
        name = names.get(f"/agencies/{agency.group(1)}/", "") if agency else ""
        if all(t in name.translate(FOLD) for t in terms):
            return 0
        return 1 if _contains(pages[url][1], terms) else 2

    ranks = [rank(u) for u in found]
    assert ranks == sorted(ranks), list(zip(found, ranks, strict=True))
    if "first" in entry:
        assert found[0] == entry["first"]
    if "agency" in entry:
        reports = sorted((u for u in expected if u.startswith(f"/reports/{entry['agency']}/")), reverse=True)
        assert found[: 1 + len(reports)] == [f"/agencies/{entry['agency']}/", *reports]
    # Every listed page shows the matched passage, highlighted.
    for i in range(len(found)):
        marks = page.locator(".nb-search-results > li").nth(i).locator(".nb-search-excerpt mark")
        assert marks.count() >= 1, found[i]
        assert {m.translate(FOLD) for m in marks.all_inner_texts()} <= set(terms), found[i]
    assert not _offsite(requests, server)
    page.close()


def test_agency_full_name_finds_its_page_first(browser, server: str) -> None:
    page, found, _ = search(browser, server, "北杨集镇人民政府")
    assert found[:2] == ["/agencies/beiyangjizhen/", "/reports/beiyangjizhen/2019/"]
    assert page.inner_text(".nb-search-results > li:first-child a") == "北杨集镇人民政府"
    page.close()


def test_query_text_is_never_markup(browser, server: str) -> None:
    page, found, _ = search(browser, server, "<img src=x onerror=alert(1)>")
    assert found == []
    assert page.locator("#nb-search img").count() == 0
    assert page.inner_text(".nb-search-status") == "没有页面包含 “<img src=x onerror=alert(1)>”。"
    page.close()


def test_header_box_on_a_phone_opens_the_search_page(browser, server: str) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{server}/reports/hongze/2024/")
    box = page.locator("header .nb-header-search input[name=q]")
    assert box.is_visible()
    bounds = box.bounding_box()
    assert bounds is not None and bounds["x"] >= 0 and bounds["x"] + bounds["width"] <= 390
    assert box.get_attribute("placeholder") == "搜索"
    # keyboard.type of Chinese sends no key events in Playwright: fill, then press Enter.
    box.fill("复议")
    box.press("Enter")
    page.wait_for_url("**/search/?q=*")
    assert unquote(urlsplit(page.url).query) == "q=复议"
    assert _settled(page) in ("done", "more")
    assert page.input_value("#nb-search-q") == "复议"
    assert page.locator(".nb-search-results li").count() >= 1
    assert not _offsite(requests, server)
    page.close()


def test_search_page_form_searches_in_place(browser, server: str) -> None:
    page, _, _ = search(browser, server, "平潭")
    page.fill("#nb-search-q", "淮安市人民政府")
    page.press("#nb-search-q", "Enter")
    page.wait_for_url("**/search/?q=*")
    page.wait_for_function("() => document.querySelector('.nb-search-results a')?.textContent === '淮安市人民政府'")
    assert unquote(urlsplit(page.url).query) == "q=淮安市人民政府"
    page.close()


def test_every_page_has_the_header_search_box(site: Path) -> None:
    checked = 0
    for path in sorted(site.rglob("*.html")):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        form = soup.select_one("header form.nb-header-search[role=search]")
        assert form is not None, path
        if path.name == "404.html":  # served at any depth: mkdocs makes its links root-absolute
            assert form["action"] == "/search/"
        else:
            assert (path.parent / str(form["action"])).resolve() == (site / "search").resolve(), path
        checked += 1
    assert checked >= 20


def test_index_leaves_out_tables_charts_and_change_history() -> None:
    html = (
        '<div><h1>标题</h1><p class="nb-lead"><a href="x">某机构</a> · 2019 年度</p>'
        "<table><tr><td>行政复议 12</td></tr></table><svg><title>图表</title></svg>"
        '<p class="nb-change">本报告数据最近修改于 2026-01-01</p><ul><li>一<br>二</li></ul>'
        "<p>A&amp;B 全角ＡＢ</p></div>"
    )
    assert page_blocks(html) == [
        (True, "标题"),
        (False, "某机构 · 2019 年度"),
        (False, "一"),
        (False, "二"),
        (False, "A&B 全角ＡＢ"),
    ]


def test_index_is_byte_identical_whatever_the_order_pages_come_in(site: Path) -> None:
    pages = sorted(p for p in (site.parent / "build" / "docs").rglob("index.md"))
    forward, backward = SearchIndex(), SearchIndex()
    for p in pages:
        forward.add(p.relative_to(site.parent / "build" / "docs").as_posix(), p.read_bytes())
    for p in reversed(pages):
        backward.add(p.relative_to(site.parent / "build" / "docs").as_posix(), p.read_bytes())
    files = dict(forward.files())
    assert files == dict(backward.files())
    built = {
        p.relative_to(site / "search" / "idx").as_posix(): p.read_bytes()
        for p in (site / "search" / "idx").rglob("*.json")
    }
    assert built == files


def test_postings_are_runs_of_page_ids() -> None:
    assert encode([]) == []
    assert encode([0, 1, 2, 5, 7, 8]) == [0, 2, 2, 0, 1, 1]
    assert encode([4]) == [4, 0]
    every_other = list(range(0, 1000, 2))  # long postings take numpy's path: the same runs
    assert encode(every_other) == [0, 0] + [1, 0] * 499
    assert encode(list(range(300, 900))) == [300, 599]


HOSTILE = '<img src=x onerror="window.pwned=1"> &lt;b&gt; </script> 记号'


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The test fixture data with markup in a narrative (the validator warns; the site shows it as text)."""
    out = tmp_path_factory.mktemp("hostile")
    shutil.copytree(BASE, out / "data")
    narrative = out / "data" / "reports" / "testtown" / "2019" / "narrative.md"
    narrative.write_text(narrative.read_text(encoding="utf-8").replace("无。", "无。" + HOSTILE), encoding="utf-8")
    argv = ["--data", str(out / "data"), "--site-dir", str(out / "site"), "--build-dir", str(out / "build")]
    assert build_site.main(argv, root=ROOT) == 0
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out / "site")))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.mark.parametrize("query", ["onerror", "</script>", "&lt;b&gt;"])
def test_markup_in_the_data_is_found_and_shown_as_text(browser, hostile_server: str, query: str) -> None:
    page, found, _ = search(browser, hostile_server, quote(query))
    # The report, and for "onerror" also the agency page, whose data-quality list quotes the validator's warning.
    assert found[0] == "/reports/testtown/2019/" and set(found) <= {"/reports/testtown/2019/", "/agencies/testtown/"}
    excerpt = page.locator(".nb-search-excerpt").first
    shown = excerpt.inner_text()
    assert query in shown and shown.strip("…") in "无。" + HOSTILE, shown
    assert excerpt.locator("mark").all_inner_texts() == [query]
    assert page.locator("#nb-search img").count() == 0
    assert page.evaluate("() => window.pwned") is None
    page.close()
