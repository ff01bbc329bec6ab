"""Server-side SVG charts: scale, escaping, accessible names."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from yys.services.web.console.charts import Point, bar_chart, hbar_chart, line_chart, nice_ceiling

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(("value", "top"), [(0, 1), (0.3, 0.5), (1, 1), (3, 5), (7, 10),
                                            (12, 20), (101, 200), (999, 1000), (1234.5, 2000)])
def test_nice_ceiling_is_a_round_number_not_below_the_value(value: float, top: float) -> None:
    assert nice_ceiling(value) == pytest.approx(top)


def _days(values: list[float]) -> list[Point]:
    return [Point(f"12-{i + 1:02d}", v, f"{v:g}") for i, v in enumerate(values)]


def test_bar_heights_are_proportional_and_the_svg_is_well_formed() -> None:
    svg = bar_chart(_days([0, 5, 10]), title="Orders", desc="per day", ident="orders")
    root = ET.fromstring(str(svg))
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Orders"  # type: ignore[union-attr]
    bars = root.findall(f"{SVG}rect")
    heights = [float(b.get("height", "0")) for b in bars]
    assert len(bars) == 3 and heights[0] == 0
    assert heights[2] == pytest.approx(2 * heights[1])
    assert [b.find(f"{SVG}title").text for b in bars][1] == "12-02: 5"  # type: ignore[union-attr]


def test_text_is_escaped() -> None:
    svg = str(hbar_chart([Point("<script>", 1, "1 & 2")], title="a<b", desc="\"x\"", ident="s"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "1 &amp; 2" in svg
    ET.fromstring(svg)


def test_line_chart_puts_the_highest_value_at_the_top_of_the_scale() -> None:
    svg = str(line_chart(_days([1, 2, 4]), title="Revenue", desc="", ident="rev"))
    root = ET.fromstring(svg)
    ys = [float(c.get("cy", "0")) for c in root.findall(f"{SVG}circle")]
    assert ys[0] > ys[1] > ys[2]  # SVG y grows downwards
    assert re.search(r'<polyline class="line" points="[\d.,\s]+"', svg)


def test_empty_and_single_point_charts_render() -> None:
    for chart in (bar_chart, line_chart, hbar_chart):
        ET.fromstring(str(chart([], title="t", desc="d", ident="e")))
        ET.fromstring(str(chart(_days([3]), title="t", desc="d", ident="one")))


def test_counts_get_no_half_gridline_when_it_would_not_be_whole() -> None:
    ticks = re.findall(r'<text class="tick"[^>]*text-anchor="end">([^<]*)</text>',
                       str(bar_chart(_days([1]), title="t", desc="d", ident="c")))
    assert ticks == ["0", "1"]
    ticks = re.findall(r'<text class="tick"[^>]*text-anchor="end">([^<]*)</text>',
                       str(bar_chart(_days([7]), title="t", desc="d", ident="c")))
    assert ticks == ["0", "5", "10"]
