"""What order may know about a homestay: the snapshot taken when a booking is made."""

from __future__ import annotations

import msgspec


class HomestaySnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """Prices in fen. `row_state` 1 = on shelf; `row_type` 0 = per room, 1 = per person."""

    id: int
    title: str
    sub_title: str
    banner: str
    info: str
    people_num: int
    row_state: int
    row_type: int
    food_info: str
    food_price: int
    homestay_price: int
    market_homestay_price: int
    homestay_business_id: int
    user_id: int
