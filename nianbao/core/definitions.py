"""The definition files (templates, rules, package, site, import) read once from definitions/."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import yaml

DEFINITIONS = resources.files("nianbao") / "definitions"


@cache
def read_definition(name: str) -> Any:
    """Parse one file of definitions/ (YAML or JSON), once; callers must not modify the result."""
    text = (DEFINITIONS / name).read_text(encoding="utf-8")
    return json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
