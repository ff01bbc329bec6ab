"""The storefront's quote follows API.md's pricing rule to the fen."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from yys.services.web.store.pricing import DAY_SECONDS, day_start, quote

START = 1_900_000_000 - 1_900_000_000 % DAY_SECONDS


def test_per_room_and_per_person_with_meals() -> None:
    room = quote(row_type=0, homestay_price=468.0, food_price=48.0, start=START,
                 end=START + 2 * DAY_SECONDS, people=3, with_food=True)
    assert room is not None and (room.nights, room.room_fen, room.food_fen) == (2, 93_600, 28_800)
    bed = quote(row_type=1, homestay_price=89.0, food_price=18.0, start=START,
                end=START + 3 * DAY_SECONDS, people=2, with_food=False)
    assert bed is not None and (bed.room_fen, bed.food_fen, bed.total_fen) == (53_400, 0, 53_400)


def test_a_started_day_counts_and_no_stay_has_no_price() -> None:
    partial = quote(row_type=0, homestay_price=100, food_price=0, start=START, end=START + 3600,
                    people=1, with_food=False)
    assert partial is not None and partial.nights == 1
    assert quote(row_type=0, homestay_price=100, food_price=0, start=START, end=START, people=1,
                 with_food=False) is None
    assert quote(row_type=0, homestay_price=100, food_price=0, start=START, end=START + 1, people=0,
                 with_food=False) is None


@given(cents=st.integers(min_value=0, max_value=10_000_000))
def test_yuan_with_two_decimals_converts_exactly(cents: int) -> None:
    got = quote(row_type=0, homestay_price=cents / 100, food_price=0, start=START,
                end=START + DAY_SECONDS, people=1, with_food=False)
    assert got is not None and got.room_fen == cents


def test_dates_are_utc_days() -> None:
    assert day_start("2030-01-02") == 1_893_542_400
    assert day_start("2030-02-30") is None and day_start("") is None
