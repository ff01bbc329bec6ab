"""Back-office queries and late-lifecycle moves on SQLite and MariaDB: the filtered order list,
refunds (crash-safe, once), expiry, settlement totals and statistics checked against the
orders created here."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from tests.integration.services.order.conftest import Harness
from tests.unit.services.order.fakes import paid_view
from yys.kit.db import Database
from yys.services.order import tables
from yys.services.order.actions import OrderActions
from yys.services.order.backoffice import OrderBackoffice
from yys.services.order.backoffice_rules import Actor, order_filter, page_request
from yys.services.order.domain import (
    BookingRequest,
    HomestayTerms,
    IllegalStateChange,
    InvalidField,
    new_order,
)
from yys.services.order.repository import SqlOrderRepository, to_datetime
from yys.services.order.wiring import queries_factory

TZ = "Asia/Shanghai"
OPERATOR = Actor(id=1, name="op")
_seq = itertools.count(1)


def at(y: int, m: int, d: int, h: int = 12) -> int:
    """A moment of a Shanghai (UTC+8) calendar day."""
    return int(datetime(y, m, d, h, tzinfo=UTC).timestamp()) - 8 * 3600


async def make(db: Database, *, created: int, state: int = 0, price: int = 10_000,
               business: int = 1, user: int = 1, homestay: int = 1, paid: int | None = None,
               start: int | None = None, end: int | None = None) -> str:
    """An order as if booked at `created` and moved to `state` (paid at `paid`)."""
    terms = HomestayTerms(id=homestay, title="t", sub_title="", cover="", info="", people_num=2,
                          row_type=0, food_info="", food_price=0, homestay_price=price,
                          market_homestay_price=price, homestay_business_id=business,
                          homestay_user_id=1)
    start = created + 86400 if start is None else start
    end = start + 86400 if end is None else end
    request = BookingRequest(homestay_id=homestay, with_food=False, live_start=start,
                             live_end=end, people=1, remark="")
    new = new_order(user_id=user, request=request, homestay=terms, days=1, now=created,
                    sn=f"HSO{created}{next(_seq):06d}", trade_code="ABCDEFGH")
    async with db.unit_of_work() as conn:
        await SqlOrderRepository(conn).insert(new)
        values: dict[str, object] = {"trade_state": state}
        if state not in (0, -1):
            values["pay_time"] = to_datetime(paid or created + 60)
            values["pay_sn"] = f"PMT-{new.sn}"
        await conn.execute(sa.update(tables.homestay_order)
                           .where(tables.homestay_order.c.sn == new.sn).values(**values))
    return new.sn


def backoffice(harness: Harness, now: float = 0.0) -> OrderBackoffice:
    reads = harness.service._reads
    return OrderBackoffice(reads=reads, queries=queries_factory(harness.db),
                           clients=harness.lifecycle._clients, clock=lambda: now, tz=TZ)


def actions(harness: Harness, now: float | None = None) -> OrderActions:
    import time

    return OrderActions(reads=harness.service._reads, writes=harness.service._writes,
                        clients=harness.lifecycle._clients,
                        clock=(lambda: now) if now is not None else time.time,
                        audited=lambda: None, retry_after=0)


async def test_order_list_filters_sorts_and_pages(harness: Harness) -> None:
    day = at(2026, 3, 1)
    a = await make(harness.db, created=day, user=5, homestay=7, price=300)
    b = await make(harness.db, created=day + 10, state=1, user=5, price=100)
    c = await make(harness.db, created=day + 20, state=1, user=6, homestay=7, price=200)
    office = backoffice(harness)

    async def sns(page: int = 1, size: int = 20, **kw: object) -> tuple[int, list[str]]:
        found = await office.list_orders(flt=order_filter(**kw), page=page_request(page, size))  # type: ignore[arg-type]
        return found.total, [o.sn for o in found.orders]

    assert await sns() == (3, [c, b, a])
    assert await sns(sort="orderTotalPrice") == (3, [b, c, a])
    assert await sns(trade_state=1) == (2, [c, b])
    assert await sns(user_id=5, homestay_id=7) == (1, [a])
    assert await sns(sn=b) == (1, [b])
    assert await sns(created_from=day + 5, created_to=day + 20) == (2, [c, b])
    assert await sns(page=2, size=2) == (3, [a])
    assert await sns(page=9, size=10_000) == (3, [])
    for evil in ("' OR '1'='1", "x'; DROP TABLE order_outbox; --", "%", "_", "\\", "\x00"):
        assert await sns(sn=evil) == (0, [])
    with pytest.raises(InvalidField):
        await sns(sn="x'; DROP TABLE order_homestay_order; --")  # longer than any sn
    assert await sns() == (3, [c, b, a])  # still all there


async def test_refund_twice_concurrently_pays_back_once(harness: Harness) -> None:
    sn = await make(harness.db, created=at(2030, 1, 1), state=1, price=12_300)
    harness.payment.paid[sn] = paid_view(sn, 12_300)
    desk = actions(harness)
    results = await asyncio.gather(*(desk.admin_refund(actor=OPERATOR, sn=sn) for _ in range(4)),
                                   return_exceptions=True)
    # Every caller sees a refunded order or (SQLite's single writer) a concurrent-change 409.
    assert all(getattr(r, "trade_state", 3) == 3 for r in results), results
    assert (await harness.get(sn)).trade_state == 3
    assert len(harness.payment.refunds) == 1 and harness.payment.paid[sn].pay_status == 2
    async with harness.db.read() as conn:
        request = await SqlOrderRepository(conn).get_refund_request(sn)
        audits = await conn.scalar(sa.select(sa.func.count()).select_from(tables.outbox))
    assert request is not None and request.done and request.pay_sn == "PMT1"
    assert audits == 1


async def test_refund_is_retried_until_payment_confirms(harness: Harness) -> None:
    sn = await make(harness.db, created=at(2030, 1, 1), state=1)
    harness.payment.paid[sn] = paid_view(sn, 10_000)
    harness.payment.down = True
    desk = actions(harness)
    assert (await desk.admin_refund(actor=OPERATOR, sn=sn)).trade_state == 3
    async with harness.db.read() as conn:
        pending = await SqlOrderRepository(conn).get_refund_request(sn)
    assert pending is not None and not pending.done and pending.attempts == 1
    assert pending.last_error == "ConnectionError"
    harness.payment.down = False
    # `retry_after=0` but the request's create_time is in whole seconds: wait past it.
    await asyncio.sleep(1.1)
    assert await desk.retry_pending() == 1
    assert await desk.retry_pending() == 0
    assert harness.payment.paid[sn].pay_status == 2 and len(harness.payment.refunds) == 1


async def test_cancel_of_a_paid_order_is_refused(harness: Harness) -> None:
    sn = await make(harness.db, created=at(2030, 1, 1), state=1)
    with pytest.raises(IllegalStateChange):
        await actions(harness).cancel(actor=OPERATOR, sn=sn)
    assert (await harness.get(sn)).trade_state == 1


async def test_expiry_moves_only_ended_unused_orders(harness: Harness) -> None:
    now = at(2030, 6, 10)
    ended = [await make(harness.db, created=now - 9 * 86400, state=1, start=now - 5 * 86400,
                        end=now - 86400 * k) for k in (1, 2, 3)]
    running = await make(harness.db, created=now - 9 * 86400, state=1, start=now - 86400,
                         end=now + 86400)
    used = await make(harness.db, created=now - 9 * 86400, state=2, start=now - 5 * 86400,
                      end=now - 86400)
    unpaid = await make(harness.db, created=now - 9 * 86400, state=0, start=now - 5 * 86400,
                        end=now - 86400)
    harness.lifecycle._clock = lambda: now
    results = await asyncio.gather(harness.lifecycle.expire_ended(),
                                   harness.lifecycle.expire_ended(), return_exceptions=True)
    assert sum(r for r in results if isinstance(r, int)) == 3
    assert await harness.lifecycle.expire_ended() == 0
    states = {sn: (await harness.get(sn)).trade_state for sn in [*ended, running, used, unpaid]}
    assert states == {**dict.fromkeys(ended, 4), running: 1, used: 2, unpaid: 0}


async def test_settlement_counts_only_used_orders(harness: Harness) -> None:
    day = date(2030, 7, 1)
    end = at(2030, 7, 1, 10)
    for business, state, price in [(1, 2, 10_000), (1, 2, 2_500), (2, 2, 999), (1, 3, 50_000),
                                   (2, 4, 70_000), (2, 1, 80_000), (3, -1, 90_000)]:
        await make(harness.db, created=end - 5 * 86400, state=state, price=price,
                   business=business, start=end - 86400, end=end)
    await make(harness.db, created=end - 5 * 86400, state=2, price=1, business=1,
               start=end, end=end + 86400)  # ends the next day
    runs = await asyncio.gather(*(harness.lifecycle.settle_day(day) for _ in range(3)),
                                return_exceptions=True)
    assert sum(r for r in runs if isinstance(r, int)) == 2, runs
    assert await harness.lifecycle.settle_day(day) == 0
    async with harness.db.read() as conn:
        rows = (await conn.execute(sa.select(tables.settlement_record).order_by(
            tables.settlement_record.c.homestay_business_id))).all()
    assert [(r.homestay_business_id, r.order_count, r.gross_amount, r.commission_amount,
             r.net_amount) for r in rows] == [(1, 2, 12_500, 625, 11_875), (2, 1, 999, 50, 949)]


async def test_stats_match_the_orders(harness: Harness) -> None:
    d1, d2 = at(2030, 2, 1, 1), at(2030, 2, 2, 23)  # early and late in the Shanghai day
    await make(harness.db, created=d1, state=0)
    await make(harness.db, created=d1, state=1, price=12_345, paid=d1 + 60)
    await make(harness.db, created=d1, state=3, price=50_000, paid=d1 + 60)  # refunded
    await make(harness.db, created=d1, state=2, price=1_000, paid=d2)  # paid the next day
    await make(harness.db, created=d2, state=4, price=7_000, paid=d2 + 30)
    await make(harness.db, created=d2, state=-1)
    await make(harness.db, created=at(2030, 2, 4), state=1, price=99_999)  # outside the range
    stats = await backoffice(harness).stats(start="2030-02-01", end="2030-02-03")
    assert [(s.day.isoformat(), s.orders, s.paid_orders, s.revenue) for s in stats.days] == [
        ("2030-02-01", 4, 1, 12_345), ("2030-02-02", 2, 2, 8_000), ("2030-02-03", 0, 0, 0)]
    assert stats.by_state == {-1: 1, 0: 1, 1: 1, 2: 1, 3: 1, 4: 1}
    assert stats.total_revenue == 20_345
