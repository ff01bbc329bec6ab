"""Pure rules of the back office and the late lifecycle: trade code, the guest's refund window,
expiry selection, filters and paging."""

from __future__ import annotations

from dataclasses import replace

import pytest

from yys.services.order import backoffice_rules as r
from yys.services.order.domain import (
    HomestayTerms,
    IllegalStateChange,
    InvalidField,
    Order,
    OrderNotFound,
    Price,
)

NOW = 1_800_000_000


def sample_order() -> Order:
    terms = HomestayTerms(id=7, title="t", sub_title="", cover="", info="", people_num=2,
                          row_type=0, food_info="", food_price=0, homestay_price=100,
                          market_homestay_price=100, homestay_business_id=3, homestay_user_id=9)
    return Order(id=1, sn="HSO1", user_id=5, homestay=terms, need_food=False,
                 live_start=NOW + 3600, live_end=NOW + 3 * 86400, live_people_num=1,
                 trade_state=1, trade_code="ABCD2345", remark="", price=Price(100, 0, 100),
                 create_time=NOW - 86400, pay_time=NOW - 3600, pay_type="WECHAT_PAY",
                 pay_sn="PMT1", pay_note="", version=1)


def paid(**changes: object) -> Order:
    return replace(sample_order(), **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["ABCD2345", "abcd2345", "  ABCD2345 "])
def test_trade_code_matches_ignoring_case_and_blanks(code: str) -> None:
    r.check_trade_code(paid(), code)


@pytest.mark.parametrize("code", ["", "ABCD2346", "ABCD234", "' OR 1=1 --"])
def test_wrong_trade_code(code: str) -> None:
    with pytest.raises(r.TradeCodeMismatch) as raised:
        r.check_trade_code(paid(), code)
    assert raised.value.code == r.TRADE_CODE_MISMATCH


def test_user_refund_before_the_stay_starts() -> None:
    order = paid()
    assert r.check_user_refund(order, user_id=5, now=NOW) is order
    # already refunded: answered as done, not an error
    r.check_user_refund(paid(trade_state=3), user_id=5, now=NOW)


@pytest.mark.parametrize(("changes", "now", "error"), [
    ({}, NOW + 3600, r.RefundWindowClosed),       # the stay has started
    ({}, NOW + 7200, r.RefundWindowClosed),
    ({"user_id": 6}, NOW, OrderNotFound),         # someone else's order
    ({"trade_state": 0}, NOW, IllegalStateChange),  # unpaid: cancel it instead
    ({"trade_state": 2}, NOW, IllegalStateChange),  # checked in
    ({"trade_state": 4}, NOW, IllegalStateChange),
])
def test_user_refund_refused(changes: dict[str, object], now: int, error: type[Exception]) -> None:
    with pytest.raises(error):
        r.check_user_refund(paid(**changes), user_id=5, now=now)
    with pytest.raises(OrderNotFound):
        r.check_user_refund(None, user_id=5, now=NOW)


def test_expiry_selects_paid_orders_whose_stay_ended() -> None:
    end = NOW + 3 * 86400
    assert not r.is_expired(paid(), now=end)
    assert r.is_expired(paid(), now=end + 1)
    assert not r.is_expired(paid(), now=end + 1, grace=60)
    for state in (-1, 0, 2, 3, 4):
        assert not r.is_expired(paid(trade_state=state), now=end + 10**6)
    assert r.expiry_cutoff(100.9, grace=10) == 90


def test_page_request() -> None:
    assert r.page_request(None, None) == r.PageRequest(1, 20)
    assert r.page_request(3, 10_000) == r.PageRequest(3, 100)  # capped
    assert r.page_request(3, 10).offset == 20
    for page, size in ((0, 10), (-1, 10), (1, 0), (1, -5), (10**9, 10)):
        with pytest.raises(InvalidField):
            r.page_request(page, size)


def test_order_filter_validates_everything() -> None:
    flt = r.order_filter(trade_state=1, user_id=3, homestay_id=4, sn="HSO1", created_from=1,
                         created_to=2, sort="orderTotalPrice")
    assert (flt.sort_field, flt.descending) == ("order_total_price", False)
    assert r.order_filter().sort_field == "create_time" and r.order_filter().descending
    assert r.order_filter(sn="").sn is None
    bad: list[dict[str, object]] = [
        {"trade_state": 7}, {"user_id": -1}, {"user_id": 0}, {"homestay_id": -3},
        {"sn": "x" * 33}, {"created_from": -1}, {"created_from": 5, "created_to": 4},
        {"sort": "title; DROP TABLE order_homestay_order"}, {"sort": "create_time"},
    ]
    for kw in bad:
        with pytest.raises(InvalidField):
            r.order_filter(**kw)
