"""Payments of orders: the entity, its state machine, the provider's notice, and the errors.

Pure Python. One order has at most one pending (wait-pay) payment; a notice from the provider
moves it to paid or failed exactly once, and only when it matches what we asked for.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from enum import Enum

from yys.contracts.trade import OrderView, PayStatus, TradeState
from yys.kit.errors import BadRequest, Conflict, NotFound, Unavailable

PAY_MODE_WECHAT = "WECHAT_PAY"
TRADE_TYPE_JSAPI = "JSAPI"
SERVICE_TYPE_HOMESTAY = "homestayOrder"
# The provider's prepay ids live two hours; ask for a fresh one well before that.
PREPAY_REUSE_SECONDS = 90 * 60
NOTICE_SUCCESS = "SUCCESS"
# Final failure states of a transaction; anything else (NOTPAY, USERPAYING) is not an outcome.
NOTICE_FAILURES = frozenset({"PAYERROR", "CLOSED", "REVOKED"})

# --- errors (500xxx) -------------------------------------------------------------------------

ORDER_NOT_FOUND = 500001
ORDER_NOT_PAYABLE = 500002
UNSUPPORTED_SERVICE_TYPE = 500003
PAYMENT_NOT_FOUND = 500004
PROVIDER_UNAVAILABLE = 500005
NOTIFY_REJECTED = 500006
AMOUNT_MISMATCH = 500007
PAYMENT_STATE_CONFLICT = 500008
PROVIDER_REJECTED = 500009


class OrderNotFound(NotFound):
    code = ORDER_NOT_FOUND
    default_msg = "order not found"


class OrderNotPayable(Conflict):
    code = ORDER_NOT_PAYABLE
    default_msg = "order is not waiting for payment"


class UnsupportedServiceType(BadRequest):
    code = UNSUPPORTED_SERVICE_TYPE
    default_msg = "serviceType must be homestayOrder"


class PaymentNotFound(NotFound):
    code = PAYMENT_NOT_FOUND
    default_msg = "payment not found"


class ProviderUnavailable(Unavailable):
    code = PROVIDER_UNAVAILABLE
    default_msg = "payment provider unavailable"


class NotifyRejected(BadRequest):
    code = NOTIFY_REJECTED
    default_msg = "notify rejected"


class AmountMismatch(BadRequest):
    code = AMOUNT_MISMATCH
    default_msg = "notify amount does not match the payment"


class PaymentStateConflict(Conflict):
    code = PAYMENT_STATE_CONFLICT
    default_msg = "payment changed concurrently, try again"


class ProviderRejected(Conflict):
    code = PROVIDER_REJECTED
    default_msg = "payment provider rejected the request"


# --- entities --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewPayment:
    sn: str
    user_id: int
    order_sn: str
    service_type: str
    pay_total: int  # fen
    pay_mode: str = PAY_MODE_WECHAT
    trade_type: str = TRADE_TYPE_JSAPI


@dataclass(frozen=True, slots=True)
class Payment:
    sn: str
    user_id: int
    order_sn: str
    service_type: str
    pay_mode: str
    trade_type: str
    pay_total: int
    pay_status: PayStatus
    trade_state: str
    transaction_id: str
    prepay_id: str
    prepay_time: int | None
    pay_time: int | None
    refund_no: str
    create_time: int


@dataclass(frozen=True, slots=True)
class PaymentNotice:
    """The provider's verified, decrypted word on one transaction."""

    out_trade_no: str
    transaction_id: str
    trade_state: str
    total: int
    payer_total: int
    success_time: int | None


@dataclass(frozen=True, slots=True)
class JsapiParams:
    appid: str
    time_stamp: str
    nonce_str: str
    package: str
    sign_type: str
    pay_sign: str


class NoticeOutcome(Enum):
    PAID = "paid"
    FAILED = "failed"
    NO_CHANGE = "no_change"


# --- rules -----------------------------------------------------------------------------------


def check_service_type(service_type: str) -> None:
    if service_type != SERVICE_TYPE_HOMESTAY:
        raise UnsupportedServiceType()


def ensure_payable(order: OrderView | None, *, user_id: int) -> OrderView:
    """The caller's wait-pay order; someone else's order looks like no order at all."""
    if order is None or order.user_id != user_id:
        raise OrderNotFound()
    if order.trade_state != TradeState.WAIT_PAY:
        raise OrderNotPayable()
    if order.order_total_price < 1:
        raise OrderNotPayable("order amount is not payable")
    return order


def new_payment_sn(now: float | None = None) -> str:
    """`PMT` + UTC time + 8 random digits: 25 characters, within the provider's 6..32."""
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(time.time() if now is None else now))
    return f"PMT{stamp}{secrets.randbelow(10**8):08d}"


def refund_no_for(payment_sn: str) -> str:
    """Deterministic, so retrying a refund can never refund twice."""
    return f"RF{payment_sn}"


def prepay_reusable(payment: Payment, *, now: float) -> bool:
    return bool(payment.prepay_id) and payment.prepay_time is not None and (
        now - payment.prepay_time < PREPAY_REUSE_SECONDS)


def notice_outcome(payment: Payment, notice: PaymentNotice) -> NoticeOutcome:
    """What a verified notice does to the payment. A different amount is never accepted.

    A success after a recorded failure is still applied: the payer's money moved, and the order
    side refunds a payment it cannot use rather than lose it.
    """
    if notice.total != payment.pay_total:
        raise AmountMismatch()
    if notice.trade_state == NOTICE_SUCCESS:
        if payment.pay_status in (PayStatus.WAIT_PAY, PayStatus.FAILED):
            return NoticeOutcome.PAID
        return NoticeOutcome.NO_CHANGE
    if notice.trade_state in NOTICE_FAILURES and payment.pay_status == PayStatus.WAIT_PAY:
        return NoticeOutcome.FAILED
    return NoticeOutcome.NO_CHANGE
