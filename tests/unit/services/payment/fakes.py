"""In-memory fakes of the payment ports, injected into the service (no monkeypatching)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace

from yys.contracts.trade import OrderView, PaymentStatusChanged, PayStatus
from yys.services.payment.domain import (
    JsapiParams,
    NewPayment,
    NotifyRejected,
    Payment,
    PaymentNotice,
)
from yys.services.payment.ports import PaymentRepository


class FakePaymentRepository:
    def __init__(self) -> None:
        self.payments: dict[str, Payment] = {}
        self.events: list[PaymentStatusChanged] = []

    async def get_by_sn(self, sn: str) -> Payment | None:
        return self.payments.get(sn)

    async def get_pending(self, order_sn: str) -> Payment | None:
        return next((p for p in self.payments.values()
                     if p.order_sn == order_sn and p.pay_status == PayStatus.WAIT_PAY), None)

    async def create_pending(self, new: NewPayment) -> bool:
        if await self.get_pending(new.order_sn) is not None:
            return False
        self.payments[new.sn] = Payment(
            sn=new.sn, user_id=new.user_id, order_sn=new.order_sn, service_type=new.service_type,
            pay_mode=new.pay_mode, trade_type=new.trade_type, pay_total=new.pay_total,
            pay_status=PayStatus.WAIT_PAY, trade_state="", transaction_id="", prepay_id="",
            prepay_time=None, pay_time=None, refund_no="", create_time=0)
        return True

    async def set_prepay(self, sn: str, *, prepay_id: str, at: int) -> None:
        self.payments[sn] = replace(self.payments[sn], prepay_id=prepay_id, prepay_time=at)

    def _move(self, sn: str, from_status: PayStatus, **changes: object) -> bool:
        payment = self.payments.get(sn)
        if payment is None or payment.pay_status != from_status:
            return False
        self.payments[sn] = replace(payment, **changes)  # type: ignore[arg-type]
        return True

    async def mark_paid(self, sn: str, *, from_status: PayStatus, transaction_id: str,
                        trade_state: str, pay_time: int) -> bool:
        return self._move(sn, from_status, pay_status=PayStatus.PAID, transaction_id=transaction_id,
                          trade_state=trade_state, pay_time=pay_time)

    async def mark_failed(self, sn: str, *, trade_state: str) -> bool:
        return self._move(sn, PayStatus.WAIT_PAY, pay_status=PayStatus.FAILED, trade_state=trade_state)

    async def mark_refunded(self, sn: str, *, refund_no: str, at: int) -> bool:
        return self._move(sn, PayStatus.PAID, pay_status=PayStatus.REFUNDED, refund_no=refund_no)

    async def get_settled_for_order(self, order_sn: str) -> Payment | None:
        return next((p for p in self.payments.values() if p.order_sn == order_sn
                     and p.pay_status in (PayStatus.PAID, PayStatus.REFUNDED)), None)

    async def list_for_order(self, order_sn: str) -> list[Payment]:
        return [p for p in self.payments.values() if p.order_sn == order_sn]

    async def add_status_event(self, event: PaymentStatusChanged) -> None:
        self.events.append(event)


class FakeProvider:
    """Notices are handed in directly: `parse_notice` looks the body up instead of verifying."""

    def __init__(self) -> None:
        self.prepays: list[str] = []
        self.refunds: list[tuple[str, str, int]] = []
        self.notices: dict[bytes, PaymentNotice] = {}
        self.trades: dict[str, PaymentNotice] = {}

    async def prepay(self, *, out_trade_no: str, description: str, total: int,
                     payer_openid: str) -> str:
        self.prepays.append(out_trade_no)
        return f"wx-{out_trade_no}"

    def jsapi_params(self, prepay_id: str) -> JsapiParams:
        return JsapiParams(appid="wx", time_stamp="1", nonce_str="n", package=f"prepay_id={prepay_id}",
                           sign_type="RSA", pay_sign="sig")

    def parse_notice(self, headers: Mapping[str, str], body: bytes) -> PaymentNotice:
        notice = self.notices.get(body)
        if notice is None:
            raise NotifyRejected("signature invalid")
        return notice

    async def refund(self, *, out_trade_no: str, out_refund_no: str, refund: int, total: int,
                     reason: str) -> str:
        self.refunds.append((out_trade_no, out_refund_no, refund))
        return "R1"

    async def query(self, *, out_trade_no: str) -> PaymentNotice | None:
        return self.trades.get(out_trade_no)


class FakeOrders:
    def __init__(self) -> None:
        self.orders: dict[str, OrderView] = {}

    def add(self, sn: str, *, user_id: int = 1, total: int = 100, trade_state: int = 0) -> None:
        self.orders[sn] = OrderView(sn=sn, user_id=user_id, trade_state=trade_state,
                                    order_total_price=total, title="t", create_time=0,
                                    homestay_id=1)

    async def get_order(self, sn: str) -> OrderView | None:
        return self.orders.get(sn)


class FakePayers:
    async def openid(self, user_id: int) -> str:
        return f"o-{user_id}"


def transactions(repo: FakePaymentRepository) -> Callable[[], AbstractAsyncContextManager[PaymentRepository]]:
    """A `writes`/`reads` factory over the fake (commit and rollback are not modelled)."""

    @asynccontextmanager
    async def tx() -> AsyncIterator[PaymentRepository]:
        yield repo

    return tx
