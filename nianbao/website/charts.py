"""Line charts of an agency's key figures over the years, drawn as inline SVG at build time (no script, no CDN)."""

from __future__ import annotations

import math

from markupsafe import Markup, escape

from nianbao.website.model import display_number

# A narrow drawing: on a 390 px phone it is scaled by about 0.75, so 15-unit text stays about 11 px.
WIDTH, HEIGHT = 480, 260


LEFT, RIGHT, TOP, BOTTOM = 64, 16, 20, 70
TICKS = 4


def _tick_step(value: float) -> float:
    """A step of 1, 2 or 5 × 10ⁿ, at least 1 (counts are whole numbers), so that TICKS steps cover `value`."""
    if value <= 0:
        return 1.0
    raw = value / TICKS
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for step in (1, 2, 5, 10):
        if raw <= step * magnitude:
            return float(max(step * magnitude, 1))
    return 10.0 * magnitude


def _num(x: float) -> str:
    """Coordinates in the drawing (not numbers for reading: those go through display_number)."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def line_chart(
    title: str,
    years: list[int],
    series: list[tuple[str, list[float | None]]],
    marks: list[list[bool]] | None = None,
) -> Markup:
    """An SVG line chart; blank (None) values break the line; a point whose number includes the publisher's own
    inconsistency (`marks`, per series and year) is drawn hollow with ※. The text alternative is the table beside it."""
    stated = [v for _, values in series for v in values if v is not None]
    step = _tick_step(max(stated, default=0))
    top = step * TICKS
    marks = marks or [[False] * len(years) for _ in series]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w / 2 if len(years) == 1 else plot_w * i / (len(years) - 1))

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    desc = "；".join(
        f"{name}："
        + "、".join(
            f"{year}年{'未填' if v is None else display_number(v)}{'（含原报告数据不一致）' if m else ''}"
            for year, v, m in zip(years, values, flags, strict=True)
        )
        for (name, values), flags in zip(series, marks, strict=True)
    )
    out = [
        f'<svg class="nb-chart" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>",
    ]
    for k in range(TICKS + 1):
        v = step * k
        out.append(f'<line class="nb-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_num(y(v))}" y2="{_num(y(v))}"/>')
        out.append(
            f'<text class="nb-axis" x="{LEFT - 6}" y="{_num(y(v) + 5)}" text-anchor="end">{display_number(v)}</text>'
        )
    for i, year in enumerate(years):
        out.append(
            f'<text class="nb-axis" x="{_num(x(i))}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">{year}</text>'
        )
    for s, (name, values) in enumerate(series):
        runs: list[list[tuple[float, float]]] = [[]]
        for i, v in enumerate(values):
            if v is None:
                runs.append([])
            else:
                runs[-1].append((x(i), y(v)))
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{_num(px)},{_num(py)}" for px, py in run)
                out.append(f'<polyline class="nb-series nb-s{s}" points="{points}"/>')
        for i, v in enumerate(values):
            if v is None:
                continue
            px, py = x(i), y(v)
            if marks[s][i]:
                out.append(f'<circle class="nb-dot nb-dot-flag nb-s{s}" cx="{_num(px)}" cy="{_num(py)}" r="5"/>')
                out.append(f'<text class="nb-axis nb-flag-mark" x="{_num(px + 7)}" y="{_num(py - 7)}">※</text>')
            else:
                out.append(f'<circle class="nb-dot nb-s{s}" cx="{_num(px)}" cy="{_num(py)}" r="3.5"/>')
        lx = LEFT + (WIDTH - LEFT) * (s % 2) // 2
        ly = HEIGHT - 34 + 20 * (s // 2)
        out.append(f'<rect class="nb-key nb-s{s}" x="{lx}" y="{ly - 11}" width="12" height="12"/>')
        out.append(f'<text class="nb-legend" x="{lx + 16}" y="{ly}">{escape(name)}</text>')
    out.append("</svg>")
    return Markup("".join(out))
