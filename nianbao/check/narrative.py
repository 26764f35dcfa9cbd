"""The narrative file: narrative-markup and the sections of R13."""

from __future__ import annotations

import re

from nianbao.check.problems import Problem, problem
from nianbao.core.package import Package, narrative_sections

MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>|\bon[a-z]+\s*=", re.IGNORECASE)


def _check_narrative(pkg: Package, display: str, text: str, problems: list[Problem]) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        match = MARKUP.search(line)
        if match:
            problems.append(
                problem(
                    "narrative-markup",
                    "叙述文本含 HTML 标记或脚本属性，网站将按纯文本显示",
                    file=display,
                    line=number,
                    found=match.group(0),
                    package=pkg.key,
                )
            )
    if pkg.template is None:
        return
    wanted = [s for s in pkg.template.sections if s.kind == "narrative"]
    present = [sid for _, sid, _ in narrative_sections(text)]
    for section in wanted:
        if section.id not in present:
            problems.append(
                problem(
                    "R13",
                    "叙述部分缺少一节（以“## ”开头的标题）",
                    "warning",
                    file=display,
                    expected=f"## {section.heading}",
                    found="无",
                    package=pkg.key,
                )
            )
    numeral = {s.id: s.heading.split("、", 1)[0] for s in wanted}  # 一、五、六, from the template
    ordered = [sid for sid in present if sid in numeral]
    if ordered != sorted(ordered):
        problems.append(
            problem(
                "R13",
                "叙述部分各节的顺序不对",
                "warning",
                file=display,
                expected="、".join(numeral.values()),
                found="、".join(numeral[sid] for sid in ordered),
                package=pkg.key,
            )
        )
