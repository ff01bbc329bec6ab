"""Field rules of the catalogue write use cases (admin and seed input). Pure Python.

Each rule checks one value and returns it normalised; a table of rules per entity keeps the
create and the partial-update paths on exactly the same checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from yys.services.travel.domain import ACTIVITY_TYPES, InvalidField

Rule = Callable[[str, Any], Any]


def text(max_len: int, *, required: bool = False) -> Rule:
    def check(name: str, value: Any) -> str:
        if not isinstance(value, str):
            raise InvalidField(f"{name} must be a string")
        stripped: str = value.strip()
        if required and not stripped:
            raise InvalidField(f"{name} must not be empty")
        if len(stripped) > max_len:
            raise InvalidField(f"{name} is longer than {max_len} characters")
        return stripped

    return check


def integer(low: int, high: int) -> Rule:
    def check(name: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidField(f"{name} must be an integer")
        if not low <= value <= high:
            raise InvalidField(f"{name} must be between {low} and {high}")
        return value

    return check


def choice(options: tuple[Any, ...]) -> Rule:
    def check(name: str, value: Any) -> Any:
        # `True in (0, 1)` holds in Python; a flag must be a real 0 or 1.
        if isinstance(value, bool) or value not in options:
            raise InvalidField(f"{name} must be one of {', '.join(map(str, options))}")
        return value

    return check


def star(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 5:
        raise InvalidField(f"{name} must be a number between 0 and 5")
    return round(float(value), 1)


_ID = integer(1, 2**63 - 1)
_FEN = integer(0, 10**11)  # a billion yuan is a typo, not a price
_FLAG = choice((0, 1))

HOMESTAY: dict[str, Rule] = {
    "title": text(64, required=True), "sub_title": text(128), "banner": text(3000),
    "info": text(4000), "people_num": integer(1, 100), "homestay_business_id": _ID,
    "row_state": _FLAG, "row_type": _FLAG, "food_info": text(255), "food_price": _FEN,
    "homestay_price": _FEN, "market_homestay_price": _FEN,
}
HOMESTAY_REQUIRED = ("title", "homestay_business_id", "homestay_price")

# The owner (`user_id`) is fixed at creation: homestays copy it and are not rewritten.
BUSINESS: dict[str, Rule] = {
    "title": text(64, required=True), "info": text(4000), "boss_info": text(4000),
    "license_fron": text(512), "license_back": text(512), "row_state": _FLAG, "star": star,
    "tags": text(255), "cover": text(512), "header_img": text(512),
    "sell_month": integer(0, 10**9),
}
BUSINESS_CREATE: dict[str, Rule] = {**BUSINESS, "user_id": _ID}
BUSINESS_REQUIRED = ("title", "user_id")

ACTIVITY: dict[str, Rule] = {"row_type": choice(ACTIVITY_TYPES), "data_id": _ID,
                             "row_status": _FLAG}
ACTIVITY_REQUIRED = ("row_type", "data_id")

COMMENT: dict[str, Rule] = {"homestay_id": _ID, "user_id": _ID, "order_sn": text(64),
                            "content": text(2000, required=True), "star": integer(1, 5)}
COMMENT_REQUIRED = ("homestay_id", "user_id", "content", "star")
# Who wrote about what is fixed; moderation edits the text and the star only.
COMMENT_UPDATE: dict[str, Rule] = {"content": COMMENT["content"], "star": COMMENT["star"]}


def checked(values: Mapping[str, Any], rules: Mapping[str, Rule], *,
            required: tuple[str, ...] = ()) -> dict[str, Any]:
    """Validate `values` against `rules`; unknown fields are refused rather than ignored."""
    unknown = sorted(set(values) - set(rules))
    if unknown:
        raise InvalidField(f"unknown field(s): {', '.join(unknown)}")
    missing = [name for name in required if name not in values]
    if missing:
        raise InvalidField(f"missing field(s): {', '.join(missing)}")
    return {name: rules[name](name, value) for name, value in values.items()}
