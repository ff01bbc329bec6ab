"""Pure rules of order: pricing (property-based), the state machine, identifiers, idempotency
keys, booking validation, payment decisions and settlement arithmetic."""

from __future__ import annotations

import math
import random
import re
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yys.contracts.trade import TradeState
from yys.services.order import domain as d
from yys.services.order import settlement as sett

NOW = 1_800_000_000.0  # a fixed "now" (2027-01-15 UTC)
START = int(NOW) + 3600

prices = st.integers(min_value=0, max_value=10_000_000)  # fen, up to 100k yuan
days_st = st.integers(min_value=1, max_value=d.MAX_LIVE_DAYS)
people_st = st.integers(min_value=1, max_value=50)


# --- pricing -------------------------------------------------------------------------------------


@given(start=st.integers(0, 2**40), length=st.integers(1, 400 * 86400))
def test_live_days_rounds_any_started_day_up(start: int, length: int) -> None:
    days = d.live_days(start, start + length)
    assert days == math.ceil(length / 86400)
    assert (days - 1) * 86400 < length <= days * 86400


@given(start=st.integers(0, 2**40), back=st.integers(0, 10**6))
def test_live_days_needs_end_after_start(start: int, back: int) -> None:
    with pytest.raises(d.InvalidLiveTime):
        d.live_days(start, start - back)


@given(room=prices, food=prices, days=days_st, people=people_st, with_food=st.booleans())
def test_per_room_price(room: int, food: int, days: int, people: int, with_food: bool) -> None:
    price = d.price_order(row_type=d.PER_ROOM, homestay_price=room, food_price=food, days=days,
                          people=people, with_food=with_food)
    assert price.homestay_total == room * days  # the room costs the same however many sleep in it
    assert price.food_total == (food * people * days if with_food else 0)
    assert price.order_total == price.homestay_total + price.food_total
    assert min(price.homestay_total, price.food_total, price.order_total) >= 0


@given(room=prices, food=prices, days=days_st, people=people_st, with_food=st.booleans())
def test_per_person_price(room: int, food: int, days: int, people: int, with_food: bool) -> None:
    price = d.price_order(row_type=d.PER_PERSON, homestay_price=room, food_price=food, days=days,
                          people=people, with_food=with_food)
    assert price.homestay_total == room * people * days
    assert price.order_total == price.homestay_total + price.food_total
    assert price.order_total >= 0


@given(room=prices, food=prices, days=days_st, people=people_st)
def test_food_only_adds(room: int, food: int, days: int, people: int) -> None:
    args = dict(row_type=d.PER_ROOM, homestay_price=room, food_price=food, days=days, people=people)
    without, with_food = d.price_order(**args, with_food=False), d.price_order(**args, with_food=True)  # type: ignore[arg-type]
    assert with_food.homestay_total == without.homestay_total
    assert with_food.order_total - without.order_total == food * people * days


@given(room=prices, days=days_st, people=people_st)
def test_more_nights_never_cost_less(room: int, days: int, people: int) -> None:
    shorter = d.price_order(row_type=d.PER_PERSON, homestay_price=room, food_price=0, days=days,
                            people=people, with_food=False)
    longer = d.price_order(row_type=d.PER_PERSON, homestay_price=room, food_price=0,
                           days=days + 1, people=people, with_food=False)
    assert longer.order_total >= shorter.order_total


@pytest.mark.parametrize("kwargs", [
    dict(homestay_price=-1, food_price=0, days=1, people=1),
    dict(homestay_price=1, food_price=-1, days=1, people=1),
    dict(homestay_price=1, food_price=1, days=0, people=1),
    dict(homestay_price=1, food_price=1, days=1, people=0),
])
def test_price_rejects_negative_inputs(kwargs: dict[str, int]) -> None:
    with pytest.raises(d.InvalidField):
        d.price_order(row_type=0, with_food=True, **kwargs)


def test_api_md_example() -> None:
    # 2 nights and a bit (3 billed days), 2 people, per person 100.00, food 20.00.
    days = d.live_days(START, START + 2 * 86400 + 60)
    price = d.price_order(row_type=1, homestay_price=10000, food_price=2000, days=days, people=2,
                          with_food=True)
    assert (days, price.homestay_total, price.food_total, price.order_total) == (3, 60000, 12000, 72000)


# --- the state machine ---------------------------------------------------------------------------

ALL = [s.value for s in TradeState]
ALLOWED = {(0, -1), (0, 1), (1, 2), (1, 3), (1, 4)}


