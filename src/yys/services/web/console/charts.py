"""Inline SVG charts rendered on the server (no chart library, no script): bars per day, a
revenue line and horizontal bars per category. Pure Python; every text is escaped.

Each chart is an `<svg role="img">` with a `<title>` and `<desc>` for screen readers, a `<title>`
per mark for a hover tooltip, and scales with its container (viewBox, width 100 %).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 220
PAD_LEFT = 48
PAD_RIGHT = 12
PAD_TOP = 12
PAD_BOTTOM = 28


@dataclass(frozen=True, slots=True)
class Point:
    label: str  # the x label (a day) or the category name
    value: float
    shown: str  # the value as the page shows it ("12", "¥1,234.00")


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 × 10^n not below `value`: a round top for the y axis."""
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= value:
        step *= 10
    while step > value:
        step /= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10  # pragma: no cover - the loop always returns


def _fmt(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _frame(title: str, desc: str, body: list[str], *, height: int, ident: str) -> Markup:
    head = (f'<svg class="chart" id="{escape(ident)}" viewBox="0 0 {WIDTH} {height}" '
            f'role="img" aria-labelledby="{escape(ident)}-t {escape(ident)}-d" '
            f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{escape(ident)}-t">{escape(title)}</title>'
            f'<desc id="{escape(ident)}-d">{escape(desc)}</desc>')
    return Markup(head + "".join(body) + "</svg>")


def _axes(top: float, *, plot_h: float, whole: bool) -> list[str]:
    """The y gridlines at 0, half and top, with their values (no half line for counts when
    half the top is not a whole number: "2.5 orders" reads wrong)."""
    parts = []
    half = top / 2
    fractions = (0.0, 1.0) if whole and half != int(half) else (0.0, 0.5, 1.0)
    for fraction in fractions:
        y = PAD_TOP + plot_h * (1 - fraction)
        parts.append(f'<line class="grid" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" '
                     f'y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="tick" x="{PAD_LEFT - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{escape(_fmt(top * fraction))}</text>')
    return parts


def _x_labels(points: Sequence[Point], xs: Sequence[float], height: int) -> list[str]:
    """First, middle and last label only: a month of dates does not fit under the bars."""
    if not points:
        return []
    picks = sorted({0, len(points) // 2, len(points) - 1})
    return [f'<text class="tick" x="{xs[i]:.1f}" y="{height - 8}" text-anchor="middle">'
            f'{escape(points[i].label)}</text>' for i in picks]


def bar_chart(points: Sequence[Point], *, title: str, desc: str, ident: str,
              whole: bool = True) -> Markup:
    """Vertical bars, one per point (days), on a rounded y scale (`whole`: the values count)."""
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    top = nice_ceiling(max((p.value for p in points), default=0))
    slot = plot_w / max(len(points), 1)
    bar_w = max(slot * 0.7, 1.0)
    body = _axes(top, plot_h=plot_h, whole=whole)
    xs = []
    for i, p in enumerate(points):
        x = PAD_LEFT + slot * i + (slot - bar_w) / 2
        xs.append(x + bar_w / 2)
        h = plot_h * (p.value / top) if top else 0
        body.append(f'<rect class="bar" x="{x:.1f}" y="{PAD_TOP + plot_h - h:.1f}" '
                    f'width="{bar_w:.1f}" height="{h:.1f}">'
                    f'<title>{escape(p.label)}: {escape(p.shown)}</title></rect>')
    body += _x_labels(points, xs, HEIGHT)
    return _frame(title, desc, body, height=HEIGHT, ident=ident)


def line_chart(points: Sequence[Point], *, title: str, desc: str, ident: str) -> Markup:
    """A line with dots (revenue per day) over a filled area."""
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    top = nice_ceiling(max((p.value for p in points), default=0))
    step = plot_w / max(len(points) - 1, 1)
    coords = [(PAD_LEFT + step * i if len(points) > 1 else PAD_LEFT + plot_w / 2,
               PAD_TOP + plot_h * (1 - p.value / top)) for i, p in enumerate(points)]
    body = _axes(top, plot_h=plot_h, whole=False)
    if coords:
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        base = PAD_TOP + plot_h
        body.append(f'<polygon class="area" points="{coords[0][0]:.1f},{base:.1f} {line} '
                    f'{coords[-1][0]:.1f},{base:.1f}"/>')
        body.append(f'<polyline class="line" points="{line}"/>')
        for (x, y), p in zip(coords, points, strict=True):
            body.append(f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3">'
                        f'<title>{escape(p.label)}: {escape(p.shown)}</title></circle>')
    body += _x_labels(points, [x for x, _ in coords], HEIGHT)
    return _frame(title, desc, body, height=HEIGHT, ident=ident)


def hbar_chart(points: Sequence[Point], *, title: str, desc: str, ident: str) -> Markup:
    """Horizontal bars with the category on the left and the value at the bar's end."""
    row = 26
    height = PAD_TOP * 2 + row * max(len(points), 1)
    label_w = 120
    plot_w = WIDTH - label_w - PAD_RIGHT - 48
    top = max((p.value for p in points), default=0) or 1
    body = []
    for i, p in enumerate(points):
        y = PAD_TOP + row * i
        w = plot_w * p.value / top
        body.append(f'<text class="tick" x="{label_w - 8}" y="{y + row * 0.65:.1f}" '
                    f'text-anchor="end">{escape(p.label)}</text>')
        body.append(f'<rect class="bar" x="{label_w}" y="{y + 4:.1f}" width="{w:.1f}" '
                    f'height="{row - 8}"><title>{escape(p.label)}: {escape(p.shown)}</title></rect>')
        body.append(f'<text class="value" x="{label_w + w + 6:.1f}" y="{y + row * 0.65:.1f}">'
                    f'{escape(p.shown)}</text>')
    return _frame(title, desc, body, height=height, ident=ident)
