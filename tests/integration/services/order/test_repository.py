"""The SQL order repository on SQLite and MariaDB: conditional updates, keyset lists,
idempotency keys under concurrency, settlement rows; and the migration round trip."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
import sqlalchemy as sa

from tests.integration.services.order.conftest import Harness
from yys.kit.db import Database
from yys.kit.migrations import downgrade, upgrade
from yys.services.order import tables
from yys.services.order.domain import Payment
from yys.services.order.repository import SqlOrderRepository
from yys.services.order.settlement import BusinessTotal, settle
from yys.services.order.wiring import MIGRATIONS


async def test_insert_and_read_back(harness: Harness) -> None:
    sn = await harness.book(remark="靠窗 please")
    got = await harness.get(sn)
    assert got.sn == sn and got.trade_state == 0 and got.version == 0
    assert got.remark == "靠窗 please" and got.homestay.title == "Lakeside"
    assert got.price.order_total == got.price.homestay_total + got.price.food_total == 62000
    assert got.live_end - got.live_start == 2 * 86400 and got.pay_time == 0


async def test_list_keyset_and_state_filter(harness: Harness) -> None:
    sns = [await harness.book() for _ in range(5)]
    await harness.book(user_id=2)
    async with harness.db.read() as conn:
        repo = SqlOrderRepository(conn)
        page = await repo.list_for_user(1, trade_state=None, before_id=None, limit=3)
        assert [o.sn for o in page] == sns[:1:-1]
        rest = await repo.list_for_user(1, trade_state=None, before_id=page[-1].id, limit=3)
        assert [o.sn for o in rest] == sns[1::-1]
        assert await repo.list_for_user(1, trade_state=1, before_id=None, limit=9) == []


async def test_transition_is_conditional(harness: Harness) -> None:
    sn = await harness.book()
    async with harness.db.unit_of_work() as conn:
        repo = SqlOrderRepository(conn)
        assert await repo.transition(sn, from_state=0, to_state=-1)
        assert not await repo.transition(sn, from_state=0, to_state=1)
        assert not await repo.transition("HSO-none", from_state=0, to_state=-1)
    got = await harness.get(sn)
    assert (got.trade_state, got.version) == (-1, 1)


async def test_mark_paid_checks_state_and_amount(harness: Harness) -> None:
    sn = await harness.book()
    async with harness.db.unit_of_work() as conn:
        repo = SqlOrderRepository(conn)
        assert not await repo.mark_paid(Payment(order_sn=sn, pay_sn="P", total=1, pay_time=5))
        assert await repo.mark_paid(Payment(order_sn=sn, pay_sn="P", total=62000, pay_time=5))
        assert not await repo.mark_paid(Payment(order_sn=sn, pay_sn="P", total=62000, pay_time=6))
    got = await harness.get(sn)
    assert (got.trade_state, got.pay_sn, got.pay_time, got.pay_type, got.version) == (
        1, "P", 5, "WECHAT_PAY", 1)


async def test_note_payment_once(harness: Harness) -> None:
    sn = await harness.book()
    for _ in range(3):
        async with harness.db.unit_of_work() as conn:
            await SqlOrderRepository(conn).note_payment(sn, pay_sn="P9", note="refund: closed")
    got = await harness.get(sn)
    assert (got.pay_sn, got.pay_note, got.version, got.trade_state) == ("P9", "refund: closed", 1, 0)


async def test_idempotency_key_claim(harness: Harness) -> None:
    async with harness.db.unit_of_work() as conn:
        repo = SqlOrderRepository(conn)
        assert await repo.claim_idempotency_key(user_id=1, key="k", fingerprint="f1",
                                                order_sn="HSO1") is None
        again = await repo.claim_idempotency_key(user_id=1, key="k", fingerprint="f2",
                                                 order_sn="HSO2")
        assert again is not None and (again.fingerprint, again.order_sn) == ("f1", "HSO1")
        # The failed insert did not spoil the transaction.
        assert await repo.claim_idempotency_key(user_id=2, key="k", fingerprint="f3",
                                                order_sn="HSO3") is None
    async with harness.db.read() as conn:
        found = await SqlOrderRepository(conn).find_idempotency_key(user_id=2, key="k")
    assert found is not None and found.order_sn == "HSO3"


async def test_concurrent_creates_with_one_key_make_one_order(harness: Harness) -> None:
    sns = await asyncio.gather(*(harness.service.create_order(
        user_id=1, request=_request(), idempotency_key="same") for _ in range(6)))
    assert len(set(sns)) == 1
    async with harness.db.read() as conn:
        count = await conn.scalar(sa.select(sa.func.count()).select_from(tables.homestay_order))
        jobs = await conn.scalar(sa.select(sa.func.count()).select_from(tables.delay_job))
    assert (count, jobs) == (1, 1)


def _request() -> object:
    import time

    from yys.services.order.domain import BookingRequest

    start = int(time.time()) + 86400
    return BookingRequest(homestay_id=7, with_food=False, live_start=start, live_end=start + 86400,
                          people=1, remark="")


async def test_settlement_rows_are_unique_per_business_and_day(harness: Harness) -> None:
    day = date(2026, 6, 1)
    records = [settle(BusinessTotal(b, 2, 1000 * b), day=day, commission_bps=500) for b in (1, 2)]
    for expected in (2, 0):
        async with harness.db.unit_of_work() as conn:
            assert await SqlOrderRepository(conn).add_settlements(records) == expected
    async with harness.db.read() as conn:
        rows = (await conn.execute(sa.select(tables.settlement_record)
                                   .order_by(tables.settlement_record.c.homestay_business_id))).all()
    assert [(r.homestay_business_id, r.settle_day, r.gross_amount, r.commission_amount,
             r.net_amount) for r in rows] == [(1, day, 1000, 50, 950), (2, day, 2000, 100, 1900)]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_migration_downgrade_and_upgrade(db: Database) -> None:
    await downgrade(db.engine, MIGRATIONS)
    async with db.read() as conn:
        names = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
    assert not [n for n in names if n.startswith("order_")]
    await upgrade(db.engine, MIGRATIONS)


@pytest.mark.mariadb
async def test_migration_round_trip_on_mariadb(mariadb_url: str) -> None:
    db = Database(mariadb_url)
    try:
        await upgrade(db.engine, MIGRATIONS)
        await downgrade(db.engine, MIGRATIONS)
        await upgrade(db.engine, MIGRATIONS)
        async with db.read() as conn:
            names = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
        assert {"order_homestay_order", "order_idempotency_key", "order_settlement_record",
                "order_delay_job", "order_leader_lease"} <= set(names)
    finally:
        await db.dispose()
