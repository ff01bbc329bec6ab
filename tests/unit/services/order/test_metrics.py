"""order's business counters: one count per committed change, none for replays, repeats or
rolled-back units; the overdue gauge is set by the sweep before it closes anything."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import pytest
from prometheus_client import REGISTRY

from tests.unit.services.order.test_actions import OPERATOR, Desk
from tests.unit.services.order.test_service import START
from yys.services.order.ports import OrderUnit


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Counts:
    """The counters' values now, to compare with later (the registry is process-wide)."""

    NAMES = ("yys_orders_created_total", "yys_orders_paid_total", "yys_orders_refunded_total",
             "yys_orders_expired_total")

    def __init__(self) -> None:
        self.before = {n: value(n) for n in self.NAMES}
        self.closed = {r: value("yys_orders_closed_total", reason=r)
                       for r in ("timeout", "sweep", "user", "admin")}

    def delta(self, name: str) -> float:
        return value(name) - self.before[name]

    def closed_delta(self, reason: str) -> float:
        return value("yys_orders_closed_total", reason=reason) - self.closed[reason]


@pytest.fixture
def desk() -> Desk:
    return Desk()


async def test_created_once_per_order_not_per_replay(desk: Desk) -> None:
    counts = Counts()
    first = await desk.book(key="k-1")
    assert await desk.book(key="k-1") == first  # the replay inserts nothing
    await desk.book()
    assert counts.delta("yys_orders_created_total") == 2


async def test_paid_once_despite_redelivery_and_not_when_the_unit_fails(desk: Desk) -> None:
    sn = await desk.book()
    counts = Counts()
    await desk.lifecycle.apply_payment(desk.payment_of(sn))
    await desk.lifecycle.apply_payment(desk.payment_of(sn))  # the event delivered again
    assert counts.delta("yys_orders_paid_total") == 1

    other = await desk.book()
    real_writes = desk.store.writes

    @asynccontextmanager
    async def failing_commit() -> AsyncIterator[OrderUnit]:
        async with real_writes() as unit:
            yield unit
            raise RuntimeError("commit failed")

    desk.lifecycle._writes = failing_commit
    with pytest.raises(RuntimeError):
        await desk.lifecycle.apply_payment(desk.payment_of(other))
    assert counts.delta("yys_orders_paid_total") == 1


async def test_closed_by_reason(desk: Desk) -> None:
    counts = Counts()
    by_job, by_sweep, by_admin = await desk.book(), await desk.book(), await desk.book()
    assert await desk.lifecycle.close_order(by_job)
    assert not await desk.lifecycle.close_order(by_job)  # the job runs again: no-op
    await desk.actions.cancel(actor=OPERATOR, sn=by_admin)
    await desk.actions.cancel(actor=OPERATOR, sn=by_admin)  # a repeated click
    desk.now += 1801
    assert await desk.lifecycle.sweep_unpaid() == 1
    assert desk.order(by_sweep).trade_state == -1
    assert {r: counts.closed_delta(r) for r in ("timeout", "sweep", "user", "admin")} == {
        "timeout": 1, "sweep": 1, "user": 0, "admin": 1}


async def test_refunded_once_for_concurrent_requests(desk: Desk) -> None:
    sn = await desk.paid_order()
    counts = Counts()
    await desk.actions.admin_refund(actor=OPERATOR, sn=sn)
    await desk.actions.admin_refund(actor=OPERATOR, sn=sn)
    assert counts.delta("yys_orders_refunded_total") == 1


async def test_expired_counts_the_orders_moved(desk: Desk) -> None:
    ended, later = await desk.paid_order(), await desk.paid_order()
    desk.store.repo.orders[later] = replace(desk.order(later), live_end=START + 10 * 86400)
    counts = Counts()
    desk.now = START + 2 * 86400 + 1
    assert await desk.lifecycle.expire_ended() == 1
    assert await desk.lifecycle.expire_ended() == 0
    assert counts.delta("yys_orders_expired_total") == 1
    assert desk.order(ended).trade_state == 4


async def test_overdue_gauge_counts_before_the_sweep_closes(desk: Desk) -> None:
    stale, recent = await desk.book(), None
    desk.now += 1800 + 200
    recent = await desk.book()
    desk.now += 150  # stale: 2150 s old (> 1800 + 300); recent: 150 s
    await desk.lifecycle.sweep_unpaid()
    assert value("yys_order_overdue_unpaid") == 1
    assert desk.order(stale).trade_state == -1 and desk.order(recent).trade_state == 0
    await desk.lifecycle.sweep_unpaid()
    assert value("yys_order_overdue_unpaid") == 0
