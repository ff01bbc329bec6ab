"""An in-memory travel repository with call counting, for use-case tests without I/O."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from yys.contracts.admin import AuditEntry
from yys.services.travel.domain import (
    ACTIVE,
    GOOD_BUSINESS,
    PREFERRED_HOMESTAY,
    Activity,
    Business,
    Comment,
    CommentExists,
    Homestay,
    Profile,
)


def homestay(hid: int, *, business_id: int = 1, price: int = 10000, row_state: int = 1,
             people: int = 2) -> Homestay:
    return Homestay(id=hid, title=f"h{hid}", sub_title="", banner="", info="", people_num=people,
                    homestay_business_id=business_id, user_id=100 + business_id,
                    row_state=row_state, row_type=0, food_info="", food_price=0,
                    homestay_price=price, market_homestay_price=price)


def business(bid: int, *, row_state: int = 1) -> Business:
    return Business(id=bid, title=f"b{bid}", user_id=100 + bid, info="", boss_info="",
                    license_fron="", license_back="", row_state=row_state, star=4.5, tags="",
                    cover="", header_img="")


class FakeRepo:
    def __init__(self) -> None:
        self.homestays: dict[int, Homestay] = {}
        self.business_rows: dict[int, Business] = {}
        self.activities: dict[int, Activity] = {}
        self.comment_rows: dict[int, Comment] = {}
        self.audits: list[AuditEntry] = []
        self.calls: Counter[str] = Counter()
        self.commits = 0

    # reads
    async def get_homestay(self, homestay_id: int) -> Homestay | None:
        self.calls["get_homestay"] += 1
        return self.homestays.get(homestay_id)

    def _live(self) -> list[Homestay]:
        return [h for h in self.homestays.values() if h.on_shelf]

    async def preferred_homestays(self, *, offset: int, limit: int) -> list[Homestay]:
        self.calls["preferred_homestays"] += 1
        ids = [a.data_id for a in sorted(self.activities.values(), key=lambda a: a.id)
               if a.row_type == PREFERRED_HOMESTAY and a.row_status == ACTIVE]
        found = [self.homestays[i] for i in ids if i in self.homestays
                 and self.homestays[i].on_shelf]
        return found[offset:offset + limit]

    async def business_homestays(self, business_id: int, *, before_id: int | None,
                                 limit: int) -> list[Homestay]:
        found = [h for h in self._live() if h.homestay_business_id == business_id
                 and (before_id is None or h.id < before_id)]
        return sorted(found, key=lambda h: -h.id)[:limit]

    async def newest_homestays(self, *, limit: int) -> list[Homestay]:
        self.calls["newest_homestays"] += 1
        return sorted(self._live(), key=lambda h: -h.id)[:limit]

    async def get_business(self, business_id: int) -> Business | None:
        self.calls["get_business"] += 1
        return self.business_rows.get(business_id)

    async def businesses(self, *, before_id: int | None, limit: int) -> list[Business]:
        found = [b for b in self.business_rows.values() if before_id is None or b.id < before_id]
        return sorted(found, key=lambda b: -b.id)[:limit]

    async def good_businesses(self, *, limit: int) -> list[Business]:
        self.calls["good_businesses"] += 1
        ids = [a.data_id for a in sorted(self.activities.values(), key=lambda a: a.id)
               if a.row_type == GOOD_BUSINESS and a.row_status == ACTIVE]
        return [self.business_rows[i] for i in ids if i in self.business_rows][:limit]

    async def comments(self, homestay_id: int, *, before_id: int | None,
                       limit: int) -> list[Comment]:
        found = [c for c in self.comment_rows.values() if c.homestay_id == homestay_id
                 and (before_id is None or c.id < before_id)]
        return sorted(found, key=lambda c: -c.id)[:limit]

    async def get_activity(self, activity_id: int) -> Activity | None:
        return self.activities.get(activity_id)

    async def get_comment(self, comment_id: int) -> Comment | None:
        return self.comment_rows.get(comment_id)

    # writes
    async def insert(self, kind: str, values: Mapping[str, Any]) -> int:
        if kind == "activity":
            new_id = max(self.activities, default=0) + 1
            self.activities[new_id] = Activity(id=new_id, **values)
            return new_id
        if kind == "homestay":
            new_id = max(self.homestays, default=0) + 1
            self.homestays[new_id] = dataclasses.replace(homestay(new_id), **values)
            return new_id
        if kind == "business":
            new_id = max(self.business_rows, default=0) + 1
            self.business_rows[new_id] = dataclasses.replace(business(new_id), **values)
            return new_id
        if kind == "comment":
            if values.get("order_sn") and await self.get_comment_by_order(values["order_sn"]):
                raise CommentExists()  # what the unique index does
            new_id = max(self.comment_rows, default=0) + 1
            self.comment_rows[new_id] = Comment(
                id=new_id, create_time=0, **{**values, "order_sn": values.get("order_sn") or ""})
            return new_id
        raise NotImplementedError(kind)

    async def update(self, kind: str, row_id: int, *, version: int,
                     values: Mapping[str, Any]) -> bool:
        tables: dict[str, dict[int, Any]] = {
            "homestay": self.homestays, "business": self.business_rows,
            "activity": self.activities, "comment": self.comment_rows}
        table = tables[kind]
        row = table.get(row_id)
        if row is None or row.version != version:
            return False
        if values.get("del_state") == 1:
            del table[row_id]
            return True
        table[row_id] = dataclasses.replace(row, **values, version=version + 1)
        return True

    async def refresh_person_consume(self, business_ids: Sequence[int] | None) -> None:
        self.calls["refresh_person_consume"] += 1

    async def refresh_comment_stats(self, business_ids: Sequence[int] | None) -> None:
        self.calls["refresh_comment_stats"] += 1

    async def get_comment_by_order(self, order_sn: str) -> Comment | None:
        return next((c for c in self.comment_rows.values() if c.order_sn == order_sn), None)

    async def record_audit(self, entry: AuditEntry) -> None:
        self.audits.append(entry)

    # factories for the services
    @asynccontextmanager
    async def reads(self) -> AsyncIterator[FakeRepo]:
        yield self

    @asynccontextmanager
    async def writes(self) -> AsyncIterator[FakeRepo]:
        yield self
        self.commits += 1


class FakeProfiles:
    def __init__(self) -> None:
        self.asked: list[list[int]] = []

    async def profiles(self, user_ids: Sequence[int]) -> dict[int, Profile]:
        self.asked.append(list(user_ids))
        return {u: Profile(nickname=f"user{u}", avatar=f"https://a/{u}.png", info=f"info{u}")
                for u in user_ids}
