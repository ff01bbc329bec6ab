from __future__ import annotations

from dataclasses import replace

import pytest

from yys.contracts.trade import OrderView, PayStatus
from yys.services.payment.domain import (
    AmountMismatch,
    NoticeOutcome,
    OrderNotPayable,
    Payment,
    PaymentNotice,
    ensure_payable,
    new_payment_sn,
    notice_outcome,
    prepay_reusable,
    refund_no_for,
)

PAYMENT = Payment(sn="PMT1", user_id=1, order_sn="O1", service_type="homestayOrder",
                  pay_mode="WECHAT_PAY", trade_type="JSAPI", pay_total=100,
                  pay_status=PayStatus.WAIT_PAY, trade_state="", transaction_id="", prepay_id="wx1",
                  prepay_time=1000, pay_time=None, refund_no="", create_time=0)


def _notice(state: str = "SUCCESS", total: int = 100) -> PaymentNotice:
    return PaymentNotice(out_trade_no="PMT1", transaction_id="T", trade_state=state, total=total,
                         payer_total=total, success_time=1)


@pytest.mark.parametrize(("status", "state", "outcome"), [
    (PayStatus.WAIT_PAY, "SUCCESS", NoticeOutcome.PAID),
    (PayStatus.FAILED, "SUCCESS", NoticeOutcome.PAID),
    (PayStatus.PAID, "SUCCESS", NoticeOutcome.NO_CHANGE),
    (PayStatus.REFUNDED, "SUCCESS", NoticeOutcome.NO_CHANGE),
    (PayStatus.WAIT_PAY, "PAYERROR", NoticeOutcome.FAILED),
    (PayStatus.PAID, "PAYERROR", NoticeOutcome.NO_CHANGE),
    (PayStatus.WAIT_PAY, "NOTPAY", NoticeOutcome.NO_CHANGE),
])
def test_notice_outcome(status: PayStatus, state: str, outcome: NoticeOutcome) -> None:
    assert notice_outcome(replace(PAYMENT, pay_status=status), _notice(state)) is outcome


def test_amount_must_match() -> None:
    with pytest.raises(AmountMismatch):
        notice_outcome(PAYMENT, _notice(total=99))


def test_zero_amount_order_is_not_payable() -> None:
    order = OrderView(sn="O1", user_id=1, trade_state=0, order_total_price=0, title="",
                      create_time=0, homestay_id=0)
    with pytest.raises(OrderNotPayable):
        ensure_payable(order, user_id=1)


def test_identifiers_and_prepay_reuse() -> None:
    sn = new_payment_sn(0)
    assert sn.startswith("PMT19700101000000") and 6 <= len(sn) <= 32
    assert refund_no_for("PMT1") == "RFPMT1"
    assert prepay_reusable(PAYMENT, now=1000 + 60)
    assert not prepay_reusable(PAYMENT, now=1000 + 2 * 3600)
    assert not prepay_reusable(replace(PAYMENT, prepay_id=""), now=1000)
