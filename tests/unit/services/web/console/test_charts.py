"""Server-side SVG charts: scale, escaping, accessible names."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from yys.services.web.console.charts import (
    FONT,
    Point,
    bar_chart,
    hbar_chart,
    line_chart,
    nice_ceiling,
    text_width,
)

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


# --- layout: every text inside the viewBox ----------------------------------------------------

STATES_EN = ["Awaiting payment", "Paid, awaiting stay", "Stayed", "Refunded", "Cancelled",
             "Expired"]
STATES_ZH = ["待支付", "待入住", "已入住", "已退款", "已取消", "已过期"]


def _extents(svg: str) -> list[tuple[str, float, float, float, float, float, float]]:
    """(text, left, right, top, bottom, view width, view height) of every <text>, from the
    same wide-side width estimate the charts reserve room with."""
    root = ET.fromstring(svg)
    _, _, view_w, view_h = (float(v) for v in root.get("viewBox", "").split())
    out = []
    for node in root.iter(f"{SVG}text"):
        text, x, y = node.text or "", float(node.get("x", "0")), float(node.get("y", "0"))
        width = text_width(text)
        anchor = node.get("text-anchor", "start")
        left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
        out.append((text, left, left + width, y - FONT * 0.8, y + FONT * 0.25, view_w, view_h))
    return out


def _assert_inside(svg: str) -> None:
    for text, left, right, top, bottom, view_w, view_h in _extents(svg):
        assert left >= 0 and right <= view_w, (text, left, right, view_w)
        assert top >= 0 and bottom <= view_h, (text, top, bottom, view_h)


def _month(values: list[float]) -> list[Point]:
    return [Point(f"12-{i + 1:02d}", v, f"¥{v:,.2f}") for i, v in enumerate(values)]


@pytest.mark.parametrize("labels", [STATES_EN, STATES_ZH, ["99"], ["西双版纳" * 20, "x"]])
def test_state_labels_fit_whole_in_the_category_chart(labels: list[str]) -> None:
    points = [Point(label, 10 * (i + 1), f"{1000 * (i + 1):,}") for i, label in enumerate(labels)]
    svg = str(hbar_chart(points, title="States", desc="", ident="s"))
    _assert_inside(svg)
    shown = [n.text for n in ET.fromstring(svg).iter(f"{SVG}text") if n.get("class") == "tick"]
    if len(labels[0]) < 30:
        assert shown == labels  # nothing cut: the column is as wide as the longest label
    else:
        assert shown[0].endswith("…") and f"<title>{labels[0]}: " in svg


def test_the_label_column_grows_with_the_longest_label() -> None:
    def first_bar_x(labels: list[str]) -> float:
        root = ET.fromstring(str(hbar_chart([Point(s, 1, "1") for s in labels], title="t",
                                            desc="", ident="s")))
        return float(root.find(f"{SVG}rect").get("x", "0"))  # type: ignore[union-attr]

    assert first_bar_x(["Stayed"]) < first_bar_x(STATES_EN)
    assert first_bar_x(["已入住"]) < first_bar_x(STATES_EN)


def test_the_category_chart_is_drawn_at_its_natural_size() -> None:
    root = ET.fromstring(str(hbar_chart([Point("a", 1, "1")], title="t", desc="", ident="s")))
    assert (root.get("width"), root.get("height")) == ("640", "50")


@pytest.mark.parametrize("count", [1, 2, 7, 30, 31])
@pytest.mark.parametrize("peak", [0, 3, 999, 123_456.78])
def test_day_charts_keep_every_tick_inside(count: int, peak: float) -> None:
    values = [peak * (i % 3) / 2 for i in range(count)]
    _assert_inside(str(line_chart(_month(values), title="Revenue", desc="", ident="r")))
    _assert_inside(str(bar_chart(_month(values), title="Orders", desc="", ident="o")))


def test_the_last_day_on_the_line_chart_ends_at_its_point() -> None:
    svg = str(line_chart(_month([1.0] * 30), title="Revenue", desc="", ident="r"))
    root = ET.fromstring(svg)
    last_x = float(root.findall(f"{SVG}circle")[-1].get("cx", "0"))
    last = next(n for n in root.iter(f"{SVG}text") if n.text == "12-30")
    assert last.get("text-anchor") == "end" and float(last.get("x", "0")) == pytest.approx(last_x)


def test_width_estimate_errs_wide_and_counts_chinese_as_full_width() -> None:
    assert text_width("待支付") == 3 * FONT
    assert text_width("Awaiting payment") > 0.5 * FONT * len("Awaiting payment")
