"""The order worker's jobs on SQLite and MariaDB: the close job (in the order's transaction,
surviving a restart), the sweeper under the scheduler, the pay notification and settlement."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from tests.integration.services.order.conftest import Harness, build_harness, wait_until
from tests.unit.services.order.fakes import paid_view
from yys.kit.db import Database
from yys.kit.delayqueue import PeriodicTask, Scheduler, Worker
from yys.kit.delayqueue.sql import SqlLeaderLease
from yys.kit.migrations import upgrade
from yys.services.order import tables
from yys.services.order.domain import BookingRequest, HomestayTerms, Payment, new_order
from yys.services.order.jobs import CLOSE_ORDER, close_job_id, settle_entry
from yys.services.order.repository import SqlOrderRepository
from yys.services.order.wiring import MIGRATIONS


async def state_of(harness: Harness, sn: str) -> int:
    return (await harness.get(sn)).trade_state


async def run_worker(worker: Worker) -> asyncio.Task[None]:
    return asyncio.create_task(worker.run())


async def test_close_job_fires_after_the_delay(harness: Harness) -> None:
    sn = await harness.book()
    job = await harness.queue.get(close_job_id(sn))
    assert job is not None and job.type == CLOSE_ORDER and job.payload == {"orderSn": sn}
    assert 0.5 < job.run_at - time.time() <= 1.0
    worker = harness.worker()
    task = await run_worker(worker)
    try:
        await asyncio.sleep(0.5)
        assert await state_of(harness, sn) == 0  # not before its time
        await wait_until(lambda: _is(harness, sn, -1), within=5)
    finally:
        await worker.stop()
        await task


async def _is(harness: Harness, sn: str, state: int) -> bool:
    return await state_of(harness, sn) == state


async def test_close_job_exists_only_if_the_order_commits(harness: Harness) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with harness.db.unit_of_work() as conn:
            await harness.queue.enqueue(CLOSE_ORDER, {"orderSn": "HSO-x"}, delay=0, job_id="close:x",
                                        connection=conn)
            raise Boom()
    assert await harness.queue.get("close:x") is None


async def test_close_job_survives_a_restart(database_url: str) -> None:
    first_db = Database(database_url)
    await upgrade(first_db.engine, MIGRATIONS)
    first = build_harness(first_db)
    sn = await first.book()
    worker = first.worker()
    task = await run_worker(worker)
    await asyncio.sleep(0.2)
    task.cancel()  # the process dies before the job is due
    await asyncio.gather(task, return_exceptions=True)
    await first_db.dispose()

    second_db = Database(database_url)  # a new process: new engine, new queue instance
    second = build_harness(second_db)
    worker = second.worker()
    task = await run_worker(worker)
    try:
        await wait_until(lambda: _is(second, sn, -1), within=5)
    finally:
        await worker.stop()
        await task
        await second_db.dispose()


async def test_close_job_claimed_by_a_dead_worker_runs_after_its_lease(db: Database) -> None:
    harness = build_harness(db, lease_seconds=0.5)
    sn = await harness.book()
    await asyncio.sleep(1.05)
    claimed = await harness.queue.claim("worker-that-died", 10)
    assert [j.id for j in claimed] == [close_job_id(sn)]
    worker = harness.worker()
    task = await run_worker(worker)
    try:
        await wait_until(lambda: _is(harness, sn, -1), within=5)
    finally:
        await worker.stop()
        await task


async def test_sweeper_closes_orders_whose_job_was_lost(harness: Harness) -> None:
    lost, paid = await harness.book(), await harness.book()
    await harness.queue.cancel(close_job_id(lost))
    await harness.queue.cancel(close_job_id(paid))
    order = await harness.get(paid)
    await harness.lifecycle.apply_payment(Payment(order_sn=paid, pay_sn="P", pay_time=1,
                                                  total=order.price.order_total))
    await asyncio.sleep(1.1)
    young = await harness.book()

    async def sweep() -> None:
        await harness.lifecycle.sweep_unpaid()

    lease = SqlLeaderLease(harness.db.engine, tables.leader_lease, "order-scheduler")
    scheduler = Scheduler(harness.queue, tasks=[PeriodicTask("sweep", 0.2, sweep)], lease=lease,
                          tick_interval=0.05)
    task = asyncio.create_task(scheduler.run())
    try:
        await wait_until(lambda: _is(harness, lost, -1), within=5)
    finally:
        await scheduler.stop()
        await task
    assert (await state_of(harness, paid), await state_of(harness, young)) == (1, 0)


async def test_payment_notification_job(harness: Harness) -> None:
    sn = await harness.book()
    order = await harness.get(sn)
    payment = Payment(order_sn=sn, pay_sn="P1", pay_time=1, total=order.price.order_total)
    for _ in range(3):
        await harness.lifecycle.apply_payment(payment)
    worker = harness.worker()
    task = await run_worker(worker)
    try:
        key = f"pay_success:{sn}"

        async def sent() -> bool:
            return key in harness.mqueue.sent

        await wait_until(sent, within=5)
    finally:
        await worker.stop()
        await task
    assert len(harness.mqueue.sent) == 1
    assert harness.mqueue.sent[f"pay_success:{sn}"].user_id == 1


async def _used_order_ending(harness: Harness, *, end: int, business_id: int, price: int) -> None:
    terms = HomestayTerms(id=1, title="t", sub_title="", cover="", info="", people_num=2,
                          row_type=0, food_info="", food_price=0, homestay_price=price,
                          market_homestay_price=price, homestay_business_id=business_id,
                          homestay_user_id=1)
    request = BookingRequest(homestay_id=1, with_food=False, live_start=end - 86400, live_end=end,
                             people=1, remark="")
    new = new_order(user_id=1, request=request, homestay=terms, days=1, now=end - 2 * 86400,
                    sn=f"HSO{end}{business_id}{price}", trade_code="ABCDEFGH")
    async with harness.db.unit_of_work() as conn:
        repo = SqlOrderRepository(conn)
        await repo.insert(new)
        assert await repo.transition(new.sn, from_state=0, to_state=1)
        assert await repo.transition(new.sn, from_state=1, to_state=2)


async def test_settlement_cron_on_two_replicas_settles_once(harness: Harness) -> None:
    # 2026-06-02 02:00:30 in UTC+8: the tick of 02:00 settles 2026-06-01 (UTC+8).
    now = datetime(2026, 6, 1, 18, 0, 30, tzinfo=UTC).timestamp()
    day_start = datetime(2026, 5, 31, 16, 0, tzinfo=UTC).timestamp()
    for end, business, price in [(day_start + 3600, 1, 10000), (day_start + 80000, 1, 5000),
                                 (day_start + 3600, 2, 777), (day_start - 1, 1, 99999),
                                 (day_start + 86400, 2, 99999)]:
        await _used_order_ending(harness, end=int(end), business_id=business, price=price)
    schedulers = [
        Scheduler(harness.queue, [settle_entry(daily_at="02:00", tz="Asia/Shanghai")],
                  lease=SqlLeaderLease(harness.db.engine, tables.leader_lease, "order-scheduler"),
                  tick_interval=0.05, clock=lambda: now)
        for _ in range(2)]
    tasks = [asyncio.create_task(s.run()) for s in schedulers]
    worker = harness.worker()
    running = await run_worker(worker)
    try:
        await wait_until(lambda: _settled(harness, 2), within=5)
        await asyncio.sleep(0.3)
    finally:
        for s in schedulers:
            await s.stop()
        await asyncio.gather(*tasks)
        await worker.stop()
        await running
    async with harness.db.read() as conn:
        rows = (await conn.execute(sa.select(tables.settlement_record)
                                   .order_by(tables.settlement_record.c.homestay_business_id))).all()
    assert [(r.homestay_business_id, r.settle_day, r.order_count, r.gross_amount,
             r.commission_amount, r.net_amount) for r in rows] == [
        (1, date(2026, 6, 1), 2, 15000, 750, 14250), (2, date(2026, 6, 1), 1, 777, 39, 738)]
    assert await harness.lifecycle.settle_day(date(2026, 6, 1)) == 0


async def _settled(harness: Harness, count: int) -> bool:
    async with harness.db.read() as conn:
        n = await conn.scalar(sa.select(sa.func.count()).select_from(tables.settlement_record))
    return n == count



async def test_close_job_pays_an_order_whose_notify_is_late(harness: Harness) -> None:
    """The provider took the money in time but its notify has not arrived (provider retries, a
    crash): the close job's reconcile call turns up the payment and the order is paid."""
    sn = await harness.book()
    total = (await harness.get(sn)).price.order_total
    harness.payment.paid[sn] = paid_view(sn, total, pay_sn="PMT-late")
    worker = harness.worker()
    task = await run_worker(worker)

    async def notified() -> bool:
        return f"pay_success:{sn}" in harness.mqueue.sent

    try:
        await wait_until(notified, within=5)
    finally:
        await worker.stop()
        await task
    order = await harness.get(sn)
    assert (order.pay_sn, order.trade_state) == ("PMT-late", 1)
    assert harness.payment.refunds == []
