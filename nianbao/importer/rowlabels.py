"""Where a table or row is printed: row labels scored against units, labels as printed, rows printed empty."""

from __future__ import annotations

import itertools
import re

from nianbao.core import labels
from nianbao.core.labels import normalise
from nianbao.core.templates import Row, Template
from nianbao.importer.tokens import Unit


def score(unit: Unit, label: str) -> float:
    core = labels.core(label)
    if not core:
        return 0.0
    if unit.text.endswith(core) or unit.text.endswith(normalise(label)):
        return 1.0
    tail = unit.text[-(len(core) + 3) :]
    best = 0.0
    for start in range(max(len(tail) - len(core) - 1, 0) + 1):
        best = max(best, labels.similarity(core, tail[start:]))
    return best


def captionless(all_units: list[Unit], tmpl: Template, anchors: dict[str, int]) -> None:
    """A section 二 table printed without its caption, its rows run on in the table before (lvyou 2019/2020:
    行政处罚 and 行政强制 under 第二十条第（五）项): it starts at the unit that ends with its first row's label."""
    tables = [t for t in tmpl.tables if t.section == "s2"]
    for before, table in itertools.pairwise(tables):
        if table.id in anchors or before.id not in anchors:
            continue
        later = [i for i in anchors.values() if i > anchors[before.id]]
        end = min(later) if later else len(all_units)
        core = labels.core(table.rows[0].label)
        hit = next((i for i in range(anchors[before.id] + 1, end) if all_units[i].text.endswith(core)), None)
        if hit is not None and core:
            anchors[table.id] = hit


def printed_empty(row: Row, later: list[Row], window: list[Unit]) -> Unit | None:
    """The unit in which `row` is printed without a number: its label followed, before any value, by the labels of
    later rows only (shichang 2021: `…申请3.其他（七）总计5000005`, rows 2. and 3. of （六） printed empty), or a
    table row that holds its full label and no cell after it."""
    core = labels.core(row.label)
    if row.optional or not core:
        return None
    ends = [c for c in (labels.core(r.label) for r in later) if c]
    for unit in window:
        if not unit.values:
            # a table row of its label alone, no cells after it (shichang 2023/2024 HTML): printed empty
            if unit.text.endswith(normalise(row.label)):
                return unit
            continue
        at = unit.text.rfind(core)
        rest = unit.text[at + len(core) :] if at >= 0 else ""
        if rest and any(rest.endswith(end) for end in ends) and not rest.endswith(core):
            return unit
        return None
    return None


def printed_label(unit: Unit, label: str, cut: bool = False) -> str:
    """The label as printed: the end of the unit's text from the label's numbering on (group labels before
    it, such as 三、本年度办理结果 or （四）无, dropped); `cut`: up to the label's end (labels of later rows follow)."""
    core = labels.core(label)
    at = start = unit.text.rfind(core) if core else -1
    if start < 0 and core:  # printed differently (规范性文件 for 行政规范性文件): the end of the text most like it
        start = closest_tail(unit.text, core)
    if start < 0:
        return unit.raw
    numbering = re.search(r"(?:[0-9]+\.|\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+\.)$", unit.text[:start])
    if numbering:
        start = numbering.start()
    end = unit.index[at + len(core) - 1] + 1 if cut else len(unit.raw)
    return unit.raw[unit.index[start] : end]


def closest_tail(text: str, core: str) -> int:
    """Where the end of `text` that most resembles `core` begins (the label of a unit whose text runs on from
    narrative or other labels)."""
    first = max(len(text) - len(core) - 3, 0)
    return max(range(first, len(text)), key=lambda i: (labels.similarity(core, text[i:]), -i))
