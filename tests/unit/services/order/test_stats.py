"""The statistics range and the per-day aggregation (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from yys.services.order.domain import InvalidField
from yys.services.order.stats import CreatedCount, PaidSum, aggregate, stats_range

TZ = "Asia/Shanghai"
JAN1 = 1_704_038_400  # 2024-01-01 00:00 in Shanghai (UTC+8)


def test_day_range_in_the_settlement_zone() -> None:
    window = stats_range("2024-01-01", "2024-01-03", now=JAN1 + 10 * 86400, tz=TZ)
    assert (window.start, window.end) == (JAN1, JAN1 + 3 * 86400)
    assert window.utc_offset == 8 * 3600
    assert window.days() == [date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3)]


def test_unix_bounds_and_default_range() -> None:
    window = stats_range(str(JAN1), str(JAN1 + 86400 - 1), now=0, tz=TZ)
    assert (window.start, window.end) == (JAN1, JAN1 + 86400)
    assert window.days() == [date(2024, 1, 1)]
    default = stats_range(None, None, now=JAN1 + 100 * 86400, tz=TZ)
    assert default.end - default.start == 30 * 86400


@pytest.mark.parametrize(("start", "end"), [
    ("2024-01-01", "2025-01-02"),  # 367 days
    ("2024-01-03", "2024-01-01"),
    ("2024-02-30", "2024-03-01"),
    ("yesterday", None),
    ("1' OR '1'='1", None),
    ("-5", None),
    ("1e9", None),
])
def test_bad_ranges(start: str, end: str | None) -> None:
    with pytest.raises(InvalidField):
        stats_range(start, end, now=JAN1 + 400 * 86400, tz=TZ)


def test_a_leap_year_fits() -> None:
    window = stats_range("2024-01-01", "2024-12-31", now=0, tz=TZ)
    assert len(window.days()) == 366


def test_aggregate_fills_days_and_states() -> None:
    window = stats_range("2024-01-01", "2024-01-04", now=0, tz=TZ)
    d1, d3 = date(2024, 1, 1), date(2024, 1, 3)
    created = [CreatedCount(d1, 1, 2), CreatedCount(d1, 3, 1), CreatedCount(d3, 0, 4),
               CreatedCount(d3, 1, 1)]
    paid = [PaidSum(d1, 2, 30_000), PaidSum(d3, 1, 12_345)]
    stats = aggregate(window, created, paid)
    assert [(s.day.day, s.orders, s.paid_orders, s.revenue) for s in stats.days] == [
        (1, 3, 2, 30_000), (2, 0, 0, 0), (3, 5, 1, 12_345), (4, 0, 0, 0)]
    assert stats.by_state == {-1: 0, 0: 4, 1: 3, 2: 0, 3: 1, 4: 0}
    assert (stats.total_orders, stats.total_paid_orders, stats.total_revenue) == (8, 3, 42_345)
