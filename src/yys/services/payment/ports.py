"""What the payment use cases need from the outside world."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from yys.contracts.trade import OrderView, PaymentStatusChanged, PayStatus
from yys.services.payment.domain import JsapiParams, NewPayment, Payment, PaymentNotice


class PaymentRepository(Protocol):
    """Payments and their outbox, inside one transaction opened by the caller."""

    async def get_by_sn(self, sn: str) -> Payment | None: ...

    async def get_pending(self, order_sn: str) -> Payment | None:
        """The one wait-pay payment of the order, if any."""
        ...

    async def create_pending(self, new: NewPayment) -> bool:
        """Insert a wait-pay payment; False when the order already has one (unique index)."""
        ...

    async def set_prepay(self, sn: str, *, prepay_id: str, at: int) -> None: ...

    async def mark_paid(self, sn: str, *, from_status: PayStatus, transaction_id: str,
                        trade_state: str, pay_time: int) -> bool:
        """`from_status` → paid; False when the payment was no longer in `from_status`."""
        ...

    async def mark_failed(self, sn: str, *, trade_state: str) -> bool:
        """Wait-pay → failed (frees the order for a new payment); False if not wait-pay."""
        ...

    async def mark_refunded(self, sn: str, *, refund_no: str, at: int) -> bool:
        """Paid → refunded; False if not paid."""
        ...

    async def get_settled_for_order(self, order_sn: str) -> Payment | None:
        """The first paid (or since refunded) payment of the order."""
        ...

    async def list_for_order(self, order_sn: str) -> list[Payment]:
        """Every payment of the order, oldest first."""
        ...

    async def add_status_event(self, event: PaymentStatusChanged) -> None:
        """Write the event to the outbox in this transaction."""
        ...


class PaymentProvider(Protocol):
    """The payment provider (WeChat Pay v3, its sandbox, or a fake in unit tests)."""

    async def prepay(self, *, out_trade_no: str, description: str, total: int,
                     payer_openid: str) -> str:
        """The prepay id; raises `ProviderUnavailable` or `ProviderRejected`."""
        ...

    def jsapi_params(self, prepay_id: str) -> JsapiParams: ...

    def parse_notice(self, headers: Mapping[str, str], body: bytes) -> PaymentNotice:
        """Verify and decrypt a notify; raises `NotifyRejected` with the reason."""
        ...

    async def refund(self, *, out_trade_no: str, out_refund_no: str, refund: int, total: int,
                     reason: str) -> str:
        """Refund through the provider (idempotent by out_refund_no); returns its refund id."""
        ...

    async def query(self, *, out_trade_no: str) -> PaymentNotice | None:
        """The provider's current view of a trade (as a notice would carry it); None if the
        provider does not know it."""
        ...


class Orders(Protocol):
    async def get_order(self, sn: str) -> OrderView | None: ...


class Payers(Protocol):
    async def openid(self, user_id: int) -> str:
        """The payer's id at the provider (the mini-program openid)."""
        ...
