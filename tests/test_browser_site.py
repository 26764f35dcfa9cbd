"""The site in a real browser, as a visitor meets it (issue 14): under a /nianbao/ sub-path as GitHub Pages serves
a project site, at phone width, with hostile text from data, and with the publisher's own errors marked."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urljoin, urlsplit
from urllib.request import urlopen

import pytest
from bs4 import BeautifulSoup
from conftest import BASE, CHROMIUM, CHROMIUM_FLAGS, DATA

import build_site

PREFIX = "/nianbao/"


class SubPath(http.server.SimpleHTTPRequestHandler):
    """Serves site/ under /nianbao/ only, and 404.html with status 404 for anything missing (as GitHub Pages)."""

    def log_message(self, *args: object) -> None:
        pass

    def translate_path(self, path: str) -> str:
        route = urlsplit(path).path
        if not route.startswith(PREFIX):
            return str(Path(self.directory) / "does-not-exist")
        return super().translate_path("/" + path[len(PREFIX) :])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code != 404:
            super().send_error(code, message, explain)
            return
        body = (Path(self.directory) / "404.html").read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def serve(site: Path, handler: type[http.server.SimpleHTTPRequestHandler]) -> tuple[str, http.server.HTTPServer]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}", httpd


@pytest.fixture(scope="module")
def subpath(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real data, built for https://example.org/nianbao/ and served under /nianbao/."""
    out = tmp_path_factory.mktemp("subpath")
    args = ["--data", str(DATA), "--site-dir", str(out / "site"), "--build-dir", str(out / "build")]
    assert build_site.main([*args, "--site-url", "https://example.org/nianbao/"]) == 0
    root, httpd = serve(out / "site", SubPath)
    yield root + PREFIX
    httpd.shutdown()


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except HTTPError as error:
        return error.code, error.read()


def test_404_page_and_every_link_on_it_resolve_under_the_sub_path(subpath: str) -> None:
    status, body = fetch(subpath + "reports/no-such-agency/2019/")
    assert status == 404
    page = BeautifulSoup(body.decode("utf-8"), "html.parser")
    assert page.h1.get_text() == "页面不存在"
    links = [el.get("href") or el.get("src") for el in page.select("a[href], link[href], script[src]")]
    local = [u for u in links if not urlsplit(u).scheme and not u.startswith("#")]
    assert len(local) >= 10 and {"/nianbao/agencies/", "/nianbao/years/"} <= set(local)
    for link in local:
        url = urljoin(subpath + "reports/no-such-agency/2019/", link)
        assert urlsplit(url).path.startswith(PREFIX), link
        assert fetch(url)[0] == 200, link


# Browser tests from here on: skipped (as in test_browser.py) where no system Chromium is installed.
needs_browser = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from test_site_trust import make_hostile

    out = tmp_path_factory.mktemp("hostile-browser")
    shutil.copytree(BASE, out / "data")
    make_hostile(out / "data")
    args = ["--data", str(out / "data"), "--site-dir", str(out / "site"), "--build-dir", str(out / "build")]
    assert build_site.main(args) == 0

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    root, httpd = serve(out / "site", Quiet)
    yield root
    httpd.shutdown()


@needs_browser
@pytest.mark.parametrize("path", ["/reports/testtown/2019/", "/agencies/testtown/", "/years/2019/", "/"])
def test_script_from_data_never_runs(browser, hostile: str, path: str) -> None:
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(hostile + path, wait_until="networkidle")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert dialogs == []
    if path.startswith("/reports/"):
        assert "</title><script>window.__pwned=1</script>" in page.title()
        assert "<script>window.__pwned=1</script>" in page.locator("h1").first.inner_text()
    page.close()


PHONE = {"width": 390, "height": 844}


@needs_browser
@pytest.mark.parametrize(
    "path",
    [
        "reports/hongze/2023/",
        "reports/shanghai-bangongting/2019/",
        "agencies/hongze/",
        "years/2023/",
        "rules/",
        "search/",
    ],
)
def test_phone_width_nothing_wider_than_the_screen(browser, subpath: str, path: str) -> None:
    page = browser.new_page(viewport=PHONE)
    page.goto(subpath + path, wait_until="networkidle")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path}: page is {width} px wide"
    # The header title is clipped inside the header (ellipsis), never past the screen's edge.
    title = page.evaluate(
        "() => { const t = document.querySelector('.md-header__title');"
        " return [t.getBoundingClientRect().right, getComputedStyle(t).overflowX]; }"
    )
    assert title[0] <= PHONE["width"] and title[1] == "hidden", title
    # Every label cell keeps a readable width: at most a few lines tall.
    heights = page.evaluate(
        """() => Array.from(document.querySelectorAll('table.nb-table tbody th[scope=row], table.nb-figures tbody th'))
              .map(th => [th.textContent, th.getBoundingClientRect().height,
                          parseFloat(getComputedStyle(th).lineHeight) || 16])"""
    )
    tall = [(text, h) for text, h, line in heights if h > 4.5 * line]
    assert not tall, tall[:5]
    page.close()


