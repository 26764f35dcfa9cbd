"""mkdocs hook: generated pages (one raw HTML block) skip Python-Markdown; page titles are escaped for the theme."""

# The HTML is final (escaped by the renderer); Python-Markdown would only re-parse every tag of it, which was about
# half of the build's time. Without this hook the pages still build: Markdown passes raw HTML through.

from __future__ import annotations

from typing import Any

from markupsafe import escape

MARKER = "<!-- nianbao:html -->\n"


def on_config(config: Any, **kwargs: Any) -> Any:
    # The footer's licence, originals and repository: from definitions/site.yaml, the one place they are kept.
    from nianbao.core.definitions import read_definition, repository

    site = read_definition("site.yaml")
    config.extra["nianbao"] = {k: site[k] for k in ("licence", "originals")} | {"repository": repository()}
    return config


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    # Material prints the front matter title unescaped (<title>, the header): a title from data/ such as
    # "</title><script>…" would run. Escaped here, once, it reaches every place as text.
    title = page.meta.get("title")
    if isinstance(title, str):
        page.meta["title"] = str(escape(title))
    if markdown.startswith(MARKER):
        page.nianbao_html = markdown[len(MARKER) :]
        return ""
    return markdown


def on_page_content(html: str, page: Any, **kwargs: Any) -> str:
    return getattr(page, "nianbao_html", html)


# Files of Material that this site never loads (its built-in search is off: lunr, the search worker) and source
# maps (about 2.3 MB of the deploy).
UNUSED = ("assets/javascripts/lunr", "assets/javascripts/workers")


def on_post_build(config: Any, **kwargs: Any) -> None:
    import re
    import shutil
    from pathlib import Path

    site = Path(config["site_dir"])
    for folder in UNUSED:
        shutil.rmtree(site / folder, ignore_errors=True)
    for source_map in sorted(site.glob("assets/**/*.map")):
        source_map.unlink()
    for bundle in sorted([*site.glob("assets/javascripts/*.js"), *site.glob("assets/stylesheets/*.css")]):
        text = bundle.read_text(encoding="utf-8")
        bundle.write_text(re.sub(r"\n?/[/*][#@] sourceMappingURL=\S+( \*/)?\s*$", "\n", text), encoding="utf-8")
