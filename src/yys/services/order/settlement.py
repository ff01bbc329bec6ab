"""Daily merchant settlement: per-business totals, commission and net. Pure Python (split
from domain.py to keep it readable; the same rules apply: no framework, no driver)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from yys.services.order.domain import InvalidField


@dataclass(frozen=True, slots=True)
class BusinessTotal:
    business_id: int
    order_count: int
    gross: int  # fen


@dataclass(frozen=True, slots=True)
class Settlement:
    business_id: int
    day: date
    order_count: int
    gross: int
    commission_bps: int
    commission: int
    net: int


def settle(total: BusinessTotal, *, day: date, commission_bps: int) -> Settlement:
    """Commission in basis points, rounded half up to the fen; the business gets the rest."""
    if not 0 <= commission_bps <= 10_000:
        raise InvalidField("commission must be between 0 and 10000 basis points")
    commission = (total.gross * commission_bps + 5_000) // 10_000
    return Settlement(business_id=total.business_id, day=day, order_count=total.order_count,
                      gross=total.gross, commission_bps=commission_bps, commission=commission,
                      net=total.gross - commission)


def day_window(day: date, tz: str) -> tuple[int, int]:
    """[start, end) of a local calendar day as unix seconds."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return int(start.timestamp()), int(end.timestamp())


def previous_day(moment: float, tz: str) -> date:
    """The local day before the one `moment` falls on (what a 02:00 run settles)."""
    return datetime.fromtimestamp(moment, ZoneInfo(tz)).date() - timedelta(days=1)


