"""One canonical serialisation for every data file: UTF-8 without BOM, LF, fixed key and column order."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nianbao.check.discover import discover
from nianbao.check.paths import linked_folder, scan
from nianbao.core.definitions import read_definition
from nianbao.core.package import package_files
from nianbao.core.templates import TEMPLATE_IDS, Table, Template, template, template_for_year
from nianbao.core.textfiles import (
    _records,
    decode,
    dump_json,
    fold_number,
    load_json,
    printable,
    read_bytes,
    write_atomic,
    write_csv,
)
from nianbao.errors import FormatError

_RESOURCE_KEYS = ("name", "path", "title", "description", "format", "mediatype", "encoding")


_ACK_KEYS = ("rule", "cells", "expected", "found", "note")


_NUMERIC = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


@dataclass
class FileChange:
    file: str
    before: str  # decoded text, for the diff
    after: str
    note: str | None = None  # what changed that a text diff does not show (encoding, BOM)

    def diff(self) -> str:
        lines = difflib.unified_diff(
            self.before.splitlines(),
            self.after.splitlines(),
            fromfile=f"{printable(self.file)}（现状）",
            tofile=f"{printable(self.file)}（规范格式）",
            lineterm="",
        )
        # Data lines are untrusted: escaped, so that none can pose as a CI workflow command (`::error …`).
        text = "".join(_safe_line(line) + "\n" for line in lines)
        return (f"--- {printable(self.file)}: {self.note}\n" if self.note else "") + text


def _safe_line(line: str) -> str:
    line = printable(line)
    return line[0] + "\\" + line[1:] if line[1:].lstrip().startswith("::") else line


def canonical_value(cell: str) -> str:
    """A value cell without surrounding spaces, with full-width digits made ASCII when that gives a number
    (nothing else is folded: ² ① ㉕ stay as they are, for the validator to report)."""
    stripped = cell.strip(" \t\u3000\xa0")
    folded = fold_number(cell)
    return folded if _NUMERIC.fullmatch(folded) else stripped


def canonical_table(text: str, table: Table) -> str:
    """Columns in template order, rows in template order (unknown rows kept, at the end), values trimmed."""
    records = _records(text)
    if not records:
        return text
    header, body = records[0], [r for r in records[1:] if r]
    if sorted(header) != sorted(table.header) or any(len(r) != len(header) for r in body):
        return write_csv([header, *body])  # not ours to guess: the validator reports it
    order = [header.index(c) for c in table.header]
    rank = {row_id: i for i, row_id in enumerate(table.row_ids)}
    rows = [[r[i] for i in order] for r in body]
    rows.sort(key=lambda r: rank.get(r[0], len(rank)))
    rows = [[r[0], r[1], *(canonical_value(c) for c in r[2:])] for r in rows]
    return write_csv([list(table.header), *rows])


def canonical_notes(text: str, tmpl: Template | None) -> str:
    header = [f["name"] for f in read_definition("package.yaml")["notes_fields"]]
    records = _records(text)
    if not records or records[0] != header:
        return write_csv(records)
    rank: dict[tuple[str, str, str], int] = {}
    if tmpl:
        rank = {cell: i for i, cell in enumerate(tmpl.cells())}
    body = [r for r in records[1:] if r]
    body.sort(key=lambda r: (rank.get(tuple(r[:3]), len(rank)), r) if len(r) >= 3 else (len(rank), r))
    return write_csv([header, *body])


def canonical_registry(text: str) -> str:
    records = _records(text)
    if not records:
        return text
    header, body = records[0], [r for r in records[1:] if r]
    body.sort(key=lambda r: r[0] if r else "")
    return write_csv([header, *body])


def canonical_narrative(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n") + "\n"


def _ordered(obj: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    first = {k: obj[k] for k in keys if k in obj}
    return first | {k: obj[k] for k in sorted(obj) if k not in first}


def canonical_descriptor(text: str) -> str:
    d = load_json(text)
    if not isinstance(d, dict):
        raise FormatError("顶层不是对象")
    keys = tuple(f["name"] for f in read_definition("package.yaml")["fields"])
    if isinstance(d.get("resources"), list):
        d["resources"] = [_ordered(r, _RESOURCE_KEYS) if isinstance(r, dict) else r for r in d["resources"]]
    if isinstance(d.get("acknowledgements"), list):
        d["acknowledgements"] = [_ordered(a, _ACK_KEYS) if isinstance(a, dict) else a for a in d["acknowledgements"]]
    return dump_json(_ordered(d, keys))


def _package_files(folder: Path) -> list[tuple[Path, str, Template | None, Table | None]]:
    """(file, kind, template, table) for each file of a package, from the list validate reads (core.package)."""
    descriptor, tmpl = None, None
    try:
        descriptor = load_json(decode(read_bytes(folder / "datapackage.json"))[0])
        if isinstance(descriptor, dict):
            value, year = descriptor.get("template"), descriptor.get("year")
            tmpl = template(value) if value in TEMPLATE_IDS else template_for_year(year) if type(year) is int else None
        else:
            descriptor = None
    except (OSError, FormatError):
        pass  # the descriptor alone, which fails to read again below and is reported
    files, _ = package_files(descriptor, tmpl)
    return [(folder / f.path, f.kind, tmpl, f.table) for f in files]


def canonical(kind: str, text: str, tmpl: Template | None, table: Table | None) -> str:
    if kind == "descriptor":
        return canonical_descriptor(text)
    if kind == "table" and table is not None:
        return canonical_table(text, table)
    if kind == "notes":
        return canonical_notes(text, tmpl)
    if kind == "registry":
        return canonical_registry(text)
    if kind == "narrative":
        return canonical_narrative(text)
    return text  # source.*: encoding, BOM and line endings only, never its content


def format_paths(paths: list[str], write: bool) -> tuple[list[FileChange], list[tuple[str, str]]]:
    """Canonicalise every data file under `paths`; returns the changes and the files that could not be read.

    Links and control-character names are refused (nothing is read or written through a link or below one);
    each file is replaced atomically."""
    found, roots = discover(paths)
    failures = [(p.file or "", p.message) for p in scan(roots, found)]
    refused = [f for f, _ in failures]
    files: list[tuple[Path, str, str, Template | None, Table | None]] = []
    for root in roots:
        files.append((root.dir / "agencies.csv", str(Path(root.display) / "agencies.csv"), "registry", None, None))
    for folder, display, context in found:
        linked = linked_folder(folder, display, None)
        if linked:
            failures.append((linked.file or display, linked.message))
            refused.append(linked.file or display)
        if context or linked:
            continue
        for path, kind, tmpl, table in _package_files(folder):
            files.append((path, str(Path(display) / path.name), kind, tmpl, table))
    changes = []
    for path, display, kind, tmpl, table in files:
        if any(display == r or display.startswith(r + "/") for r in refused):
            continue
        if not path.exists() and not path.is_symlink():
            continue
        try:
            data = read_bytes(path)
            text, note = decode(data)
            after = canonical(kind, text, tmpl, table)
        except (OSError, FormatError) as exc:
            failures.append((display, str(exc)))
            continue
        if after.encode("utf-8") != data:
            changes.append(FileChange(display, text, after, note))
            if write:
                try:
                    write_atomic(path, after)
                except OSError as exc:
                    failures.append((display, f"无法写入：{exc.strerror or exc}"))
    return changes, failures
