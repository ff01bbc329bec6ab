"""Admin request bodies: strict decoding, yuan → fen at the edge, PATCH sends only what was set."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from yys.services.travel import rules
from yys.services.travel.admin_schemas import HomestayCreate, HomestayPatch, values_of
from yys.services.travel.domain import InvalidField, yuan_to_fen


def _patch(body: dict[str, Any]) -> HomestayPatch:
    return msgspec.json.decode(msgspec.json.encode(body), type=HomestayPatch)


def test_patch_carries_only_the_fields_sent() -> None:
    assert values_of(_patch({"version": 3, "title": "x"})) == {"title": "x"}
    # null means "leave it": a client that echoes a record with blanks does not wipe prices
    assert values_of(_patch({"version": 3, "title": "x", "homestayPrice": None,
                             "foodPrice": None})) == {"title": "x"}
    assert values_of(_patch({"version": 0, "homestayPrice": 12.34, "foodPrice": 0})) == {
        "homestay_price": 1234, "food_price": 0}


@pytest.mark.parametrize(("yuan", "fen"), [(0, 0), (1, 100), (19.99, 1999), (0.1, 10),
                                           (399.99, 39999), (1e6, 100_000_000)])
def test_yuan_to_fen(yuan: float, fen: int) -> None:
    assert yuan_to_fen(yuan) == fen


@pytest.mark.parametrize("yuan", [1.005, -0.01, 0.001, 1e-5, float("inf"), float("nan")])
def test_yuan_precision_and_sign(yuan: float) -> None:
    with pytest.raises(InvalidField):
        yuan_to_fen(yuan)


def test_bodies_are_strict() -> None:
    with pytest.raises(msgspec.ValidationError):
        _patch({"version": 1, "price": 1})  # unknown field
    with pytest.raises(msgspec.ValidationError):
        _patch({"title": "no version"})
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"title":"t","homestayBusinessId":0,"homestayPrice":1}',
                            type=HomestayCreate)


@pytest.mark.parametrize(("field", "value"), [("row_state", 2), ("row_type", -1),
                                              ("people_num", 0), ("title", " "),
                                              ("homestay_price", 10**12), ("row_state", True)])
def test_enums_and_ranges(field: str, value: Any) -> None:
    with pytest.raises(InvalidField):
        rules.checked({field: value}, rules.HOMESTAY)


def test_comment_moderation_touches_text_and_star_only() -> None:
    assert rules.checked({"content": " ok ", "star": 3}, rules.COMMENT_UPDATE) == {
        "content": "ok", "star": 3}
    with pytest.raises(InvalidField):
        rules.checked({"user_id": 2}, rules.COMMENT_UPDATE)
