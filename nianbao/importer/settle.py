"""Apply the cells a maintainer settled against the original (`settled`) to a fresh extraction of the same source."""

from __future__ import annotations

from pathlib import Path

from nianbao.core.settled import Settlement, settlements
from nianbao.core.templates import Template
from nianbao.core.textfiles import decode, load_json, read_bytes
from nianbao.errors import FormatError
from nianbao.importer.extract import BLANK, NOT_FOUND, PRINTED, UNCERTAIN, Cell, Extraction


def previous_settlements(out: Path, tmpl: Template) -> list[Settlement]:
    """The well-formed `settled` entries of the package an import with --force replaces (none if unreadable):
    re-importing a source must not lose what was read in the original."""
    try:
        descriptor = load_json(decode(read_bytes(out / "datapackage.json"))[0])
    except (OSError, ValueError, RecursionError, FormatError):
        return []  # a link, a device, an oversized or undecodable file: nothing to carry over
    return settlements(descriptor, tmpl)


def apply_settlements(extraction: Extraction, entries: list[Settlement]) -> tuple[list[Settlement], list[Settlement]]:
    """Fill the cells of every unresolved entry that a settlement names exactly (the same cells, in order) with
    the values read in the original, and drop that entry. Returns (applied, unused): a settlement whose cells the
    import now reads by itself, or no longer names together, is unused and not carried into the draft."""
    by_cells = {s.cells: s for s in entries}
    applied: list[Settlement] = []
    remaining = []
    for entry in extraction.unresolved:
        key = tuple(".".join(k) for k in entry.cells)
        s = by_cells.get(key)
        if s is None or entry.status not in (UNCERTAIN, NOT_FOUND):
            remaining.append(entry)
            continue
        for cell, value, note in zip(entry.cells, s.values, s.notes, strict=True):
            where = f"按原文核定：{s.source}"
            extraction.cells[cell] = Cell(value, note=note, where=where, status=PRINTED if value else BLANK)
        applied.append(s)
    extraction.unresolved = remaining
    unused = [s for s in entries if s not in applied]
    return applied, unused
