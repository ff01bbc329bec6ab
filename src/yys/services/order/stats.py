"""Back-office statistics: the date range and the per-day aggregation. Pure Python.

Days are calendar days in the settlement time zone (the one operators and merchants already
use). The database groups rows by day with a fixed UTC offset taken at the start of the range,
which is exact for zones without daylight saving time (Asia/Shanghai) and off by at most an hour
around a DST change elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from yys.contracts.trade import TradeState
from yys.services.order.domain import InvalidField

MAX_RANGE_DAYS: Final = 366
DEFAULT_RANGE_DAYS: Final = 30
# Paid and not given back: refunded orders are not revenue.
REVENUE_STATES: Final = (TradeState.WAIT_USE, TradeState.USED, TradeState.EXPIRED)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UNIX = re.compile(r"^\d{1,11}$")


@dataclass(frozen=True, slots=True)
class StatsRange:
    start: int  # unix s, inclusive
    end: int  # unix s, exclusive
    tz: str

    @property
    def utc_offset(self) -> int:
        """Seconds east of UTC at the start of the range (what the database adds to group)."""
        offset = datetime.fromtimestamp(self.start, ZoneInfo(self.tz)).utcoffset()
        return 0 if offset is None else int(offset.total_seconds())

    def days(self) -> list[date]:
        zone = ZoneInfo(self.tz)
        first = datetime.fromtimestamp(self.start, zone).date()
        last = datetime.fromtimestamp(self.end - 1, zone).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _moment(value: str, tz: str, *, name: str, end: bool) -> int:
    """Unix seconds, or a `YYYY-MM-DD` local day (its start; for `to`, the start of the next
    day, so the whole day is included)."""
    value = value.strip()
    if _UNIX.match(value):
        return int(value) + (1 if end else 0)
    if _DAY.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise InvalidField(f"{name} is not a valid date") from None
        if end:
            day += timedelta(days=1)
        return int(datetime.combine(day, datetime.min.time(), ZoneInfo(tz)).timestamp())
    raise InvalidField(f"{name} must be unix seconds or YYYY-MM-DD")


def stats_range(start: str | None, end: str | None, *, now: float, tz: str) -> StatsRange:
    """[from, to] from the query; the last 30 days up to now by default; at most 366 days."""
    stop = int(now) + 1 if not end else _moment(end, tz, name="to", end=True)
    begin = (stop - DEFAULT_RANGE_DAYS * 86400 if not start
             else _moment(start, tz, name="from", end=False))
    if begin >= stop:
        raise InvalidField("from must be before to")
    if stop - begin > MAX_RANGE_DAYS * 86400:
        raise InvalidField(f"the range is at most {MAX_RANGE_DAYS} days")
    return StatsRange(begin, stop, tz)


@dataclass(frozen=True, slots=True)
class CreatedCount:
    """Orders created on `day` that are now in `trade_state`."""

    day: date
    trade_state: int
    count: int


@dataclass(frozen=True, slots=True)
class PaidSum:
    """Orders paid on `day` (and still revenue) and their total in fen."""

    day: date
    count: int
    amount: int


@dataclass(frozen=True, slots=True)
class DayStats:
    day: date
    orders: int
    paid_orders: int
    revenue: int  # fen


@dataclass(frozen=True, slots=True)
class OrderStats:
    range: StatsRange
    days: list[DayStats]
    by_state: dict[int, int]  # every trade state, 0 when none

    @property
    def total_orders(self) -> int:
        return sum(d.orders for d in self.days)

    @property
    def total_revenue(self) -> int:
        return sum(d.revenue for d in self.days)

    @property
    def total_paid_orders(self) -> int:
        return sum(d.paid_orders for d in self.days)


def aggregate(window: StatsRange, created: Iterable[CreatedCount],
              paid: Iterable[PaidSum]) -> OrderStats:
    """Every day of the range (zeros included) and every trade state."""
    orders: dict[date, int] = {}
    by_state = {int(s): 0 for s in TradeState}
    for row in created:
        orders[row.day] = orders.get(row.day, 0) + row.count
        by_state[row.trade_state] = by_state.get(row.trade_state, 0) + row.count
    paid_by_day: dict[date, tuple[int, int]] = {}
    for p in paid:
        count, amount = paid_by_day.get(p.day, (0, 0))
        paid_by_day[p.day] = (count + p.count, amount + p.amount)
    days = [DayStats(day=d, orders=orders.get(d, 0), paid_orders=paid_by_day.get(d, (0, 0))[0],
                     revenue=paid_by_day.get(d, (0, 0))[1])
            for d in window.days()]
    return OrderStats(range=window, days=days, by_state=dict(sorted(by_state.items())))
