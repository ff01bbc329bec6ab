"""Inline SVG charts rendered on the server (no chart library, no script): bars per day, a
revenue line and horizontal bars per category. Pure Python; every text is escaped.

Each chart is an `<svg role="img">` with a `<title>` and `<desc>` for screen readers and a
`<title>` per mark for a hover tooltip. The day charts scale with their container (viewBox,
width 100 %); the category chart keeps its natural size (one user unit = one CSS pixel) so its
labels read at the page's size however wide the card is. The browser does not tell the server
how wide a text renders, so room for labels is reserved from an estimate (`text_width`) that
errs wide: a label must never be cut at the edge of the viewBox.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 220
PAD_LEFT = 48
PAD_RIGHT = 12
PAD_TOP = 12
PAD_BOTTOM = 28
FONT = 13  # px, as console.css sets for `.tick` and `.value`
GAP = 6  # between a label and what it labels

# Advance widths in em, rounded up from common sans-serif fonts (DejaVu Sans, Noto Sans,
# Helvetica): wide or full-width characters (Chinese) take a whole em.
_NARROW = frozenset("il.,:;'|!Ijft()[] ")
_WIDE = frozenset("mwMW@%")


def _char_em(char: str) -> float:
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.0
    if char in _NARROW:
        return 0.36
    if char in _WIDE:
        return 0.95
    if char.isupper():
        return 0.75
    return 0.64


def text_width(text: str, size: float = FONT) -> float:
    """An estimate, on the wide side, of how long `text` renders at `size` px."""
    return sum(_char_em(c) for c in text) * size


def _clip(text: str, room: float) -> str:
    """`text`, cut with an ellipsis when it is wider than `room` (its mark's tooltip keeps it
    whole)."""
    if text_width(text) <= room:
        return text
    while text and text_width(text + "…") > room:
        text = text[:-1]
    return text + "…"


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


def _frame(title: str, desc: str, body: list[str], *, height: int, ident: str,
           natural: bool = False) -> Markup:
    # `natural`: width/height attributes, which console.css lets shrink but never grow.
    size = f' width="{WIDTH}" height="{height}"' if natural else ""
    head = (f'<svg class="chart"{size} id="{escape(ident)}" viewBox="0 0 {WIDTH} {height}" '
            f'role="img" aria-labelledby="{escape(ident)}-t {escape(ident)}-d" '
            f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{escape(ident)}-t">{escape(title)}</title>'
            f'<desc id="{escape(ident)}-d">{escape(desc)}</desc>')
    return Markup(head + "".join(body) + "</svg>")


def _y_ticks(top: float, whole: bool) -> list[tuple[float, str]]:
    """The y gridlines at 0, half and top, with their values (no half line for counts when
    half the top is not a whole number: "2.5 orders" reads wrong)."""
    half = top / 2
    fractions = (0.0, 1.0) if whole and half != int(half) else (0.0, 0.5, 1.0)
    return [(fraction, _fmt(top * fraction)) for fraction in fractions]


def _pad_left(ticks: Sequence[tuple[float, str]]) -> float:
    """Room left of the plot for the widest y value ("200000" needs more than "5")."""
    return max(PAD_LEFT, math.ceil(max(text_width(s) for _, s in ticks) + GAP + 4))


def _axes(ticks: Sequence[tuple[float, str]], *, pad_left: float, plot_h: float) -> list[str]:
    parts = []
    for fraction, shown in ticks:
        y = PAD_TOP + plot_h * (1 - fraction)
        parts.append(f'<line class="grid" x1="{pad_left:.1f}" x2="{WIDTH - PAD_RIGHT}" '
                     f'y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="tick" x="{pad_left - GAP:.1f}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{escape(shown)}</text>')
    return parts


def _x_labels(points: Sequence[Point], xs: Sequence[float], height: int) -> list[str]:
    """First, middle and last label only: a month of dates does not fit under the bars. A label
    centred under its mark that would cross an edge is anchored to its mark's side instead (the
    last day on a line chart sits on the right edge)."""
    if not points:
        return []
    picks = sorted({0, len(points) // 2, len(points) - 1})
    parts = []
    for i in picks:
        x, half = xs[i], text_width(points[i].label) / 2
        anchor = "middle"
        if x + half > WIDTH - 2:
            anchor, x = "end", min(x, WIDTH - 2)
        elif x - half < 2:
            anchor, x = "start", max(x, 2)
        parts.append(f'<text class="tick" x="{x:.1f}" y="{height - 8}" text-anchor="{anchor}">'
                     f'{escape(points[i].label)}</text>')
    return parts


def bar_chart(points: Sequence[Point], *, title: str, desc: str, ident: str,
              whole: bool = True) -> Markup:
    """Vertical bars, one per point (days), on a rounded y scale (`whole`: the values count)."""
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    top = nice_ceiling(max((p.value for p in points), default=0))
    ticks = _y_ticks(top, whole)
    pad_left = _pad_left(ticks)
    plot_w = WIDTH - pad_left - PAD_RIGHT
    slot = plot_w / max(len(points), 1)
    bar_w = max(slot * 0.7, 1.0)
    body = _axes(ticks, pad_left=pad_left, plot_h=plot_h)
    xs = []
    for i, p in enumerate(points):
        x = pad_left + slot * i + (slot - bar_w) / 2
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
    top = nice_ceiling(max((p.value for p in points), default=0))
    ticks = _y_ticks(top, whole=False)
    pad_left = _pad_left(ticks)
    plot_w = WIDTH - pad_left - PAD_RIGHT
    step = plot_w / max(len(points) - 1, 1)
    coords = [(pad_left + step * i if len(points) > 1 else pad_left + plot_w / 2,
               PAD_TOP + plot_h * (1 - p.value / top)) for i, p in enumerate(points)]
    body = _axes(ticks, pad_left=pad_left, plot_h=plot_h)
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
    """Horizontal bars with the category on the left and the value at the bar's end, drawn at
    its natural size. The label column is as wide as the longest label (up to 40 % of the
    chart; a longer one is cut, whole in its tooltip); the values get room after the bars."""
    row = 26
    height = PAD_TOP * 2 + row * max(len(points), 1)
    label_room = min(max((text_width(p.label) for p in points), default=0), WIDTH * 0.4)
    label_w = math.ceil(label_room) + 2 + GAP
    value_w = math.ceil(max((text_width(p.shown) for p in points), default=0)) + GAP
    plot_w = WIDTH - label_w - value_w - PAD_RIGHT
    top = max((p.value for p in points), default=0) or 1
    body = []
    for i, p in enumerate(points):
        y = PAD_TOP + row * i
        w = plot_w * p.value / top
        body.append(f'<text class="tick" x="{label_w - GAP}" y="{y + row * 0.65:.1f}" '
                    f'text-anchor="end">{escape(_clip(p.label, label_room))}</text>')
        body.append(f'<rect class="bar" x="{label_w}" y="{y + 4:.1f}" width="{w:.1f}" '
                    f'height="{row - 8}"><title>{escape(p.label)}: {escape(p.shown)}</title></rect>')
        body.append(f'<text class="value" x="{label_w + w + GAP:.1f}" y="{y + row * 0.65:.1f}">'
                    f'{escape(p.shown)}</text>')
    return _frame(title, desc, body, height=height, ident=ident, natural=True)
