"""The back office's payment queries on SQLite and MariaDB: filters, paging, bound parameters,
and every payment of an order (what `PaymentClient.list_payments` returns)."""

from __future__ import annotations

import pytest

from yys.contracts.trade import PayStatus
from yys.kit.db import Database
from yys.kit.errors import BadRequest
from yys.services.payment.backoffice import payment_filter
from yys.services.payment.domain import NewPayment, PaymentNotFound
from yys.services.payment.repository import SqlPaymentRepository
from yys.services.payment.wiring import build_backoffice


async def _payments(db: Database) -> None:
    async with db.unit_of_work() as conn:
        repo = SqlPaymentRepository(conn)
        for sn, order_sn, user in (("PMT-1", "HSO-A", 1), ("PMT-2", "HSO-B", 2),
                                   ("PMT-3", "HSO-C", 2)):
            assert await repo.create_pending(NewPayment(sn=sn, user_id=user, order_sn=order_sn,
                                                        service_type="homestayOrder",
                                                        pay_total=100))
        assert await repo.mark_failed("PMT-1", trade_state="PAYERROR")
        assert await repo.create_pending(NewPayment(sn="PMT-4", user_id=1, order_sn="HSO-A",
                                                    service_type="homestayOrder", pay_total=100))
        assert await repo.mark_paid("PMT-4", from_status=PayStatus.WAIT_PAY, transaction_id="T",
                                    trade_state="SUCCESS", pay_time=1_700_000_000)


async def test_search_and_detail(db: Database) -> None:
    await _payments(db)
    office = build_backoffice(db)

    async def sns(page: int | None = None, size: int | None = None, **kw: object) -> tuple[int, list[str]]:
        total, found = await office.list_payments(flt=payment_filter(**kw), page=page, size=size)  # type: ignore[arg-type]
        return total, [p.sn for p in found]

    assert await sns() == (4, ["PMT-4", "PMT-3", "PMT-2", "PMT-1"])
    assert await sns(order_sn="HSO-A") == (2, ["PMT-4", "PMT-1"])
    assert await sns(pay_status=1) == (1, ["PMT-4"])
    assert await sns(user_id=2, pay_status=0) == (2, ["PMT-3", "PMT-2"])
    assert await sns(page=2, size=3) == (4, ["PMT-1"])
    assert (await sns(size=10_000))[0] == 4
    assert await sns(created_from=0, created_to=1) == (0, [])
    for evil in ("' OR '1'='1", "HSO-A' --", "%", "_"):
        assert await sns(order_sn=evil) == (0, [])
    assert (await office.payment(sn="PMT-4")).pay_status == PayStatus.PAID
    with pytest.raises(PaymentNotFound):
        await office.payment(sn="' OR 1=1 --")
    for kw in ({"user_id": -1}, {"pay_status": 5}, {"created_from": 3, "created_to": 1},
               {"order_sn": "x" * 65}):
        with pytest.raises(BadRequest):
            payment_filter(**kw)  # type: ignore[arg-type]
    for page, size in ((0, 10), (1, 0), (-1, -1)):
        with pytest.raises(BadRequest):
            await sns(page=page, size=size)


async def test_every_payment_of_an_order(db: Database) -> None:
    await _payments(db)
    async with db.read() as conn:
        found = await SqlPaymentRepository(conn).list_for_order("HSO-A")
    assert [(p.sn, p.pay_status) for p in found] == [("PMT-1", PayStatus.FAILED),
                                                     ("PMT-4", PayStatus.PAID)]
