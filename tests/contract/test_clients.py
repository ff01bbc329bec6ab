"""For every client method: the in-process result equals the result over real gRPC.

usercenter, travel and mqueue run their real local clients on SQLite. The order and payment
checks below use in-memory implementations of their Protocols (their real bindings need a whole
booking to exist); what is under test there is the wire: conversions both ways, absent results
and errors raised by the callee.
"""

from __future__ import annotations

import msgspec
import pytest

from tests.contract.conftest import World, serve
from yys.clients.mqueue import MqueueClient
from yys.clients.order import OrderClient
from yys.clients.payment import PaymentClient
from yys.clients.travel import TravelClient
from yys.clients.usercenter import UsercenterClient
from yys.contracts.mqueue import UserNotification
from yys.contracts.trade import OrderView, PaymentView
from yys.kit.errors import Conflict, NotFound
from yys.kit.hosting import HostedService
from yys.kit.settings import Settings


async def test_usercenter_get_profiles_and_get_profile(world: World) -> None:
    local: UsercenterClient = world.process.clients.usercenter
    remote: UsercenterClient = world.served.client("usercenter")
    known = [*world.hosts[:2], *world.guests]
    for ids in (known, [*known, 987654, -1], [987654], [], [known[0], known[0]]):
        over_grpc = await remote.get_profiles(ids)
        assert over_grpc == await local.get_profiles(ids)
    assert set(await remote.get_profiles([*known, 987654])) == set(known)
    for user_id in (known[0], known[-1], 987654, 0):
        assert await remote.get_profile(user_id) == await local.get_profile(user_id)
    assert await remote.get_profile(987654) is None
    first = await remote.get_profile(known[0])
    assert first is not None and first.nickname


async def test_travel_get_homestay(world: World) -> None:
    local: TravelClient = world.process.clients.travel
    remote: TravelClient = world.served.client("travel")
    found = 0
    for homestay_id in (*range(1, 8), 999_999, 0, -3):
        expected = await local.get_homestay(homestay_id)
        assert await remote.get_homestay(homestay_id) == expected
        found += expected is not None
    assert found >= 3  # the demo catalogue is there, so real snapshots crossed the wire
    assert await remote.get_homestay(999_999) is None


async def test_mqueue_notify_user_is_the_same_record_either_way(world: World) -> None:
    local: MqueueClient = world.process.clients.mqueue
    remote: MqueueClient = world.served.client("mqueue")
    note = UserNotification(user_id=world.guests[0], kind="pay_success", title="Paid",
                            body="Order 42 is paid", dedup_key="pay_success:42",
                            data={"orderSn": "42", "amount": "199.00"})
    first = await remote.notify_user(note)
    assert await local.notify_user(note) == first  # one record per dedup key, whoever calls
    other = msgspec.structs.replace(note, dedup_key="pay_success:43")
    assert await local.notify_user(other) == await remote.notify_user(other) != first


class OrderMissing(NotFound):
    code = 400001
    default_msg = "order not found"


class RefundRejected(Conflict):
    code = 500201
    default_msg = "refund rejected"


ORDER = OrderView(sn="HSO2024010100001", user_id=7, trade_state=1, order_total_price=39_900,
                  title="Lakeside loft", create_time=1_704_067_200, homestay_id=12)
PAID = PaymentView(sn="PMT2024010100001", order_sn=ORDER.sn, user_id=7, pay_status=1,
                   pay_total=39_900, pay_mode="WXPAY", transaction_id="4200001234",
                   pay_time=1_704_067_800)


class MemoryOrders:
    async def get_order(self, sn: str) -> OrderView | None:
        if sn == "raise":
            raise OrderMissing("order raise is gone")
        return ORDER if sn == ORDER.sn else None


class MemoryPayments:
    async def get_paid_payment(self, order_sn: str) -> PaymentView | None:
        return PAID if order_sn == ORDER.sn else None

    async def refund_order_payment(self, order_sn: str, *, reason: str) -> PaymentView | None:
        if reason == "reject":
            raise RefundRejected()
        if order_sn != ORDER.sn:
            return None
        return msgspec.structs.replace(PAID, pay_status=2)

    async def reconcile_order_payment(self, order_sn: str) -> PaymentView | None:
        return PAID if order_sn == ORDER.sn else None

    async def list_payments(self, order_sn: str) -> list[PaymentView]:
        if order_sn != ORDER.sn:
            return []
        failed = msgspec.structs.replace(PAID, sn="PMT2024010100000", pay_status=-1,
                                         transaction_id="", pay_time=0)
        return [failed, PAID]


async def test_order_and_payment_over_the_wire(settings: Settings) -> None:
    orders, payments = MemoryOrders(), MemoryPayments()
    served = await serve(settings, [HostedService("order", local_client=orders),
                                    HostedService("payment", local_client=payments)])
    try:
        order: OrderClient = served.client("order")
        payment: PaymentClient = served.client("payment")
        for sn in (ORDER.sn, "nope", ""):
            assert await order.get_order(sn) == await orders.get_order(sn)
            assert await payment.get_paid_payment(sn) == await payments.get_paid_payment(sn)
            assert (await payment.refund_order_payment(sn, reason="guest cancelled")
                    == await payments.refund_order_payment(sn, reason="guest cancelled"))
            assert (await payment.reconcile_order_payment(sn)
                    == await payments.reconcile_order_payment(sn))
            assert await payment.list_payments(sn) == await payments.list_payments(sn)
        assert len(await payment.list_payments(ORDER.sn)) == 2
        assert await order.get_order(ORDER.sn) == ORDER
        refunded = await payment.refund_order_payment(ORDER.sn, reason="x")
        assert refunded is not None and refunded.pay_status == 2
    finally:
        await served.close()


@pytest.mark.parametrize(("call", "error", "code", "msg"), [
    ("order", OrderMissing, 400001, "order raise is gone"),
    ("refund", RefundRejected, 500201, "refund rejected"),
])
async def test_app_errors_cross_as_the_same_class_and_code(settings: Settings, call: str,
                                                           error: type[Exception], code: int,
                                                           msg: str) -> None:
    served = await serve(settings, [HostedService("order", local_client=MemoryOrders()),
                                    HostedService("payment", local_client=MemoryPayments())])
    try:
        with pytest.raises(error) as raised:
            if call == "order":
                await served.client("order").get_order("raise")
            else:
                await served.client("payment").refund_order_payment(ORDER.sn, reason="reject")
        assert (raised.value.code, raised.value.msg) == (code, msg)  # type: ignore[attr-defined]
    finally:
        await served.close()
