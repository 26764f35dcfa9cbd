"""Every rule of rules.yaml is exercised: by a fault fixture that expects it, or by a named test where a fixture cannot express the fault."""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

from nianbao.core.rules import all_rules

TESTS = Path(__file__).parent
FIXTURES = TESTS / "fixtures" / "invalid"
# Faults the patch format of fault.yaml cannot make (a symlink, a newline in a folder name): tested by these.
ELSEWHERE = {
    "file-symlink": ("test_hostile.py", "test_symlink_is_refused_everywhere"),
    "file-name": ("test_hostile.py", "test_newline_in_a_folder_name_is_refused_and_escaped"),
}


def _expected_rules() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for fault in sorted(FIXTURES.glob("*/fault.yaml")):
        for problem in yaml.safe_load(fault.read_text(encoding="utf-8")).get("expect") or []:
            found.setdefault(problem["rule"], []).append(fault.parent.name)
    return found


def test_every_rule_has_a_fixture_or_a_named_test() -> None:
    expected = _expected_rules()
    missing = [r.id for r in all_rules() if r.id not in expected and r.id not in ELSEWHERE]
    assert missing == []


def test_the_named_tests_exist() -> None:
    for rule_id, (file, name) in ELSEWHERE.items():
        tree = ast.parse((TESTS / file).read_text(encoding="utf-8"))
        names = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        assert name in names, rule_id
        assert rule_id in (TESTS / file).read_text(encoding="utf-8"), rule_id  # the test names the rule it checks


def test_fixtures_name_only_known_rules() -> None:
    known = {r.id for r in all_rules()}
    assert set(_expected_rules()) <= known
