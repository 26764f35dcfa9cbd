"""A real browser on the built site: Debian's headless Chromium opens a report, reads its table, searches in Chinese,
and every request it makes stays on the local server."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import BASE, CHROMIUM, CHROMIUM_FLAGS

import build_site

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is not installed (Debian package chromium; .ci/run installs it)", allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    out = tmp_path_factory.mktemp("browser")
    data = out / "data"
    shutil.copytree(BASE, data)
    assert (
        build_site.main(["--data", str(data), "--site-dir", str(out / "site"), "--build-dir", str(out / "build")]) == 0
    )

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(out / "site"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


def open_page(browser, server: str, path: str):
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server + path, wait_until="networkidle")
    return page, requests


def test_report_page_table(browser, server: str) -> None:
    page, requests = open_page(browser, server, "/reports/testtown/2019/")
    assert page.locator("h1").first.inner_text() == "测试镇2019年政府信息公开工作年度报告"
    granted = page.locator('table#s3 tr[data-row="granted"] td[data-column="natural_person"]')
    assert granted.inner_text() == "4"
    assert page.locator('table#s3 th[scope="rowgroup"]').first.get_attribute("rowspan") == "20"
    assert requests and all(url.startswith(server) for url in requests), [
        u for u in requests if not u.startswith(server)
    ]
    page.close()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("测试镇", "/reports/testtown/"),  # an agency's name
        ("行政复议", "/reports/"),  # a heading word of every report
        ("公开意识", "/reports/"),  # narrative text (section 五)
        ("复议", "/reports/"),  # part of a compound word (行政复议)
        ("测试镇人民政府", "/testtown/"),  # a full agency name
    ],
)
def test_chinese_search_finds_reports(browser, server: str, query: str, expected: str) -> None:
    page, requests = open_page(browser, server, "/search/?q=" + query)
    results = page.locator(".nb-search-results li a")
    results.first.wait_for(timeout=15000)
    hrefs = [results.nth(i).get_attribute("href") or "" for i in range(results.count())]
    assert any(expected in h for h in hrefs), hrefs
    assert all(url.startswith(server) for url in requests), [u for u in requests if not u.startswith(server)]
    page.close()


def test_home_search_box_leads_to_results(browser, server: str) -> None:
    page, _ = open_page(browser, server, "/")
    page.fill("#nb-q", "测试市")
    page.press("#nb-q", "Enter")
    page.wait_for_url("**/search/?q=*")
    page.locator(".nb-search-results li a").first.wait_for(timeout=15000)
    assert "/testcity/" in (page.locator(".nb-search-results li a").first.get_attribute("href") or "")
    page.close()


def test_year_table_sorts(browser, server: str) -> None:
    page, _ = open_page(browser, server, "/years/2019/")
    page.locator("table.nb-sortable th", has_text="本年新收申请").click()
    assert page.locator("table.nb-sortable th", has_text="本年新收申请").get_attribute("aria-sort") == "ascending"
    page.close()
