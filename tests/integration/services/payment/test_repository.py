"""Repository suites of payment and paysandbox on SQLite and MariaDB."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from yys.contracts.trade import PaymentStatusChanged, PayStatus
from yys.kit.db import Database
from yys.services.payment import tables as pt
from yys.services.payment.domain import NewPayment
from yys.services.payment.repository import SqlPaymentRepository
from yys.services.paysandbox.domain import SUCCESS, NewTransaction, Refund
from yys.services.paysandbox.repository import SqlSandboxRepository


def _new(sn: str, order_sn: str = "HSO1") -> NewPayment:
    return NewPayment(sn=sn, user_id=1, order_sn=order_sn, service_type="homestayOrder", pay_total=100)


async def test_one_pending_payment_per_order(db: Database) -> None:
    async with db.unit_of_work() as conn:
        repo = SqlPaymentRepository(conn)
        assert await repo.create_pending(_new("PMT-A"))
        assert not await repo.create_pending(_new("PMT-B"))  # same order, still pending
        pending = await repo.get_pending("HSO1")
        assert pending is not None and pending.sn == "PMT-A"
        assert pending.pay_status == PayStatus.WAIT_PAY
    async with db.unit_of_work() as conn:
        repo = SqlPaymentRepository(conn)
        assert await repo.mark_failed("PMT-A", trade_state="PAYERROR")
        assert not await repo.mark_failed("PMT-A", trade_state="PAYERROR")
        assert await repo.get_pending("HSO1") is None
        assert await repo.create_pending(_new("PMT-B"))  # the failure freed the order


async def test_concurrent_creates_leave_one_pending(db: Database) -> None:
    async def create(sn: str) -> bool:
        async with db.unit_of_work() as conn:
            return await SqlPaymentRepository(conn).create_pending(_new(sn, "HSO-RACE"))

    results = await asyncio.gather(*(create(f"PMT-R{i}") for i in range(6)))
    assert sorted(results) == [False] * 5 + [True]


async def test_paid_is_conditional_and_writes_the_event_in_the_same_transaction(db: Database) -> None:
    async with db.unit_of_work() as conn:
        await SqlPaymentRepository(conn).create_pending(_new("PMT-P"))
    event = PaymentStatusChanged(order_sn="HSO1", pay_status=1, pay_sn="PMT-P", pay_total=100,
                                 pay_time=1_700_000_000)
    with pytest.raises(RuntimeError):
        async with db.unit_of_work() as conn:
            repo = SqlPaymentRepository(conn)
            assert await repo.mark_paid("PMT-P", from_status=PayStatus.WAIT_PAY, transaction_id="T1",
                                        trade_state="SUCCESS", pay_time=1_700_000_000)
            await repo.add_status_event(event)
            raise RuntimeError("crash before commit")
    async with db.unit_of_work() as conn:
        repo = SqlPaymentRepository(conn)
        payment = await repo.get_by_sn("PMT-P")
        assert payment is not None and payment.pay_status == PayStatus.WAIT_PAY
        assert (await conn.execute(sa.select(sa.func.count()).select_from(pt.outbox))).scalar() == 0
        assert await repo.mark_paid("PMT-P", from_status=PayStatus.WAIT_PAY, transaction_id="T1",
                                    trade_state="SUCCESS", pay_time=1_700_000_000)
        await repo.add_status_event(event)
        assert not await repo.mark_paid("PMT-P", from_status=PayStatus.WAIT_PAY, transaction_id="T2",
                                        trade_state="SUCCESS", pay_time=1)
    async with db.read() as conn:
        repo = SqlPaymentRepository(conn)
        settled = await repo.get_settled_for_order("HSO1")
        assert settled is not None and (settled.transaction_id, settled.pay_time) == ("T1", 1_700_000_000)
        assert await repo.get_pending("HSO1") is None
        [row] = (await conn.execute(sa.select(pt.outbox))).all()
    assert (row.topic, row.key) == ("payment-update-paystatus", "HSO1")
    async with db.unit_of_work() as conn:
        repo = SqlPaymentRepository(conn)
        assert await repo.mark_refunded("PMT-P", refund_no="RFPMT-P", at=1)
        assert not await repo.mark_refunded("PMT-P", refund_no="RFPMT-P", at=2)
        refunded = await repo.get_settled_for_order("HSO1")
        assert refunded is not None and refunded.pay_status == PayStatus.REFUNDED


def _txn(out_trade_no: str = "PMT-S1") -> NewTransaction:
    return NewTransaction(appid="wx", mchid="190", description="d", out_trade_no=out_trade_no,
                          notify_url="http://127.0.0.1/cb", total=300, currency="CNY",
                          payer_openid="o1")


def _refund(no: str, amount: int) -> Refund:
    return Refund(refund_id=f"R-{no}", out_refund_no=no, out_trade_no="PMT-S1", transaction_id="T",
                  amount=amount, total=300, currency="CNY", reason="", status=SUCCESS, create_time=1)


async def test_sandbox_transactions_and_refunds(db: Database) -> None:
    async with db.unit_of_work() as conn:
        repo = SqlSandboxRepository(conn)
        assert await repo.create(_txn(), prepay_id="wx-1", notify_id="n1")
        assert not await repo.create(_txn(), prepay_id="wx-2", notify_id="n2")
        assert await repo.settle("wx-1", trade_state=SUCCESS, transaction_id="T", success_time=5)
        assert not await repo.settle("wx-1", trade_state="PAYERROR", transaction_id=None,
                                     success_time=None)
        await repo.count_notify_attempt("wx-1")
        await repo.mark_notified("wx-1")
    async with db.unit_of_work() as conn:
        repo = SqlSandboxRepository(conn)
        assert await repo.add_refund("190", _refund("RF1", 200))
        assert not await repo.add_refund("190", _refund("RF1", 50))  # same out_refund_no
        assert not await repo.add_refund("190", _refund("RF2", 200))  # would exceed the total
        assert await repo.add_refund("190", _refund("RF3", 100))
    async with db.read() as conn:
        repo = SqlSandboxRepository(conn)
        txn = await repo.get_by_out_trade_no("190", "PMT-S1")
        assert txn is not None
        assert (txn.trade_state, txn.refunded, txn.notified) == ("REFUND", 300, True)
        stored = await repo.get_refund("190", "RF1")
        assert stored is not None and stored.amount == 200
        assert await repo.get_by_prepay_id("wx-2") is None
        other = await repo.get_by_out_trade_no("191", "PMT-S1")
        assert other is None
