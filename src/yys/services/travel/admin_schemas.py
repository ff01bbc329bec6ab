"""Request bodies of the catalogue admin API and their translation into use-case values.

Bodies are strict (unknown fields are 400). In a PATCH every field but `version` is optional and
a field that is absent or null is left as it is; only the fields sent reach the UPDATE. Prices
arrive in yuan and are turned into fen here, at the edge (more than two decimals is 400).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from yys.kit.listing import MAX_ID
from yys.services.travel.domain import yuan_to_fen

Id = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
Version = Annotated[int, msgspec.Meta(ge=0, le=MAX_ID)]
Yuan = float  # checked by yuan_to_fen: non-negative, at most two decimals

# Fields carried in yuan at the edge and in fen inside.
MONEY = frozenset({"food_price", "homestay_price", "market_homestay_price"})


class _Body(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    pass


class HomestayCreate(_Body):
    title: str
    homestay_business_id: Id
    homestay_price: Yuan
    sub_title: str | None = None
    banner: str | None = None
    info: str | None = None
    people_num: int | None = None
    row_type: int | None = None
    row_state: int | None = None
    food_info: str | None = None
    food_price: Yuan | None = None
    market_homestay_price: Yuan | None = None


class HomestayPatch(_Body):
    version: Version
    title: str | None = None
    sub_title: str | None = None
    banner: str | None = None
    info: str | None = None
    people_num: int | None = None
    homestay_business_id: Id | None = None
    row_type: int | None = None
    row_state: int | None = None
    food_info: str | None = None
    food_price: Yuan | None = None
    homestay_price: Yuan | None = None
    market_homestay_price: Yuan | None = None


class BusinessCreate(_Body):
    title: str
    user_id: Id
    info: str | None = None
    boss_info: str | None = None
    license_fron: str | None = None
    license_back: str | None = None
    row_state: int | None = None
    star: float | None = None
    tags: str | None = None
    cover: str | None = None
    header_img: str | None = None
    sell_month: int | None = None


class BusinessPatch(_Body):
    version: Version
    title: str | None = None
    info: str | None = None
    boss_info: str | None = None
    license_fron: str | None = None
    license_back: str | None = None
    row_state: int | None = None
    star: float | None = None
    tags: str | None = None
    cover: str | None = None
    header_img: str | None = None
    sell_month: int | None = None


class ActivityCreate(_Body):
    row_type: str
    data_id: Id
    row_status: int | None = None


class ActivityPatch(_Body):
    version: Version
    row_type: str | None = None
    data_id: Id | None = None
    row_status: int | None = None


class CommentCreate(_Body):
    homestay_id: Id
    user_id: Id
    content: str
    star: int
    order_sn: str | None = None


class CommentPatch(_Body):
    version: Version
    content: str | None = None
    star: int | None = None


def values_of(body: msgspec.Struct) -> dict[str, Any]:
    """The fields that were sent (not null), minus `version`, money converted to fen."""
    values: dict[str, Any] = {}
    for name in body.__struct_fields__:
        value = getattr(body, name)
        if name == "version" or value is None:
            continue
        values[name] = yuan_to_fen(value) if name in MONEY else value
    return values
