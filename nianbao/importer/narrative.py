"""The narrative sections and the title of a published report."""

from __future__ import annotations

import re

from nianbao.core import labels
from nianbao.core.definitions import read_definition
from nianbao.importer import headings
from nianbao.importer.markdown import KIND as MARKDOWN
from nianbao.importer.sources import Document, Line


def _heading_regex(heading: str) -> str:
    return r"\s*".join(re.escape(ch) for ch in heading if not ch.isspace())


def find_sections(lines: list[Line]) -> tuple[list[str], dict[str, tuple[int, int, str]]]:
    """Split text lines at section headings (a crawler's page is one line); return the lines and, per section,
    (line of its heading, offset after the heading, heading as printed)."""
    variants = read_definition("import.yaml")["sections"]
    texts = [line.text for line in lines if line.cells is None]
    found: dict[str, tuple[int, int, str]] = {}
    start_line = 0
    for sid in ("s1", "s2", "s3", "s4", "s5", "s6"):
        pattern = re.compile("|".join(f"(?:{_heading_regex(v)})" for v in variants[sid]))
        for i in range(start_line, len(texts)):
            match = pattern.search(texts[i])
            if match and (match.start() == 0 or not texts[i][: match.start()].strip() or len(texts[i]) > 200):
                at = i
                if match.start() > 0:  # a heading in the middle of a long line: split the line there
                    texts[i : i + 1] = [texts[i][: match.start()], texts[i][match.start() :]]
                    at = i + 1
                    match = pattern.match(texts[at])
                    assert match is not None
                found[sid] = (at, match.end(), re.sub(r"\s+", "", match.group(0)))
                start_line = at
                break
        else:
            near = _near_heading(texts, sid, start_line)
            if near:
                found[sid] = near
                start_line = near[0]
    return texts, found


def _near_heading(texts: list[str], sid: str, start: int) -> tuple[int, int, str] | None:
    """A line that begins with a heading printed with a typo (四、政府信息公开行政法复议…)."""
    for i in range(start, len(texts)):
        norm = labels.normalise(texts[i])
        match = headings.find(norm[:60], sid)
        if match is None or match.start != 0:
            continue
        done, end = 0, 0
        while end < len(texts[i]) and done < match.end:  # the raw offset where the normalised heading ends
            done += len(labels.normalise(texts[i][end]))
            end += 1
        return i, end, re.sub(r"\s+", "", texts[i][:end])
    return None


def narrative(doc: Document, lines: list[Line]) -> dict[str, tuple[str, str]]:
    texts, found = find_sections(lines)
    tails = [re.compile(t) for t in read_definition("import.yaml")["tails"]]
    out: dict[str, tuple[str, str]] = {}
    order = ["s1", "s2", "s3", "s4", "s5", "s6"]
    for sid in ("s1", "s5", "s6"):
        if sid not in found:
            continue
        line, offset, heading = found[sid]
        later = [found[s] for s in order[order.index(sid) + 1 :] if s in found]
        end_line = later[0][0] if later else len(texts)
        body = [texts[line][offset:], *texts[line + 1 : end_line]]
        if sid == "s6":  # the page's furniture follows the last section
            for tail in tails:
                body = [tail.sub("", text) for text in body]
        out[sid] = (heading, "\n\n".join(_paragraphs(body, doc.kind)))
    return out


_SUBHEADING = re.compile(r"^(（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、|\d+[.、．])")


def _paragraphs(lines: list[str], kind: str) -> list[str]:
    """Paragraphs of a section. PDF text is wrapped at the page width: lines are joined back, and a paragraph
    ends where a line ends a sentence short of the full width, or where a numbered sub-heading begins."""
    lines = [line.strip() for line in lines]
    if "PDF" not in kind:
        return [line for line in lines if line]
    width = max((len(line) for line in lines), default=0)
    paragraphs: list[str] = []
    current = last = ""
    for line in lines:
        if not line:
            if kind == MARKDOWN and current:  # a blank line ends a paragraph in Markdown
                paragraphs.append(current)
                current = ""
            continue
        starts = _SUBHEADING.match(line)
        heading = kind == MARKDOWN and len(current) < width - 4 and _SUBHEADING.match(current)  # （一）主动公开方面
        # A converter's wrapped line is short where its paragraph ends (its line widths vary by a few characters).
        short = len(last) < width * 0.7 if kind == MARKDOWN else len(current) < width - 1
        if current and (starts or heading or (current.endswith(("。", "：", "；")) and short)):
            paragraphs.append(current)
            current = ""
        current = current + line if current else line
        last = line
    if current:
        paragraphs.append(current)
    return [
        re.sub(r"(?<=[\u4e00-\u9fff，。；：、）（“”])\s+(?=[\u4e00-\u9fff，。；：、）（“”])", "", p) for p in paragraphs
    ]


def title_of(doc: Document, lines: list[Line]) -> str | None:
    joined = ""
    breadcrumb = re.compile(read_definition("import.yaml")["breadcrumb"])
    for line in lines[:6]:
        text = re.sub(r"\s+", "", breadcrumb.sub("", line.text))
        if not text:
            continue
        if len(text) > 60:  # a paragraph of the report, not a title line
            break
        joined += text
        match = re.search(r"^(.{2,60}?(工作)?年度报告)", joined)
        if match:
            return match.group(1)
        if len(joined) > 80:
            break
    return doc.meta.get("title")
