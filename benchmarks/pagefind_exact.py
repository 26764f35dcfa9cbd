"""Can Pagefind be made exact for Chinese? Index a built site's searchable text with a space between every character
(so that no segmenter cuts words) and query quoted phrases with the same spaces; record what the browser downloads.

Usage (needs `pip install 'pagefind[extended]'` and Chromium): python benchmarks/pagefind_exact.py SITE_DIR [QUERY ...]
SITE_DIR is a site built by build_site.py: its search/idx/d/*.json hold each page's text blocks.
"""

from __future__ import annotations

import asyncio
import functools
import http.server
import json
import shutil
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from pagefind.index import PagefindIndex
from playwright.sync_api import sync_playwright

QUERIES = ("行政复议", "复议", "政府信息公开行政复议", "政策解读", "依申请公开", "平潭", "2021", "合成测试机构00042")


def spaced(text: str) -> str:
    return " ".join(ch for ch in text if not ch.isspace())


async def build(site: Path, out: Path) -> float:
    started = time.perf_counter()
    async with PagefindIndex(config={"force_language": "en", "output_path": str(out / "pagefind")}) as index:
        for path in sorted((site / "search" / "idx" / "d").glob("*.json")):
            doc = json.loads(path.read_text(encoding="utf-8"))
            content = "\n".join(spaced(text) for _, text in doc["b"])
            await index.add_custom_record(url="/" + doc["u"], content=content, language="en", meta={"title": doc["t"]})
    return time.perf_counter() - started


def main() -> int:
    site = Path(sys.argv[1])
    out = site.parent / "pagefind-exact"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    (out / "index.html").write_text("<!doctype html><title>t</title>", encoding="utf-8")
    seconds = asyncio.run(build(site, out))
    print(json.dumps({"index_s": round(seconds, 1)}))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(out)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless=new", "--no-sandbox"])
        for query in sys.argv[2:] or QUERIES:
            page = browser.new_page()
            fetched: set[str] = set()
            page.on("request", lambda r: fetched.add(urlsplit(r.url).path))  # noqa: B023
            page.goto(url)
            phrase = '"' + spaced(query) + '"'
            urls = page.evaluate(
                """async (q) => { const pf = await import('/pagefind/pagefind.js'); const s = await pf.search(q);
                   return Promise.all(s.results.slice(0, 10).map(async r => (await r.data()).url)); }""",
                phrase,
            )
            count = page.evaluate(
                "async (q) => (await (await import('/pagefind/pagefind.js')).search(q)).results.length", phrase
            )
            size = sum((out / p.lstrip("/")).stat().st_size for p in fetched if p.startswith("/pagefind/"))
            print(json.dumps({"query": query, "results": count, "first": urls[:3], "bytes": size}, ensure_ascii=False))
            page.close()
        browser.close()
    httpd.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
