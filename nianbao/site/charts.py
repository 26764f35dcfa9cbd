"""Line charts of an agency's key figures over the years, drawn as inline SVG at build time (no script, no CDN)."""

from __future__ import annotations

import math

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 260


LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 64


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def line_chart(title: str, years: list[int], series: list[tuple[str, list[float | None]]]) -> Markup:
    """An SVG line chart; blank (None) values break the line. Its text alternative is the table beside it."""
    stated = [v for _, values in series for v in values if v is not None]
    top = _nice_max(max(stated, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w / 2 if len(years) == 1 else plot_w * i / (len(years) - 1))

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    desc = "；".join(
        f"{name}："
        + "、".join(f"{year}年{'未填' if v is None else _num(v)}" for year, v in zip(years, values, strict=True))
        for name, values in series
    )
    out = [
        f'<svg class="nb-chart" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>",
    ]
    for k in range(5):
        v = top * k / 4
        out.append(f'<line class="nb-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_num(y(v))}" y2="{_num(y(v))}"/>')
        out.append(f'<text class="nb-axis" x="{LEFT - 6}" y="{_num(y(v) + 4)}" text-anchor="end">{_num(v)}</text>')
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
            for px, py in run:
                out.append(f'<circle class="nb-dot nb-s{s}" cx="{_num(px)}" cy="{_num(py)}" r="3"/>')
        lx = LEFT + 130 * s
        out.append(f'<rect class="nb-key nb-s{s}" x="{lx}" y="{HEIGHT - 24}" width="12" height="12"/>')
        out.append(f'<text class="nb-legend" x="{lx + 16}" y="{HEIGHT - 14}">{escape(name)}</text>')
    out.append("</svg>")
    return Markup("".join(out))
