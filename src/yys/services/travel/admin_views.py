"""How the back office sees catalogue records: the public field names (camelCase), money in
yuan, plus `version`, `createTime`, `updateTime`. The same shapes are the before/after of the
audit entries, so the audit log reads like the admin API."""

from __future__ import annotations

from typing import Any

import msgspec

from yys.services.travel.domain import Activity, Business, Comment, Homestay, fen_to_yuan


class _Item(msgspec.Struct, rename="camel", kw_only=True):
    id: int
    version: int
    create_time: int
    update_time: int


class HomestayItem(_Item):
    title: str
    sub_title: str
    banner: str
    info: str
    people_num: int
    homestay_business_id: int
    user_id: int
    row_state: int
    row_type: int
    food_info: str
    food_price: float
    homestay_price: float
    market_homestay_price: float


class BusinessItem(_Item):
    title: str
    user_id: int
    info: str
    boss_info: str
    license_fron: str
    license_back: str
    row_state: int
    star: float
    tags: str
    cover: str
    header_img: str
    sell_month: int
    person_consume: float
    comment_count: int


class ActivityItem(_Item):
    row_type: str
    data_id: int
    row_status: int


class CommentItem(_Item):
    homestay_id: int
    user_id: int
    order_sn: str
    content: str
    star: int


def homestay_item(h: Homestay) -> HomestayItem:
    return HomestayItem(
        id=h.id, version=h.version, create_time=h.create_time, update_time=h.update_time,
        title=h.title, sub_title=h.sub_title, banner=h.banner, info=h.info,
        people_num=h.people_num, homestay_business_id=h.homestay_business_id, user_id=h.user_id,
        row_state=h.row_state, row_type=h.row_type, food_info=h.food_info,
        food_price=fen_to_yuan(h.food_price), homestay_price=fen_to_yuan(h.homestay_price),
        market_homestay_price=fen_to_yuan(h.market_homestay_price))


def business_item(b: Business) -> BusinessItem:
    return BusinessItem(
        id=b.id, version=b.version, create_time=b.create_time, update_time=b.update_time,
        title=b.title, user_id=b.user_id, info=b.info, boss_info=b.boss_info,
        license_fron=b.license_fron, license_back=b.license_back, row_state=b.row_state,
        star=b.star, tags=b.tags, cover=b.cover, header_img=b.header_img,
        sell_month=b.sell_month, person_consume=fen_to_yuan(b.person_consume),
        comment_count=b.comment_count)


def activity_item(a: Activity) -> ActivityItem:
    return ActivityItem(id=a.id, version=a.version, create_time=a.create_time,
                        update_time=a.update_time, row_type=a.row_type, data_id=a.data_id,
                        row_status=a.row_status)


def comment_item(c: Comment) -> CommentItem:
    return CommentItem(id=c.id, version=c.version, create_time=c.create_time,
                       update_time=c.update_time, homestay_id=c.homestay_id, user_id=c.user_id,
                       order_sn=c.order_sn, content=c.content, star=c.star)


def as_audit(item: msgspec.Struct | None) -> dict[str, Any] | None:
    """The JSON object an item is in the API (and therefore in the audit log)."""
    if item is None:
        return None
    snapshot: dict[str, Any] = msgspec.to_builtins(item)
    return snapshot
