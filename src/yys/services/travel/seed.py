"""Demo and benchmark catalogue loaders.

Both paths insert with executemany in chunks, explicit ids (so comments and activities can point
at rows without reading them back) and one transaction per chunk. The generated catalogue comes
from a seeded RNG, so two runs of the same size load the same data and benchmarks compare.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from yys.kit.db import Database
from yys.services.travel import tables as t
from yys.services.travel.caching import Stale, TravelCaches
from yys.services.travel.domain import GOOD_BOSS_SIZE, GOOD_BUSINESS, PREFERRED_HOMESTAY
from yys.services.travel.repository import SqlTravelRepository, bulk_insert, max_id, utcnow
from yys.services.travel.seed_data import (
    CITIES,
    COMMENTS,
    DEMO_BUSINESSES,
    FOODS,
    KINDS,
    SCENERY,
    TAGS,
    banner,
    image,
)

CHUNK = 5000
RNG_SEED = 20240601
Row = dict[str, Any]
Progress = Callable[[str, int], None]


@dataclass
class SeedResult:
    businesses: int = 0
    homestays: int = 0
    activities: int = 0
    comments: int = 0
    homestay_ids: list[int] = field(default_factory=list)
    business_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class CataloguePlan:
    homestays: int
    businesses: int
    comments_per_homestay: int
    hosts: Sequence[int]
    guests: Sequence[int]
    seed: int = RNG_SEED


async def is_empty(db: Database) -> bool:
    async with db.read() as conn:
        row = (await conn.execute(sa.select(t.homestay.c.id).limit(1))).first()
    return row is None


async def forget_cached_lists(caches: TravelCaches) -> None:
    """Bulk loads bypass the write use cases, so they drop the list pages themselves."""
    await caches.drop(Stale(lists=True))


def _audit(when: datetime) -> Row:
    return {"create_time": when, "update_time": when, "del_state": 0, "version": 0}


def _business_row(row_id: int, owner: int, title: str, slug: str, when: datetime, **extra: Any
                  ) -> Row:
    return {"id": row_id, "title": title, "user_id": owner, "row_state": 1,
            "license_fron": image("license-front", slug), "license_back": image("license-back", slug),
            "cover": image("cover", slug), "header_img": image("header", slug),
            **extra, **_audit(when)}


def _comment_row(row_id: int, homestay_id: int, user_id: int, pick: tuple[int, str],
                 when: datetime) -> Row:
    return {"id": row_id, "homestay_id": homestay_id, "user_id": user_id, "order_sn": None,
            "star": pick[0], "content": pick[1], **_audit(when)}


def _activity_rows(first_id: int, kind: str, data_ids: Sequence[int], when: datetime) -> list[Row]:
    return [{"id": first_id + k, "row_type": kind, "data_id": d, "row_status": 1, **_audit(when)}
            for k, d in enumerate(data_ids)]


async def _finish(db: Database, activities: list[Row]) -> None:
    async with db.unit_of_work() as conn:
        await bulk_insert(conn, "activity", activities)
        repo = SqlTravelRepository(conn)
        await repo.refresh_person_consume(None)
        await repo.refresh_comment_stats(None)


# --- demo ------------------------------------------------------------------------------------


async def seed_demo(db: Database, *, hosts: Sequence[int], guests: Sequence[int],
                    seed: int = RNG_SEED) -> SeedResult:
    """The hand-written demo catalogue: one business per host, comments by the guests."""
    if len(hosts) < len(DEMO_BUSINESSES) or not guests:
        raise ValueError(f"the demo needs {len(DEMO_BUSINESSES)} hosts and some guests")
    rng, now, result = random.Random(seed), utcnow(), SeedResult()
    rows: dict[str, list[Row]] = {"business": [], "homestay": [], "comment": []}
    async with db.read() as conn:
        next_id = {k: await max_id(conn, k) + 1 for k in ("business", "homestay", "comment",
                                                          "activity")}
    for b_no, biz in enumerate(DEMO_BUSINESSES):
        b_id, owner = next_id["business"] + b_no, hosts[b_no]
        rows["business"].append(_business_row(
            b_id, owner, biz.title, biz.slug, now - timedelta(days=400 - b_no), info=biz.info,
            boss_info=biz.boss_info, star=biz.star, tags=biz.tags,
            sell_month=rng.randint(30, 400)))
        result.business_ids.append(b_id)
        for h in biz.homestays:
            h_id = next_id["homestay"] + len(rows["homestay"])
            when = now - timedelta(days=300 - len(rows["homestay"]))
            rows["homestay"].append({
                "id": h_id, "title": h.title, "sub_title": h.sub_title,
                "banner": banner(biz.slug, h_id, hint=h.sub_title), "info": f"{h.title}。{biz.info}",
                "people_num": h.people_num, "homestay_business_id": b_id, "user_id": owner,
                "row_state": 1, "row_type": h.row_type, "food_info": h.food_info,
                "food_price": h.food_price * 100, "homestay_price": h.price * 100,
                "market_homestay_price": h.market_price * 100, **_audit(when)})
            result.homestay_ids.append(h_id)
            for _ in range(rng.randint(2, 4)):
                c_id = next_id["comment"] + len(rows["comment"])
                rows["comment"].append(_comment_row(
                    c_id, h_id, rng.choice(guests), rng.choice(COMMENTS),
                    min(now, when + timedelta(days=rng.randint(1, 250), minutes=rng.randint(0, 1440)))))
    async with db.unit_of_work() as conn:
        for kind in ("business", "homestay", "comment"):
            await bulk_insert(conn, kind, rows[kind])
    preferred = result.homestay_ids[::3]
    good = result.business_ids[:3]
    activities = _activity_rows(next_id["activity"], PREFERRED_HOMESTAY, preferred, now)
    activities += _activity_rows(next_id["activity"] + len(activities), GOOD_BUSINESS, good, now)
    await _finish(db, activities)
    result.businesses, result.homestays = len(rows["business"]), len(rows["homestay"])
    result.comments, result.activities = len(rows["comment"]), len(activities)
    return result


# --- generated catalogue -----------------------------------------------------------------------


class _Generator:
    """Rows of the generated catalogue, drawn from one RNG in a fixed order."""

    def __init__(self, plan: CataloguePlan, first: dict[str, int], now: datetime) -> None:
        self.plan, self.first, self.now = plan, first, now
        self.rng = random.Random(plan.seed)
        self.owners: dict[int, int] = {}
        self.next_comment = first["comment"]

    def businesses(self) -> list[Row]:
        rows = []
        for n in range(self.plan.businesses):
            city, scenery = self.rng.choice(CITIES), self.rng.choice(SCENERY)
            b_id, owner = self.first["business"] + n, self.plan.hosts[n % len(self.plan.hosts)]
            self.owners[b_id] = owner
            rows.append(_business_row(
                b_id, owner, f"{city[0]}{scenery[0]}民宿·{n + 1}号店", f"b{b_id}",
                self.now - timedelta(days=720), info=f"{city[1]} {scenery[1]} guesthouse #{n + 1}",
                boss_info=f"{city[0]}本地人，经营民宿{self.rng.randint(1, 15)}年",
                star=round(self.rng.uniform(3.5, 5.0), 1),
                tags=",".join(self.rng.sample(TAGS, 3)), sell_month=self.rng.randint(0, 2000)))
        return rows

    def homestays(self, start: int, stop: int) -> tuple[list[Row], list[Row]]:
        homestays: list[Row] = []
        comments: list[Row] = []
        span = max(self.plan.homestays, 1)
        for n in range(start, stop):
            h_id = self.first["homestay"] + n
            when = self.now - timedelta(seconds=(span - n) * 300)  # older ids are older rows
            homestays.append(self._homestay(h_id, n, when))
            for _ in range(self.rng.randint(0, 2 * self.plan.comments_per_homestay)):
                comments.append(_comment_row(
                    self.next_comment, h_id, self.rng.choice(self.plan.guests),
                    self.rng.choice(COMMENTS),
                    min(self.now, when + timedelta(hours=self.rng.randint(1, 2000)))))
                self.next_comment += 1
        return homestays, comments

    def _homestay(self, h_id: int, n: int, when: datetime) -> Row:
        rng = self.rng
        city, scenery, kind = rng.choice(CITIES), rng.choice(SCENERY), rng.choice(KINDS)
        per_person = kind[1] == "Hostel Bed"
        people = 1 if per_person else rng.choice((2, 2, 3, 4, 6, 8))
        price = rng.randint(60, 150) if per_person else rng.randint(18, 160) * 10 * people // 2
        food, food_price = rng.choice(FOODS)
        b_id = self.first["business"] + n % self.plan.businesses
        return {
            "id": h_id, "title": f"{city[0]}{scenery[0]}{kind[0]}·{n + 1}",
            "sub_title": f"{scenery[1]} {kind[1]} in {city[1]}",
            "banner": banner("h", h_id, hint=scenery[1]),
            "info": f"{city[0]}{scenery[0]}{kind[0]}，可住{people}人。", "people_num": people,
            "homestay_business_id": b_id, "user_id": self.owners[b_id],
            "row_state": 0 if rng.random() < 0.05 else 1, "row_type": 1 if per_person else 0,
            "food_info": food, "food_price": food_price * 100, "homestay_price": price * 100,
            "market_homestay_price": int(price * rng.uniform(1.1, 1.5)) * 100, **_audit(when)}


async def seed_catalogue(db: Database, plan: CataloguePlan, *,
                         progress: Progress | None = None) -> SeedResult:
    """Bulk-load a generated catalogue of `plan`'s size after whatever is already there."""
    if plan.businesses <= 0 or not plan.hosts or not plan.guests:
        raise ValueError("a catalogue needs at least one business, one host and one guest")
    report = progress or (lambda _kind, _n: None)
    async with db.read() as conn:
        first = {k: await max_id(conn, k) + 1 for k in ("business", "homestay", "comment",
                                                        "activity")}
    gen, result = _Generator(plan, first, utcnow()), SeedResult()
    businesses = gen.businesses()
    for start in range(0, len(businesses), CHUNK):
        async with db.unit_of_work() as conn:
            await bulk_insert(conn, "business", businesses[start:start + CHUNK])
        report("business", len(businesses[start:start + CHUNK]))
    for start in range(0, plan.homestays, CHUNK):
        homestays, comments = gen.homestays(start, min(plan.homestays, start + CHUNK))
        async with db.unit_of_work() as conn:
            await bulk_insert(conn, "homestay", homestays)
            await bulk_insert(conn, "comment", comments)
        result.homestays += len(homestays)
        result.comments += len(comments)
        report("homestay", len(homestays))
        report("comment", len(comments))
    preferred = [first["homestay"] + n for n in range(0, plan.homestays, 100)]
    good = [b["id"] for b in businesses[:: max(1, plan.businesses // GOOD_BOSS_SIZE)]]
    activities = _activity_rows(first["activity"], PREFERRED_HOMESTAY, preferred, gen.now)
    activities += _activity_rows(first["activity"] + len(activities), GOOD_BUSINESS,
                                 good[:GOOD_BOSS_SIZE], gen.now)
    await _finish(db, activities)
    report("activity", len(activities))
    result.businesses, result.activities = len(businesses), len(activities)
    return result
