"""payment's own Prometheus metrics (declarations on the default registry; no I/O)."""

from __future__ import annotations

from prometheus_client import Counter

from yys.kit import wechatpay as wp
from yys.services.payment.domain import AmountMismatch, NoticeOutcome, NotifyRejected

CALLBACK_RESULTS = ("paid", "duplicate", "failed_payment", "bad_signature", "replayed",
                    "mismatch", "error")
CALLBACKS = Counter(
    "yys_payment_callbacks_total",
    "Provider notify callbacks by result: paid (this callback paid the payment), duplicate "
    "(nothing left to change), failed_payment, bad_signature (signature, serial or encryption "
    "wrong), replayed (timestamp outside the replay window), mismatch (verified, but the amount, "
    "merchant or fields do not fit the payment), error (anything else, e.g. unknown payment).",
    ["result"],
)
REFUNDS = Counter(
    "yys_payment_refunds_total", "Refunds asked of the provider, by result: ok, failed.",
    ["result"],
)
# Every series exists from the start (alerts see the first event); the children are kept, since
# `labels()` validates and locks on each call and a callback is on the payment's hot path.
_CALLBACKS = {result: CALLBACKS.labels(result) for result in CALLBACK_RESULTS}
REFUND_OK, REFUND_FAILED = REFUNDS.labels("ok"), REFUNDS.labels("failed")

_BY_OUTCOME = {NoticeOutcome.PAID: "paid", NoticeOutcome.NO_CHANGE: "duplicate",
               NoticeOutcome.FAILED: "failed_payment"}


def callback_applied(outcome: NoticeOutcome) -> None:
    """A notify the service applied (its transaction committed)."""
    _CALLBACKS[_BY_OUTCOME[outcome]].inc()


def callback_rejected(exc: BaseException) -> None:
    _CALLBACKS[rejection_result(exc)].inc()


def rejection_result(exc: BaseException) -> str:
    if isinstance(exc, AmountMismatch):
        return "mismatch"
    if isinstance(exc, NotifyRejected):
        # The adapter raises it from the verification error, when verification failed.
        if isinstance(exc.__cause__, wp.StaleTimestampError):
            return "replayed"
        if isinstance(exc.__cause__, wp.WechatPayError):
            return "bad_signature"
        return "mismatch"
    return "error"
