"""The validation report as text, JSON, or GitHub workflow commands plus a Markdown job summary."""

from __future__ import annotations

import json

from nianbao.check.problems import Problem, Report
from nianbao.core.rules import rule
from nianbao.core.textfiles import printable

# GitHub shows at most 10 annotations of each kind per step; more are dropped silently.
MAX_ANNOTATIONS = 10
# GitHub refuses a job summary over 1 MiB (and then shows none): the problem table is cut well before.
MAX_SUMMARY_BYTES = 1_000_000


def as_text(report: Report) -> str:
    lines = [p.text() for p in report.sorted_problems()]
    lines.append(report.summary())
    return "\n".join(lines) + "\n"


def as_json(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(p: Problem) -> str:
    kind = "notice" if p.acknowledged else p.severity
    props = []
    if p.file:
        props.append(f"file={_escape_property(p.file)}")
    if p.line:
        props.append(f"line={p.line}")
    if p.column_number:
        props.append(f"col={p.column_number}")
    props.append(f"title={_escape_property(f'[{p.rule}] {rule(p.rule).title}')}")
    body = p.text().split(": ", 1)[-1]
    return f"::{kind} {','.join(props)}::{_escape_data(body)}"


def as_github(report: Report) -> tuple[str, str]:
    """Workflow-command annotations (errors first, at most 10) and a Markdown summary of everything."""
    ordered = sorted(report.problems, key=lambda p: (p.acknowledged, p.severity != "error", p.sort_key()))
    shown = [p for p in ordered if not p.acknowledged][:MAX_ANNOTATIONS]
    lines = [annotation(p) for p in shown]
    rest = len([p for p in ordered if not p.acknowledged]) - len(shown)
    if rest > 0:
        lines.append(f"::notice::另有 {rest} 个问题未作为注释显示，完整列表见作业摘要（job summary）")
    return "\n".join(lines) + ("\n" if lines else ""), summary_markdown(report)


def _cell(text: str | None) -> str:
    return printable(text or "").replace("|", "\\|")


def summary_markdown(report: Report) -> str:
    status = "✅ 通过" if report.ok else "❌ 未通过"
    out = [f"## 数据校验：{status}", "", report.summary(), ""]
    problems = report.sorted_problems()
    tail = _rule_table(report)
    if problems:
        out += ["| 位置 | 级别 | 规则 | 说明 | 期望 | 实际 |", "|---|---|---|---|---|---|"]
        budget = MAX_SUMMARY_BYTES - len("\n".join([*out, *tail]).encode("utf-8")) - 1000
        for shown, p in enumerate(problems):
            level = "已确认（原报告数据不一致）" if p.acknowledged else {"error": "错误", "warning": "警告"}[p.severity]
            message = p.message + (f"〔{p.note}〕" if p.note else "")
            row = (
                f"| `{_cell(p.location())}` | {level} | {p.rule} | {_cell(message)} | "
                f"{_cell(p.expected)} | {_cell(p.found)} |"
            )
            budget -= len(row.encode("utf-8")) + 1
            if budget < 0:
                out += [
                    "",
                    f"**另有 {len(problems) - shown} 个问题未列出**：作业摘要不能超过 1 MiB（GitHub 的上限）。"
                    "完整列表：`nianbao validate --format json`。",
                ]
                break
            out.append(row)
        out.append("")
    return "\n".join(out + tail)


def _rule_table(report: Report) -> list[str]:
    out = []
    out += [
        "<details><summary>各规则检验次数</summary>",
        "",
        "| 规则 | 说明 | 检验 | 通过 | 不成立 | 已确认 | 未填无法检验 |",
        "|---|---|---|---|---|---|---|",
    ]
    for rule_id, t in sorted(report.rules.items()):
        out.append(
            f"| {rule_id} | {_cell(rule(rule_id).title)} | {t.checked} | {t.passed} | {t.failed} | "
            f"{t.acknowledged} | {t.not_stated} |"
        )
    out += ["", "</details>", ""]
    return out