@pytest.mark.parametrize("current", ALL)
@pytest.mark.parametrize("target", ALL)
def test_every_move(current: int, target: int) -> None:
    if (current, target) in ALLOWED:
        assert d.can_move(current, target)
        d.check_move(current, target)
    else:
        assert not d.can_move(current, target)
        with pytest.raises(d.IllegalStateChange) as err:
            d.check_move(current, target)
        assert err.value.kind.value == "conflict"


@pytest.mark.parametrize(("target", "source"), [(-1, 0), (1, 0), (2, 1), (3, 1), (4, 1)])
def test_each_target_has_one_source(target: int, source: int) -> None:
    assert d.source_state(target) == source


def test_nothing_moves_back_to_wait_pay() -> None:
    with pytest.raises(d.IllegalStateChange):
        d.source_state(0)


@pytest.mark.parametrize("value", [-99, -1, 0, 1, 2, 3, 4])
def test_state_filter(value: int) -> None:
    assert d.parse_state_filter(value) == (None if value == -99 else value)


@pytest.mark.parametrize("value", [-2, 5, 99, -100])
def test_state_filter_rejects_unknown(value: int) -> None:
    with pytest.raises(d.InvalidField):
        d.parse_state_filter(value)


# --- identifiers ---------------------------------------------------------------------------------


def test_sn_format() -> None:
    sn = d.new_order_sn(NOW)
    assert re.fullmatch(r"HSO\d{17}[0-9A-HJKMNP-TV-Z]{10}", sn), sn
    assert sn.startswith("HSO20270115")
    assert len(sn) <= 32


def test_sns_are_unique_and_sort_by_time() -> None:
    sns = [d.new_order_sn(NOW + i / 1000) for i in range(2000)]
    assert len(set(sns)) == len(sns)
    assert sorted(sns, key=lambda s: s[:20]) == sns
    same_ms = {d.new_order_sn(NOW) for _ in range(5000)}
    assert len(same_ms) == 5000


def test_sn_randomness_is_injectable() -> None:
    rng = random.Random(1)
    assert d.new_order_sn(NOW, rng.choice) == d.new_order_sn(NOW, random.Random(1).choice)


def test_trade_code_format() -> None:
    codes = {d.new_trade_code() for _ in range(2000)}
    assert len(codes) > 1990  # 31^8 possibilities
    for code in codes:
        assert len(code) == 8
        assert set(code) <= set(d.TRADE_CODE_ALPHABET)
        assert not set(code) & set("01OIL")


# --- booking rules and idempotency keys ----------------------------------------------------------


def booking(**overrides: object) -> d.BookingRequest:
    values: dict[str, object] = dict(homestay_id=7, with_food=False, live_start=START,
                                     live_end=START + 86400, people=2, remark="")
    values.update(overrides)
    return d.BookingRequest(**values)  # type: ignore[arg-type]


def test_check_booking_returns_days() -> None:
    assert d.check_booking(booking(live_end=START + 3 * 86400), now=NOW) == 3


def test_start_earlier_today_is_allowed() -> None:
    assert d.check_booking(booking(live_start=d.start_of_day(NOW),
                                   live_end=d.start_of_day(NOW) + 86400), now=NOW) == 1


