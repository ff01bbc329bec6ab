"""How a rejected provider notify is labelled in `yys_payment_callbacks_total`."""

from __future__ import annotations

import pytest

from yys.kit import wechatpay as wp
from yys.kit.errors import NotFound
from yys.services.payment.domain import AmountMismatch, NotifyRejected, PaymentNotFound
from yys.services.payment.metrics import rejection_result


def rejected_from(cause: BaseException | None) -> NotifyRejected:
    try:
        try:
            if cause is not None:
                raise cause
            raise NotifyRejected("notify for another merchant or app")
        except wp.WechatPayError as exc:
            raise NotifyRejected("rejected") from exc
    except NotifyRejected as exc:
        return exc


@pytest.mark.parametrize(("exc", "result"), [
    (rejected_from(wp.StaleTimestampError("old")), "replayed"),
    (rejected_from(wp.SignatureError("bad")), "bad_signature"),
    (rejected_from(wp.SerialMismatchError("who")), "bad_signature"),
    (rejected_from(wp.DecryptionError("tag")), "bad_signature"),
    (rejected_from(None), "mismatch"),
    (AmountMismatch(), "mismatch"),
    (PaymentNotFound(), "error"),
    (NotFound("x"), "error"),
    (RuntimeError("bug"), "error"),
])
def test_rejection_result(exc: BaseException, result: str) -> None:
    assert rejection_result(exc) == result
