"""mkdocs hook: pages that build_site.py generated as one raw HTML block skip Python-Markdown.

The HTML is final (escaped by the renderer); Python-Markdown would only re-parse every tag of it, which was
about half of the build's time. Without this hook the pages still build: Markdown passes raw HTML through.
"""

from __future__ import annotations

from typing import Any

MARKER = "<!-- nianbao:html -->\n"


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    if markdown.startswith(MARKER):
        page.nianbao_html = markdown[len(MARKER) :]
        return ""
    return markdown


def on_page_content(html: str, page: Any, **kwargs: Any) -> str:
    return getattr(page, "nianbao_html", html)
