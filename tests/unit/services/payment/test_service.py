from __future__ import annotations

import pytest

from tests.unit.services.payment.fakes import (
    FakeOrders,
    FakePayers,
    FakePaymentRepository,
    FakeProvider,
    transactions,
)
from yys.contracts.trade import PayStatus
from yys.services.payment.domain import (
    AmountMismatch,
    NoticeOutcome,
    NotifyRejected,
    OrderNotFound,
    OrderNotPayable,
    PaymentNotFound,
    PaymentNotice,
    UnsupportedServiceType,
)
from yys.services.payment.service import PaymentService

NOW = 1_700_000_000.0


class World:
    def __init__(self) -> None:
        self.repo = FakePaymentRepository()
        self.provider = FakeProvider()
        self.orders = FakeOrders()
        self.now = NOW
        tx = transactions(self.repo)
        self.service = PaymentService(writes=tx, reads=tx, provider=self.provider,
                                      orders=self.orders, payers=FakePayers(), clock=lambda: self.now)

    async def pay(self, order_sn: str = "O1", user_id: int = 1) -> str:
        params = await self.service.wx_pay(user_id=user_id, order_sn=order_sn,
                                           service_type="homestayOrder")
        return params.package

    def notice(self, body: bytes, sn: str, *, state: str = "SUCCESS", total: int = 100) -> bytes:
        self.provider.notices[body] = PaymentNotice(out_trade_no=sn, transaction_id="T1",
                                                    trade_state=state, total=total, payer_total=total,
                                                    success_time=int(NOW))
        return body


@pytest.fixture
def world() -> World:
    w = World()
    w.orders.add("O1", user_id=1, total=100)
    return w


async def test_pending_payment_is_reused(world: World) -> None:
    first = await world.pay()
    second = await world.pay()
    assert first == second
    assert len(world.repo.payments) == 1
    assert len(world.provider.prepays) == 1  # the prepay id is reused while fresh


async def test_stale_prepay_is_renewed_on_the_same_payment(world: World) -> None:
    await world.pay()
    world.now += 2 * 3600
    await world.pay()
    assert len(world.repo.payments) == 1
    assert len(world.provider.prepays) == 2


@pytest.mark.parametrize(("order_sn", "user_id", "error"), [
    ("O1", 2, OrderNotFound),  # not the caller's
    ("missing", 1, OrderNotFound),
    ("", 1, OrderNotFound),
    ("PAID", 1, OrderNotPayable),
])
async def test_owner_and_state_checks(world: World, order_sn: str, user_id: int,
                                      error: type[Exception]) -> None:
    world.orders.add("PAID", user_id=1, trade_state=1)
    with pytest.raises(error):
        await world.pay(order_sn, user_id)
    assert world.repo.payments == {}


async def test_service_type(world: World) -> None:
    with pytest.raises(UnsupportedServiceType):
        await world.service.wx_pay(user_id=1, order_sn="O1", service_type="other")


async def test_notify_pays_once_and_records_the_event(world: World) -> None:
    await world.pay()
    [sn] = world.repo.payments
    body = world.notice(b"n1", sn)
    assert await world.service.handle_notify(headers={}, body=body) is NoticeOutcome.PAID
    assert await world.service.handle_notify(headers={}, body=body) is NoticeOutcome.NO_CHANGE
    payment = world.repo.payments[sn]
    assert (payment.pay_status, payment.transaction_id, payment.pay_time) == (PayStatus.PAID, "T1", int(NOW))
    [event] = world.repo.events
    assert (event.order_sn, event.pay_status, event.pay_sn, event.pay_total) == ("O1", 1, sn, 100)


async def test_amount_mismatch_is_rejected(world: World) -> None:
    await world.pay()
    [sn] = world.repo.payments
    with pytest.raises(AmountMismatch):
        await world.service.handle_notify(headers={}, body=world.notice(b"n", sn, total=1))
    assert world.repo.payments[sn].pay_status == PayStatus.WAIT_PAY
    assert world.repo.events == []


async def test_payerror_fails_and_a_new_payment_follows(world: World) -> None:
    await world.pay()
    [sn] = world.repo.payments
    body = world.notice(b"e", sn, state="PAYERROR")
    assert await world.service.handle_notify(headers={}, body=body) is NoticeOutcome.FAILED
    assert world.repo.payments[sn].pay_status == PayStatus.FAILED
    assert world.repo.events == []
    await world.pay()
    assert len(world.repo.payments) == 2


async def test_success_after_failure_is_still_recorded(world: World) -> None:
    await world.pay()
    [sn] = world.repo.payments
    await world.service.handle_notify(headers={}, body=world.notice(b"e", sn, state="PAYERROR"))
    assert await world.service.handle_notify(headers={}, body=world.notice(b"s", sn)) is NoticeOutcome.PAID
    assert len(world.repo.events) == 1


async def test_bad_or_unknown_notifies(world: World) -> None:
    with pytest.raises(NotifyRejected):
        await world.service.handle_notify(headers={}, body=b"forged")
    with pytest.raises(PaymentNotFound):
        await world.service.handle_notify(headers={}, body=world.notice(b"x", "PMT-unknown"))


async def test_refund_is_idempotent(world: World) -> None:
    assert await world.service.refund_order(order_sn="O1", reason="r") is None
    await world.pay()
    [sn] = world.repo.payments
    await world.service.handle_notify(headers={}, body=world.notice(b"n", sn))
    refunded = await world.service.refund_order(order_sn="O1", reason="r")
    again = await world.service.refund_order(order_sn="O1", reason="r")
    assert refunded is not None and again is not None
    assert refunded.pay_status == again.pay_status == PayStatus.REFUNDED
    assert world.provider.refunds == [(sn, f"RF{sn}", 100)]


async def test_reconcile_applies_a_payment_whose_notify_never_came(world: World) -> None:
    await world.pay()
    [sn] = world.repo.payments
    world.provider.trades[sn] = PaymentNotice(out_trade_no=sn, transaction_id="T9",
                                              trade_state="SUCCESS", total=100, payer_total=100,
                                              success_time=int(NOW))
    paid = await world.service.reconcile_order(order_sn="O1")
    assert paid is not None and paid.pay_status == PayStatus.PAID
    assert [e.pay_sn for e in world.repo.events] == [sn]
    # Reconciling again (or the late notify arriving) changes nothing.
    assert (await world.service.reconcile_order(order_sn="O1")) == paid
    assert len(world.repo.events) == 1


async def test_reconcile_without_a_provider_payment_leaves_things_alone(world: World) -> None:
    assert await world.service.reconcile_order(order_sn="O1") is None  # no payment at all
    await world.pay()
    assert await world.service.reconcile_order(order_sn="O1") is None  # provider: unknown trade
    [sn] = world.repo.payments
    world.provider.trades[sn] = PaymentNotice(out_trade_no=sn, transaction_id="", trade_state="NOTPAY",
                                              total=100, payer_total=0, success_time=None)
    assert await world.service.reconcile_order(order_sn="O1") is None
    assert world.repo.events == []
