"""The API's answers as the pages use them (msgspec decodes; unknown fields are ignored)."""

from __future__ import annotations

import msgspec


class Homestay(msgspec.Struct, rename="camel", kw_only=True):
    id: int
    title: str = ""
    sub_title: str = ""
    banner: str = ""
    info: str = ""
    people_num: int = 1
    row_type: int = 0  # 0 priced per room, 1 per person
    food_info: str = ""
    food_price: float = 0
    homestay_price: float = 0
    market_homestay_price: float = 0

    @property
    def cover(self) -> str:
        return self.banner.split(",")[0].strip() if self.banner else ""


class Boss(msgspec.Struct, rename="camel", kw_only=True):
    id: int
    user_id: int = 0
    nickname: str = ""
    avatar: str = ""
    info: str = ""
    rank: int = 0


class Comment(msgspec.Struct, rename="camel", kw_only=True):
    id: int
    homestay_id: int = 0
    nickname: str = ""
    avatar: str = ""
    content: str = ""
    star: int = 0
    create_time: int = 0


class Token(msgspec.Struct, rename="camel", kw_only=True):
    access_token: str
    access_expire: int


class OrderItem(msgspec.Struct, rename="camel", kw_only=True):
    sn: str
    title: str = ""
    sub_title: str = ""
    homestay_id: int = 0
    cover: str = ""
    order_total_price: float = 0
    create_time: int = 0
    trade_state: int = 0
    live_start_date: int = 0
    live_end_date: int = 0
    trade_code: str = ""


class OrderDetail(msgspec.Struct, rename="camel", kw_only=True):
    sn: str
    homestay_id: int = 0
    title: str = ""
    sub_title: str = ""
    cover: str = ""
    row_type: int = 0
    need_food: int = 0
    food_info: str = ""
    live_start_date: int = 0
    live_end_date: int = 0
    live_people_num: int = 0
    trade_state: int = 0
    trade_code: str = ""
    remark: str = ""
    order_total_price: float = 0
    food_total_price: float = 0
    homestay_total_price: float = 0
    create_time: int = 0
    pay_time: int = 0


class PayParams(msgspec.Struct, kw_only=True):
    package: str

    @property
    def prepay_id(self) -> str:
        return self.package.removeprefix("prepay_id=")
