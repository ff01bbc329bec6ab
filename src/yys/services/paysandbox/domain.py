"""The payment sandbox: a stand-in for WeChat Pay's JSAPI transactions, refunds and notifies.

Pure Python. The rules mirror what the real provider does and what the payment service relies
on: one prepay id per unpaid out_trade_no, a transaction settles once, refunds are idempotent
by out_refund_no and never exceed what was paid.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from yys.kit.errors import BadRequest, Conflict, NotFound, Unauthorized

# trade_state values of the v3 query API.
NOTPAY = "NOTPAY"
SUCCESS = "SUCCESS"
PAYERROR = "PAYERROR"
REFUND = "REFUND"
PAY_RESULTS = (SUCCESS, PAYERROR)
CURRENCY = "CNY"
_STATE_DESC = {NOTPAY: "未支付", SUCCESS: "支付成功", PAYERROR: "支付失败", REFUND: "转入退款"}

# --- errors (510xxx); `wx_code` is what the v3 endpoints answer, as the provider would ------

PREPAY_NOT_FOUND = 510001
ALREADY_SETTLED = 510002
INVALID_RESULT = 510003
TRANSACTION_NOT_FOUND = 510004
REFUND_NOT_ALLOWED = 510005
REFUND_AMOUNT_INVALID = 510006
SIGNATURE_REJECTED = 510007
OUT_TRADE_NO_USED = 510008
INVALID_REQUEST = 510009


class PrepayNotFound(NotFound):
    code = PREPAY_NOT_FOUND
    default_msg = "prepay id not found"
    wx_code = "RESOURCE_NOT_EXISTS"


class AlreadySettled(Conflict):
    code = ALREADY_SETTLED
    default_msg = "transaction already settled with another result"
    wx_code = "ORDERPAID"


class InvalidPayResult(BadRequest):
    code = INVALID_RESULT
    default_msg = "result must be SUCCESS or PAYERROR"
    wx_code = "PARAM_ERROR"


class TransactionNotFound(NotFound):
    code = TRANSACTION_NOT_FOUND
    default_msg = "order not exist"
    wx_code = "ORDER_NOT_EXIST"


class RefundNotAllowed(Conflict):
    code = REFUND_NOT_ALLOWED
    default_msg = "transaction is not paid"
    wx_code = "INVALID_REQUEST"


class RefundAmountInvalid(BadRequest):
    code = REFUND_AMOUNT_INVALID
    default_msg = "refund amount invalid"
    wx_code = "PARAM_ERROR"


class SignatureRejected(Unauthorized):
    code = SIGNATURE_REJECTED
    default_msg = "signature verification failed"
    wx_code = "SIGN_ERROR"


class OutTradeNoUsed(Conflict):
    code = OUT_TRADE_NO_USED
    default_msg = "out_trade_no already used with other parameters"
    wx_code = "OUT_TRADE_NO_USED"


class InvalidRequest(BadRequest):
    code = INVALID_REQUEST
    default_msg = "invalid request parameters"
    wx_code = "PARAM_ERROR"


# --- entities --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewTransaction:
    appid: str
    mchid: str
    description: str
    out_trade_no: str
    notify_url: str
    total: int  # fen
    currency: str
    payer_openid: str


@dataclass(frozen=True, slots=True)
class Transaction:
    prepay_id: str
    appid: str
    mchid: str
    description: str
    out_trade_no: str
    notify_url: str
    total: int
    currency: str
    payer_openid: str
    trade_state: str
    transaction_id: str | None
    success_time: int | None
    refunded: int
    notify_id: str
    notified: bool
    create_time: int


@dataclass(frozen=True, slots=True)
class Refund:
    refund_id: str
    out_refund_no: str
    out_trade_no: str
    transaction_id: str
    amount: int
    total: int
    currency: str
    reason: str
    status: str
    create_time: int


# --- rules -----------------------------------------------------------------------------------


def new_prepay_id() -> str:
    return "wx" + time.strftime("%Y%m%d%H%M%S", time.gmtime()) + secrets.token_hex(10)


def new_transaction_id() -> str:
    # The provider's ids are 28 digits starting with 42; keep the shape, mark it as sandbox.
    return "4200" + time.strftime("%Y%m%d", time.gmtime()) + f"{secrets.randbelow(10**16):016d}"


def new_refund_id() -> str:
    return "5030" + time.strftime("%Y%m%d", time.gmtime()) + f"{secrets.randbelow(10**16):016d}"


def validate_new(new: NewTransaction) -> NewTransaction:
    if not 6 <= len(new.out_trade_no) <= 32 or not new.out_trade_no.isascii():
        raise InvalidRequest("out_trade_no must be 6-32 ASCII characters")
    if new.total < 1:
        raise InvalidRequest("amount.total must be at least 1 fen")
    if new.currency != CURRENCY:
        raise InvalidRequest("currency must be CNY")
    if not new.notify_url.startswith(("http://", "https://")):
        raise InvalidRequest("notify_url must be an http(s) URL")
    if not new.payer_openid:
        raise InvalidRequest("payer.openid is required")
    return new


def reuse_prepay(existing: Transaction, new: NewTransaction) -> str:
    """The prepay id of an unpaid transaction asked for again with the same parameters."""
    if existing.trade_state != NOTPAY:
        raise AlreadySettled("order already paid" if existing.trade_state in (SUCCESS, REFUND)
                             else "order closed after a failed payment")
    if (existing.total, existing.appid, existing.mchid) != (new.total, new.appid, new.mchid):
        raise OutTradeNoUsed()
    return existing.prepay_id


def settle_decision(txn: Transaction, result: str) -> bool:
    """True when `result` must be applied; False when it already was (a repeated pay call)."""
    if result not in PAY_RESULTS:
        raise InvalidPayResult()
    if txn.trade_state == NOTPAY:
        return True
    settled = SUCCESS if txn.trade_state == REFUND else txn.trade_state
    if settled == result:
        return False
    raise AlreadySettled()


def check_refund(txn: Transaction, *, amount: int, total: int) -> None:
    if txn.trade_state not in (SUCCESS, REFUND):
        raise RefundNotAllowed()
    if total != txn.total:
        raise RefundAmountInvalid("amount.total does not match the transaction")
    if amount < 1 or txn.refunded + amount > txn.total:
        raise RefundAmountInvalid("refund exceeds the paid amount")


def transaction_resource(txn: Transaction, rfc3339: Callable[[int], str]) -> dict[str, Any]:
    """The transaction as the v3 API shows it (query result and notify resource)."""
    paid = txn.trade_state in (SUCCESS, REFUND)
    body: dict[str, Any] = {
        "appid": txn.appid,
        "mchid": txn.mchid,
        "out_trade_no": txn.out_trade_no,
        "trade_type": "JSAPI",
        "trade_state": txn.trade_state,
        "trade_state_desc": _STATE_DESC.get(txn.trade_state, txn.trade_state),
        "bank_type": "OTHERS",
        "attach": "",
        "payer": {"openid": txn.payer_openid},
        "amount": {"total": txn.total, "payer_total": txn.total if paid else 0,
                   "currency": txn.currency, "payer_currency": txn.currency},
    }
    if txn.transaction_id:
        body["transaction_id"] = txn.transaction_id
    if txn.success_time is not None:
        body["success_time"] = rfc3339(txn.success_time)
    return body
