"""The definition files (templates, rules, package, site, import) read once from definitions/."""

from __future__ import annotations

import json
import re
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


@cache
def agency_id() -> re.Pattern[str]:
    """The agency-id pattern, defined once (agencies.schema.json): folder names, URLs, metadata, `import --agency`."""
    field = next(f for f in read_definition("agencies.schema.json")["fields"] if f["name"] == "id")
    return re.compile(field["constraints"]["pattern"])