@needs_browser
def test_phone_tables_scroll_inside_their_scroller(browser, subpath: str) -> None:
    page = browser.new_page(viewport=PHONE)
    page.goto(subpath + "reports/hongze/2023/", wait_until="networkidle")
    box = page.evaluate(
        """() => { const s = document.querySelector('table#s3').closest('.nb-scroll');
                   return [s.scrollWidth, s.clientWidth, getComputedStyle(s).overflowX]; }"""
    )
    assert box[0] > box[1] and box[2] == "auto"  # wider than the screen, scrolled inside
    label = page.locator('table#s3 tr[data-row="granted"] th[scope=row]')
    assert label.bounding_box()["width"] >= 100
    page.close()


@needs_browser
def test_pingtan_overview_fits_a_desktop_screen(browser, subpath: str) -> None:
    """The table comparing 平潭's 18 agencies takes the width the table of contents would: at 1280 pixels all its
    columns show, no scrolling."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(subpath + "agencies/pingtan/2019/", wait_until="networkidle")
    box = page.evaluate(
        """() => { const s = document.querySelector('table.nb-figures').closest('.nb-scroll');
                   return [s.scrollWidth, s.clientWidth]; }"""
    )
    assert box[0] <= box[1]
    assert (
        page.locator(".md-sidebar--secondary").count() == 0 or not page.locator(".md-sidebar--secondary").is_visible()
    )
    page.close()


@needs_browser
def test_agency_years_never_wrap(browser, subpath: str) -> None:
    for viewport in (PHONE, {"width": 1366, "height": 900}):
        page = browser.new_page(viewport=viewport)
        page.goto(subpath + "agencies/hongze/", wait_until="networkidle")
        cell = page.locator("table.nb-figures tbody th", has_text="2023")
        line = page.evaluate("el => parseFloat(getComputedStyle(el).lineHeight) || 16", cell.element_handle())
        assert cell.bounding_box()["height"] < 2 * line + 8
        page.close()


@needs_browser
def test_acknowledged_cell_marked_in_the_browser(browser, subpath: str) -> None:
    page = browser.new_page()
    page.goto(subpath + "reports/hongze/2023/", wait_until="networkidle")
    td = page.locator('table#s4 tr[data-row="cases"] td[data-column="review_total"]')
    mark = td.locator("a.nb-mark")
    assert mark.is_visible() and mark.inner_text().startswith("※")
    assert td.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    mark.click()
    assert page.evaluate("location.hash").startswith("#finding-")
    assert page.locator(":target").inner_text().find("行政复议 · 总计") >= 0
    for path in ("agencies/hongze/", "years/2023/"):
        page.goto(subpath + path, wait_until="networkidle")
        assert page.locator("table.nb-figures td.nb-flag a.nb-mark").first.is_visible()
    page.close()


@needs_browser
def test_citation_copy_button(browser, subpath: str) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(subpath + "reports/hongze/2023/", wait_until="networkidle")
    from playwright.sync_api import expect

    button = page.locator("button.nb-copy[data-copy=cite-text]")
    button.click()
    expect(button).to_have_text("已复制")  # waits for the clipboard's promise
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#cite-text").inner_text()
    assert "https://example.org/nianbao/reports/hongze/2023/" in copied
    context.close()


@needs_browser
@pytest.mark.parametrize("viewport", [PHONE, {"width": 1366, "height": 900}], ids=["phone", "desktop"])
def test_accessibility_axe(browser, subpath: str, viewport: dict[str, int]) -> None:
    """axe-core (shipped inside the axe-playwright-python package, injected from disk) finds no violation."""
    from importlib import resources

    axe = pytest.importorskip("axe_playwright_python")
    script = (resources.files(axe) / "axe.min.js").read_text(encoding="utf-8")
    page = browser.new_page(viewport=viewport)
    found = {}
    for path in (
        "",
        "reports/hongze/2023/",
        "agencies/hongze/",
        "years/2023/",
        "rules/",
        "data/",
        "contributing/",
        "x/",
    ):
        page.goto(subpath + path, wait_until="networkidle")
        page.evaluate(script)
        violations = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))"
        )
        if violations:
            found[path] = violations
    assert found == {}
    page.close()
