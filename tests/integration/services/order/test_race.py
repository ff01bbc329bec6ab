"""'A payment lands while the close job runs' ends with exactly one of: paid, or closed and
refunded. The conditional updates decide; checked in both orders, with one transaction held
open while the other arrives, and truly concurrently — on SQLite and on MariaDB."""

from __future__ import annotations

import asyncio

from tests.integration.services.order.conftest import Harness
from yys.services.order.domain import REASON_CLOSED, Payment, PaymentAction
from yys.services.order.repository import SqlOrderRepository


async def payment_for(harness: Harness, sn: str, pay_sn: str = "PAY-1") -> Payment:
    order = await harness.get(sn)
    return Payment(order_sn=sn, pay_sn=pay_sn, total=order.price.order_total, pay_time=1_900_000_000)


async def assert_one_outcome(harness: Harness, sn: str) -> str:
    order = await harness.get(sn)
    refunds = [r for r in harness.payment.refunds if r[0] == sn]
    if order.trade_state == 1:
        assert refunds == [] and order.pay_sn.startswith("PAY") and order.pay_time > 0
        return "paid"
    assert order.trade_state == -1, order
    assert refunds == [(sn, REASON_CLOSED)] and order.pay_time == 0
    assert order.pay_note.startswith("refund")
    return "closed"


async def test_close_then_payment(harness: Harness) -> None:
    sn = await harness.book()
    assert await harness.lifecycle.close_order(sn)
    assert await harness.lifecycle.apply_payment(await payment_for(harness, sn)) is PaymentAction.REFUND
    assert await assert_one_outcome(harness, sn) == "closed"


async def test_payment_then_close(harness: Harness) -> None:
    sn = await harness.book()
    assert await harness.lifecycle.apply_payment(await payment_for(harness, sn)) is None
    assert not await harness.lifecycle.close_order(sn)
    assert await assert_one_outcome(harness, sn) == "paid"


async def test_payment_waits_for_an_open_close_and_refunds(harness: Harness) -> None:
    sn = await harness.book()
    payment = await payment_for(harness, sn)
    async with harness.db.unit_of_work() as conn:
        assert await SqlOrderRepository(conn).transition(sn, from_state=0, to_state=-1)
        paying = asyncio.create_task(harness.lifecycle.apply_payment(payment))
        await asyncio.sleep(0.3)
        # Blocked on the row lock (MariaDB) or the write lock (SQLite) until the close commits.
        assert not paying.done()
    assert await paying is PaymentAction.REFUND
    assert await assert_one_outcome(harness, sn) == "closed"


async def test_close_waits_for_an_open_payment_and_does_nothing(harness: Harness) -> None:
    sn = await harness.book()
    payment = await payment_for(harness, sn)
    async with harness.db.unit_of_work() as conn:
        assert await SqlOrderRepository(conn).mark_paid(payment)
        closing = asyncio.create_task(harness.lifecycle.close_order(sn))
        await asyncio.sleep(0.3)
        assert not closing.done()
    assert await closing is False
    assert await assert_one_outcome(harness, sn) == "paid"


async def test_truly_concurrent(harness: Harness) -> None:
    sns = [await harness.book() for _ in range(12)]
    payments = [await payment_for(harness, sn, pay_sn=f"PAY-{i}") for i, sn in enumerate(sns)]

    async def race(sn: str, payment: Payment, close_first: bool) -> None:
        close, pay = harness.lifecycle.close_order(sn), harness.lifecycle.apply_payment(payment)
        await asyncio.gather(*((close, pay) if close_first else (pay, close)))

    await asyncio.gather(*(race(sn, p, i % 2 == 0) for i, (sn, p) in enumerate(zip(sns, payments,
                                                                                   strict=True))))
    outcomes = [await assert_one_outcome(harness, sn) for sn in sns]
    assert set(outcomes) <= {"paid", "closed"}
    assert len(harness.payment.refunds) == outcomes.count("closed")


async def test_worker_close_job_racing_the_payment(harness: Harness) -> None:
    """The real close job (delay 1 s, run by a worker) and a payment arriving around its due
    time: whatever wins, the loser is harmless."""
    sns = [await harness.book() for _ in range(4)]
    worker = harness.worker()
    running = asyncio.create_task(worker.run())
    try:
        payments = [await payment_for(harness, sn) for sn in sns]
        await asyncio.sleep(0.9)
        await asyncio.gather(*(harness.lifecycle.apply_payment(p) for p in payments))
        await asyncio.sleep(0.5)
    finally:
        await worker.stop()
        await running
    for sn in sns:
        await assert_one_outcome(harness, sn)
