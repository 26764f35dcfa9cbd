"""Assemble an invalid-input fixture: the base data directory with one fault applied (see fixtures/invalid/README.md)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import yaml

FIXTURES = Path(__file__).parent / "fixtures"
INVALID = FIXTURES / "invalid"


def fault_dirs() -> list[Path]:
    return sorted(p for p in INVALID.iterdir() if (p / "fault.yaml").is_file())


def spec(fault: Path) -> dict[str, Any]:
    return yaml.safe_load((fault / "fault.yaml").read_text(encoding="utf-8"))


def _set(obj: Any, dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for key in parents:
        obj = obj[int(key)] if isinstance(obj, list) else obj[key]
    if isinstance(obj, list) and last == "+":
        obj.append(value)
    elif isinstance(obj, list) and value is None:
        del obj[int(last)]
    elif isinstance(obj, list):
        obj[int(last)] = value
    elif value is None:
        obj.pop(last, None)
    else:
        obj[last] = value


def build(fault: Path, target: Path) -> Path:
    """Copy the base data directory to `target` and apply the fault's steps, in this order:
    move, remove, replace (text), json (set keys; null removes), then copy `files/` over the result."""
    s = spec(fault)
    shutil.copytree(FIXTURES / s.get("base", "base"), target)
    for src, dst in (s.get("move") or {}).items():
        shutil.move(target / src, target / dst)
    for rel in s.get("remove") or []:
        path = target / rel
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    for rel, pairs in (s.get("replace") or {}).items():
        path = target / rel
        text = path.read_text(encoding="utf-8")
        for old, new in pairs:
            assert old in text, f"{fault.name}: {old!r} not in {rel}"
            text = text.replace(old, new, 1)
        path.write_text(text, encoding="utf-8")
    for rel, edits in (s.get("json") or {}).items():
        path = target / rel
        data = json.loads(path.read_text(encoding="utf-8"))
        for key, value in edits.items():
            _set(data, key, value)
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    files = fault / "files"
    if files.is_dir():
        shutil.copytree(files, target, dirs_exist_ok=True)
    return target
