"""The SQL repository on SQLite and MariaDB: keyset/offset paging, filters, optimistic writes."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tests.integration.services.travel.conftest import PLAN
from yys.kit.db import Database
from yys.kit.migrations import downgrade, upgrade
from yys.services.travel import tables as t
from yys.services.travel.domain import GOOD_BOSS_SIZE
from yys.services.travel.repository import SqlTravelRepository
from yys.services.travel.seed import SeedResult, seed_catalogue
from yys.services.travel.wiring import migration_spec


async def _ids(db: Database, query: sa.Select[Any]) -> list[int]:
    async with db.read() as conn:
        return [int(r[0]) for r in await conn.execute(query)]


async def test_seed_is_deterministic_and_complete(db: Database, seeded: SeedResult) -> None:
    assert (seeded.homestays, seeded.businesses) == (PLAN.homestays, PLAN.businesses)
    assert seeded.comments > 0
    async with db.read() as conn:
        count = (await conn.execute(sa.select(sa.func.count()).select_from(t.homestay_comment))
                 ).scalar_one()
        titles = [r[0] for r in await conn.execute(
            sa.select(t.homestay.c.title).order_by(t.homestay.c.id).limit(5))]
    assert count == seeded.comments
    again = Database(db.url.replace("travel.db", "again.db")) if "sqlite" in db.url else None
    if again is not None:  # same plan, fresh database → the same rows
        await upgrade(again.engine, migration_spec())
        await seed_catalogue(again, PLAN)
        async with again.read() as conn:
            assert titles == [r[0] for r in await conn.execute(
                sa.select(t.homestay.c.title).order_by(t.homestay.c.id).limit(5))]
        await again.dispose()


async def test_business_homestays_keyset_pages_have_no_gaps_or_duplicates(
        db: Database, seeded: SeedResult) -> None:
    h = t.homestay.c
    expected = await _ids(db, sa.select(h.id).where(
        h.homestay_business_id == 2, h.row_state == 1, h.del_state == 0).order_by(h.id.desc()))
    assert len(expected) > 20
    seen: list[int] = []
    before = None
    async with db.read() as conn:
        repo = SqlTravelRepository(conn)
        while page := await repo.business_homestays(2, before_id=before, limit=7):
            assert all(x.homestay_business_id == 2 and x.on_shelf for x in page)
            seen += [x.id for x in page]
            before = page[-1].id
    assert seen == expected


async def test_comment_and_business_keysets(db: Database, seeded: SeedResult) -> None:
    c = t.homestay_comment.c
    busiest = (sa.select(c.homestay_id).group_by(c.homestay_id)
               .order_by(sa.func.count().desc(), c.homestay_id).limit(1))
    homestay_id = (await _ids(db, busiest))[0]
    expected = await _ids(db, sa.select(c.id).where(c.homestay_id == homestay_id)
                          .order_by(c.id.desc()))
    async with db.read() as conn:
        repo = SqlTravelRepository(conn)
        seen: list[int] = []
        before = None
        assert len(expected) > 2
        while page := await repo.comments(homestay_id, before_id=before, limit=2):
            seen += [x.id for x in page]
            before = page[-1].id
        assert seen == expected
        first = await repo.businesses(before_id=None, limit=3)
        rest = await repo.businesses(before_id=first[-1].id, limit=3)
    assert [b.id for b in first + rest] == [4, 3, 2, 1]


async def test_preferred_and_good_lists_follow_active_activities(
        db: Database, seeded: SeedResult) -> None:
    async with db.read() as conn:
        repo = SqlTravelRepository(conn)
        preferred = await repo.preferred_homestays(offset=0, limit=100)
        good = await repo.good_businesses(limit=GOOD_BOSS_SIZE)
        newest = await repo.newest_homestays(limit=5)
    assert preferred and all(x.on_shelf for x in preferred)
    assert {x.id for x in preferred} <= set(range(1, PLAN.homestays + 1, 100))
    assert [b.id for b in good] == [1, 2, 3, 4]
    assert [x.id for x in newest] == sorted((x.id for x in newest), reverse=True)
    assert all(x.on_shelf for x in newest)


async def test_optimistic_update_soft_delete_and_person_consume(db: Database) -> None:
    async with db.unit_of_work() as conn:
        repo = SqlTravelRepository(conn)
        bid = await repo.insert("business", {"title": "测试民宿", "user_id": 7, "row_state": 1})
        base = {"homestay_business_id": bid, "user_id": 7, "row_state": 1, "title": "房"}
        room = await repo.insert("homestay", {**base, "homestay_price": 40000, "people_num": 4})
        await repo.insert("homestay", {**base, "homestay_price": 8000, "row_type": 1})
        await repo.refresh_person_consume([bid])
    async with db.unit_of_work() as conn:
        repo = SqlTravelRepository(conn)
        business = await repo.get_business(bid)
        assert business is not None and business.person_consume == 9000  # (10000 + 8000) / 2
        assert await repo.update("homestay", room, version=0, values={"title": "新"})
        assert not await repo.update("homestay", room, version=0, values={"title": "旧"})
        found = await repo.get_homestay(room)
        assert found is not None and (found.title, found.version) == ("新", 1)
        assert found.create_time > 0
        assert await repo.update("homestay", room, version=1, values={"del_state": 1})
        assert await repo.get_homestay(room) is None


async def test_migration_downgrades_and_upgrades_again(db: Database) -> None:
    await downgrade(db.engine, migration_spec())
    async with db.engine.connect() as conn:
        names = await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
    assert not [n for n in names if n.startswith("travel_")]
    await upgrade(db.engine, migration_spec())
