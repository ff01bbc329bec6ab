"""Value rules of the travel domain: money, paging, boss ranking and comment authors."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yys.kit.errors import BadRequest
from yys.services.travel import rules
from yys.services.travel.domain import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    UNKNOWN_PROFILE,
    Business,
    Comment,
    InvalidField,
    Profile,
    attach_authors,
    fen_to_yuan,
    keyset_before,
    page_offset,
    page_size,
    rank_bosses,
    require_id,
    yuan_to_fen,
)


@pytest.mark.parametrize(("fen", "yuan"), [(0, 0.0), (1, 0.01), (10, 0.1), (12345, 123.45),
                                           (46800, 468.0), (99999999, 999999.99)])
def test_fen_to_yuan(fen: int, yuan: float) -> None:
    assert fen_to_yuan(fen) == yuan


@given(st.integers(min_value=0, max_value=10**11))
def test_yuan_round_trips_through_its_two_decimal_text(fen: int) -> None:
    shown = fen_to_yuan(fen)
    assert len(repr(shown).split(".")[1]) <= 2
    assert yuan_to_fen(shown) == fen


@pytest.mark.parametrize(("yuan", "fen"), [(468, 46800), ("0.1", 10), (Decimal("19.90"), 1990),
                                           (0.29, 29)])
def test_yuan_to_fen(yuan: object, fen: int) -> None:
    assert yuan_to_fen(yuan) == fen  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-1, "abc", "1.234", float("nan"), float("inf")])
def test_yuan_to_fen_rejects_nonsense(bad: object) -> None:
    with pytest.raises(InvalidField):
        yuan_to_fen(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(("asked", "got"), [(None, DEFAULT_PAGE_SIZE), (0, DEFAULT_PAGE_SIZE),
                                            (1, 1), (100, 100), (101, MAX_PAGE_SIZE),
                                            (10**9, MAX_PAGE_SIZE)])
def test_page_size_defaults_and_caps(asked: int | None, got: int) -> None:
    assert page_size(asked) == got


def test_negative_page_size_page_last_id_and_ids_are_bad_requests() -> None:
    checks: list[Callable[[], object]] = [
        lambda: page_size(-1), lambda: page_offset(-1, 20), lambda: keyset_before(-5),
        lambda: require_id(0), lambda: require_id(-3)]
    for check in checks:
        with pytest.raises(BadRequest):
            check()


def test_page_offset_is_one_based() -> None:
    assert page_offset(None, 20) == 0
    assert page_offset(0, 20) == 0
    assert page_offset(1, 20) == 0
    assert page_offset(3, 10) == 20


def test_keyset_zero_means_from_the_newest() -> None:
    assert keyset_before(0) is None
    assert keyset_before(None) is None
    assert keyset_before(42) == 42


def _business(bid: int, user_id: int, boss_info: str = "") -> Business:
    return Business(id=bid, title=f"b{bid}", user_id=user_id, info="", boss_info=boss_info,
                    license_fron="", license_back="", row_state=1, star=4.5, tags="", cover="",
                    header_img="")


def test_bosses_are_ranked_in_activity_order_and_survive_missing_profiles() -> None:
    profiles = {10: Profile(nickname="王老板", avatar="a.png", info="profile text")}
    bosses = rank_bosses([_business(2, 10), _business(1, 11, "own words")], profiles)
    assert [(b.id, b.rank) for b in bosses] == [(2, 1), (1, 2)]
    assert (bosses[0].nickname, bosses[0].avatar, bosses[0].info) == ("王老板", "a.png",
                                                                      "profile text")
    assert (bosses[1].nickname, bosses[1].info) == (UNKNOWN_PROFILE.nickname, "own words")


def test_comment_authors_are_attached_by_user_id() -> None:
    comments = [Comment(id=i, homestay_id=1, user_id=u, order_sn="", content="c", star=5,
                        create_time=0) for i, u in [(3, 7), (2, 8)]]
    views = attach_authors(comments, {7: Profile(nickname="n7", avatar="v7", info="")})
    assert [(v.comment.id, v.nickname, v.avatar) for v in views] == [(3, "n7", "v7"), (2, "", "")]


def test_rules_refuse_unknown_missing_and_out_of_range_fields() -> None:
    with pytest.raises(InvalidField, match="unknown"):
        rules.checked({"title": "x", "bogus": 1}, rules.HOMESTAY)
    with pytest.raises(InvalidField, match="missing"):
        rules.checked({"title": "x"}, rules.HOMESTAY, required=rules.HOMESTAY_REQUIRED)
    for bad in ({"people_num": 0}, {"row_state": 2}, {"title": " "}, {"homestay_price": -1},
                {"homestay_price": True}, {"title": "x" * 65}, {"food_price": 1.5}):
        with pytest.raises(InvalidField):
            rules.checked(bad, rules.HOMESTAY)
    with pytest.raises(InvalidField):
        rules.checked({"row_type": "other"}, rules.ACTIVITY)


def test_rules_normalise_values() -> None:
    assert rules.checked({"title": "  小院 ", "star": 4.86}, rules.BUSINESS) == {
        "title": "小院", "star": 4.9}
