"""Docs that cannot drift: every command, option and rule is in the README; the workflows do what CI promises."""

from __future__ import annotations

import argparse
import re

import yaml
from conftest import ROOT, chdir

from nianbao.cli import _parser
from nianbao.core.rules import all_rules

README = (ROOT / "README.md").read_text(encoding="utf-8")
CONTRIBUTING = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")


def commands() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_every_command_and_option_is_in_the_readme() -> None:
    for name, parser in commands().items():
        assert f"nianbao {name}" in README, name
        for action in parser._actions:
            for option in action.option_strings:
                if option not in {"-h", "--help"}:
                    assert option in README, f"nianbao {name} {option}"


def test_every_rule_is_in_the_readme() -> None:
    missing = [r.id for r in all_rules() if not re.search(rf"(?<![\w-]){re.escape(r.id)}(?![\w-])", README)]
    assert missing == []


def test_contributing_guide_covers_the_workflow() -> None:
    for step in (
        "nianbao import",
        "nianbao show",
        "acknowledgements",
        "nianbao validate",
        "mkdocs serve",
        "agencies.csv",
        "pull request",
    ):
        assert step in CONTRIBUTING or step in CONTRIBUTING.replace("拉取请求（pull request", "pull request"), step


def workflow(name: str) -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))


def test_workflows_pin_released_actions_and_least_privilege() -> None:
    for name in ("check.yml", "publish.yml"):
        wf = workflow(name)
        assert wf["permissions"] == {"contents": "read"}, name
        for job in wf["jobs"].values():
            for step in job.get("steps", []):
                if "uses" in step:
                    assert re.fullmatch(r"actions/[\w-]+@v\d+\.\d+\.\d+", step["uses"]), step["uses"]
    deploy = workflow("publish.yml")["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}


def test_check_workflow_runs_what_a_pull_request_needs() -> None:
    wf = workflow("check.yml")
    assert set(wf[True] if True in wf else wf["on"]) >= {"pull_request", "workflow_call"}  # YAML reads `on` as True
    runs = "\n".join(step.get("run", "") for step in wf["jobs"]["check"]["steps"])
    for command in (
        "nianbao fmt --check",
        "nianbao validate --format github",
        "--format json",
        "python -m pytest",
        "python build_site.py",
    ):
        assert command in runs, command
    uploads = [s for s in wf["jobs"]["check"]["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
    assert uploads and uploads[0]["with"]["path"] == "validation-report.json"


def test_readme_example_output_is_what_validate_prints(run) -> None:
    """The README's sample of `nianbao validate` output is the real output for the package it shows."""
    block = README.split("Every problem is one line", 1)[1].split("```", 2)[1].strip("\n")
    package = block.split(":", 1)[0].rsplit("/", 1)[0]  # data/reports/<agency>/<year>
    with chdir(ROOT):
        code, out, err = run("validate", package)
    assert (code, err) == (0, "")
    assert out.strip("\n") == block


def test_readme_code_layout_names_every_module() -> None:
    """The README's code layout is the tree: every module of nianbao/ is named there (issue 8)."""
    layout = README.split("## Code layout", 1)[1].split("```", 2)[1]
    package = ROOT / "nianbao"
    modules = sorted(
        p.relative_to(package) for p in package.rglob("*.py") if p.name not in {"__init__.py", "__main__.py"}
    )
    missing = [str(m) for m in modules if not re.search(rf"(?<![\w/]){re.escape(m.name)}(?!\w)", layout)]
    assert missing == []