@pytest.mark.parametrize(("overrides", "error"), [
    (dict(homestay_id=0), d.InvalidField),
    (dict(live_start=d.start_of_day(NOW) - 1), d.InvalidLiveTime),
    (dict(live_end=START), d.InvalidLiveTime),
    (dict(live_end=START - 10), d.InvalidLiveTime),
    (dict(live_end=START + (d.MAX_LIVE_DAYS + 1) * 86400), d.InvalidLiveTime),
    (dict(people=0), d.InvalidPeopleNum),
    (dict(remark="x" * (d.REMARK_MAX + 1)), d.RemarkTooLong),
])
def test_check_booking_rejects(overrides: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        d.check_booking(booking(**overrides), now=NOW)


def test_people_within_capacity() -> None:
    d.check_people(4, 4)
    with pytest.raises(d.InvalidPeopleNum):
        d.check_people(5, 4)


def test_fingerprint_depends_on_every_field() -> None:
    base = booking()
    variants = [booking(homestay_id=8), booking(with_food=True), booking(live_start=START + 1),
                booking(live_end=START + 86401), booking(people=3), booking(remark="hi")]
    assert base.fingerprint() == booking().fingerprint()
    assert len({v.fingerprint() for v in variants} | {base.fingerprint()}) == len(variants) + 1


def test_replay_rules() -> None:
    request = booking()
    assert d.replayed_sn(stored_fingerprint=request.fingerprint(), stored_sn="HSO1",
                         request=request) == "HSO1"
    with pytest.raises(d.IdempotencyKeyReused):
        d.replayed_sn(stored_fingerprint=request.fingerprint(), stored_sn="HSO1",
                      request=booking(people=1))


@pytest.mark.parametrize("key", ["a", "order-2024-01-01:abc", "x" * 64, "~!@#$%^&*()"])
def test_idempotency_key_accepted(key: str) -> None:
    assert d.check_idempotency_key(key) == key


@pytest.mark.parametrize("key", ["", "x" * 65, "has space", "tab\t", "中文"])
def test_idempotency_key_rejected(key: str) -> None:
    with pytest.raises(d.InvalidIdempotencyKey):
        d.check_idempotency_key(key)


def test_cover_is_first_banner_image() -> None:
    assert d.cover_of("a.jpg, b.jpg") == "a.jpg"
    assert d.cover_of("") == ""


# --- payment decisions ---------------------------------------------------------------------------


def order(state: int, *, pay_sn: str = "") -> d.Order:
    terms = d.HomestayTerms(id=1, title="t", sub_title="", cover="", info="", people_num=2,
                            row_type=0, food_info="", food_price=0, homestay_price=100,
                            market_homestay_price=100, homestay_business_id=1,
                            homestay_user_id=1)
    return d.Order(id=1, sn="HSO1", user_id=1, homestay=terms, need_food=False, live_start=0,
                   live_end=86400, live_people_num=1, trade_state=state, trade_code="ABCDEFGH",
                   remark="", price=d.Price(100, 0, 100), create_time=0, pay_time=0, pay_type="",
                   pay_sn=pay_sn, pay_note="", version=0)


PAYMENT = d.Payment(order_sn="HSO1", pay_sn="PAY1", total=100, pay_time=1)


@pytest.mark.parametrize(("found", "action", "reason"), [
    (None, d.PaymentAction.REFUND, d.REASON_UNKNOWN),
    (order(0), d.PaymentAction.REFUND, d.REASON_AMOUNT),
    (order(-1), d.PaymentAction.REFUND, d.REASON_CLOSED),
    (order(-1, pay_sn="PAY1"), d.PaymentAction.REFUND, d.REASON_CLOSED),
    (order(1, pay_sn="PAY1"), d.PaymentAction.ALREADY_APPLIED, ""),
    (order(2, pay_sn="PAY1"), d.PaymentAction.ALREADY_APPLIED, ""),
    (order(1, pay_sn="PAY0"), d.PaymentAction.REVIEW, None),
])
def test_unapplied_payment(found: d.Order | None, action: d.PaymentAction, reason: str | None) -> None:
    decision = d.decide_unapplied_payment(found, PAYMENT)
    assert decision.action is action
    if reason is not None:
        assert decision.reason == reason


# --- settlement ----------------------------------------------------------------------------------


@given(gross=st.integers(0, 10**12), bps=st.integers(0, 10_000))
def test_settlement_adds_up(gross: int, bps: int) -> None:
    rec = sett.settle(sett.BusinessTotal(1, 3, gross), day=date(2027, 1, 1), commission_bps=bps)
    assert rec.commission + rec.net == gross
    assert 0 <= rec.commission <= gross
    assert abs(rec.commission - gross * bps / 10_000) <= 0.5


def test_settlement_rounds_half_up() -> None:
    assert sett.settle(sett.BusinessTotal(1, 1, 10), day=date(2027, 1, 1), commission_bps=500).commission == 1
    assert sett.settle(sett.BusinessTotal(1, 1, 9), day=date(2027, 1, 1), commission_bps=500).commission == 0


def test_settlement_rejects_bad_commission() -> None:
    with pytest.raises(d.InvalidField):
        sett.settle(sett.BusinessTotal(1, 1, 10), day=date(2027, 1, 1), commission_bps=10_001)


def test_day_window_and_previous_day_in_china_time() -> None:
    start, end = sett.day_window(date(2027, 1, 14), "Asia/Shanghai")
    assert end - start == 86400
    assert start == datetime(2027, 1, 14, tzinfo=UTC).timestamp() - 8 * 3600  # 00:00 at UTC+8
    # 02:00 on the 15th in UTC+8 is still the 14th in UTC; the run settles the 14th either way.
    two_am = sett.day_window(date(2027, 1, 15), "Asia/Shanghai")[0] + 2 * 3600
    assert sett.previous_day(two_am, "Asia/Shanghai") == date(2027, 1, 14)


def test_paging() -> None:
    assert d.page_size(0) == 20
    assert d.page_size(500) == 100
    assert d.keyset_before(0) is None
    assert d.keyset_before(9) == 9
    with pytest.raises(d.InvalidField):
        d.page_size(-1)
    with pytest.raises(d.InvalidField):
        d.keyset_before(-1)
