"""Key figures of each report (definitions/site.yaml), computed over all reports at once from the validated cells."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nianbao.check.cells import Cells
from nianbao.core.definitions import read_definition
from nianbao.core.templates import Template, template


@dataclass(frozen=True)
class Figure:
    id: str
    label: str
    cells: tuple[str, ...]


@dataclass
class Figures:
    """values[i, j]: figure j of package i (NaN: not stated); derived[i, j]: a blank 总计 was summed from its parts;
    partial[i, j]: where the figure is not stated, the sum of the cells that are (NaN when none is), shown beside
    the blank as what the report does state; never added into totals."""

    figures: list[Figure]
    values: np.ndarray
    derived: np.ndarray
    partial: np.ndarray


def figure_definitions() -> list[Figure]:
    return [Figure(f["id"], f["label"], tuple(f["cells"])) for f in read_definition("site.yaml")["key_figures"]]


def _expand(ref: str, tmpl: Template) -> list[tuple[str, str, str]]:
    table_id, row, column = ref.split(".")
    if table_id not in tmpl.table_ids:
        return []
    table = tmpl.table(table_id)
    if row.startswith("@"):
        name = row[1:]
        rows = list(table.row_sets.get(name, ())) or [r.id for r in table.rows if r.group == name]
    else:
        rows = [row]
    return [(table_id, r, column) for r in rows if r in table.row_ids and not table.row(r).optional]


def figure_cells(fig: Figure, tmpl: Template | None, derived: bool = False) -> list[str]:
    """Every cell a figure of a report is computed from ("table.row.column"): its terms, and when a blank 总计 was
    summed (`derived`), the applicant columns."""
    if tmpl is None:
        return []
    parts_set = read_definition("site.yaml")["derive_total_from"]
    out = []
    for table_id, row, col in (t for ref in fig.cells for t in _expand(ref, tmpl)):
        out.append(f"{table_id}.{row}.{col}")
        if col == "total" and derived:
            out += [f"{table_id}.{row}.{p}" for p in tmpl.table(table_id).column_sets.get(parts_set, ())]
    return out


def compute(cells: Cells, template_ids: list[str]) -> Figures:
    figures = figure_definitions()
    parts_set = read_definition("site.yaml")["derive_total_from"]
    n = len(template_ids)
    values = np.full((n, len(figures)), np.nan)
    derived = np.zeros((n, len(figures)), dtype=bool)
    partial = np.full((n, len(figures)), np.nan)
    matrix = cells.values

    def column(key: str, rows: np.ndarray) -> np.ndarray:
        index = cells.keys.get(key)
        return matrix[rows, index] if index is not None else np.full(len(rows), np.nan)

    for tmpl_id in sorted(set(template_ids) - {""}):
        tmpl = template(tmpl_id)
        rows = np.flatnonzero(np.array(template_ids) == tmpl_id)
        for j, fig in enumerate(figures):
            total = np.zeros(len(rows))
            stated = np.full(len(rows), np.nan)  # the sum of what is stated, term by term
            was_derived = np.zeros(len(rows), dtype=bool)
            terms = [t for ref in fig.cells for t in _expand(ref, tmpl)]
            if not terms:
                continue
            for table_id, row, col in terms:
                value = column(f"{table_id}.{row}.{col}", rows)
                parts = tmpl.table(table_id).column_sets.get(parts_set, ())
                lower = value
                if col == "total" and parts:
                    part_values = np.vstack([column(f"{table_id}.{row}.{p}", rows) for p in parts])
                    summed = part_values.sum(axis=0)
                    fill = np.isnan(value) & ~np.isnan(summed)
                    value = np.where(fill, summed, value)
                    was_derived |= fill
                    any_part = ~np.all(np.isnan(part_values), axis=0)
                    lower = np.where(np.isnan(value) & any_part, np.nansum(part_values, axis=0), value)
                total = total + value
                stated = np.where(np.isnan(lower), stated, np.nan_to_num(stated) + np.nan_to_num(lower))
            values[rows, j] = total
            derived[rows, j] = was_derived & ~np.isnan(total)
            partial[rows, j] = np.where(np.isnan(total), stated, np.nan)
    return Figures(figures, values, derived, partial)
