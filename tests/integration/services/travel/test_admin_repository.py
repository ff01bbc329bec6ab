"""The admin list queries and comment bookkeeping on SQLite and MariaDB."""

from __future__ import annotations

import pytest

from yys.contracts.admin import AuditEntry
from yys.kit.db import Database
from yys.kit.listing import Sort
from yys.services.travel.admin_repository import SqlAdminQueries
from yys.services.travel.domain import (
    ActivityFilter,
    BusinessFilter,
    CommentExists,
    CommentFilter,
    HomestayFilter,
)
from yys.services.travel.repository import SqlTravelRepository
from yys.services.travel.seed import SeedResult
from yys.services.travel.tables import outbox

NEWEST = Sort("id", descending=True)


async def test_homestay_filters_sort_and_total(db: Database, seeded: SeedResult) -> None:
    async with db.read() as conn:
        q = SqlAdminQueries(conn)
        total, page = await q.list_homestays(HomestayFilter(), NEWEST, offset=0, limit=10)
        assert total == seeded.homestays and len(page) == 10
        assert [h.id for h in page] == sorted((h.id for h in page), reverse=True)
        total_b, own = await q.list_homestays(HomestayFilter(homestay_business_id=1), NEWEST,
                                              offset=0, limit=200)
        assert total_b == len(own) and {h.homestay_business_id for h in own} == {1}
        _, cheap = await q.list_homestays(HomestayFilter(), Sort("homestay_price", False),
                                          offset=0, limit=200)
        prices = [h.homestay_price for h in cheap]
        assert prices == sorted(prices)
        off_total, off = await q.list_homestays(HomestayFilter(row_state=0), NEWEST, offset=0,
                                                limit=200)
        assert all(h.row_state == 0 for h in off) and off_total == len(off)
        beyond = await q.list_homestays(HomestayFilter(), NEWEST, offset=10_000, limit=10)
        assert beyond == (seeded.homestays, [])
        with pytest.raises(ValueError, match="sort key"):
            await q.list_homestays(HomestayFilter(), Sort("password", False), offset=0, limit=1)


@pytest.mark.parametrize("nasty", ["' OR 1=1 --", "%", "_", "\\", "%' OR '1'='1"])
async def test_string_filters_are_literal(db: Database, seeded: SeedResult, nasty: str) -> None:
    async with db.read() as conn:
        q = SqlAdminQueries(conn)
        assert await q.list_homestays(HomestayFilter(title=nasty), NEWEST, offset=0,
                                      limit=5) == (0, [])
        assert await q.list_businesses(BusinessFilter(title=nasty), NEWEST, offset=0,
                                       limit=5) == (0, [])
        assert await q.list_comments(CommentFilter(order_sn=nasty), NEWEST, offset=0,
                                     limit=5) == (0, [])


async def test_other_lists(db: Database, seeded: SeedResult) -> None:
    async with db.read() as conn:
        q = SqlAdminQueries(conn)
        total, _ = await q.list_businesses(BusinessFilter(), Sort("star", True), offset=0,
                                           limit=10)
        assert total == seeded.businesses
        total, acts = await q.list_activities(ActivityFilter(row_type="goodBusiness"), NEWEST,
                                              offset=0, limit=100)
        assert total == len(acts) > 0 and {a.row_type for a in acts} == {"goodBusiness"}
        total, comments = await q.list_comments(CommentFilter(homestay_id=1), NEWEST, offset=0,
                                                limit=100)
        assert total == len(comments) and {c.homestay_id for c in comments} <= {1}


async def test_one_comment_per_order_and_stats(db: Database, seeded: SeedResult) -> None:
    async with db.unit_of_work() as conn:
        repo = SqlTravelRepository(conn)
        homestay = await repo.get_homestay(1)
        assert homestay is not None
        business = homestay.homestay_business_id
        before = await repo.get_business(business)
        assert before is not None
        await repo.insert("comment", {"homestay_id": 1, "user_id": 10, "order_sn": "SN1",
                                      "content": "ok", "star": 1})
        await repo.refresh_comment_stats([business])
        after = await repo.get_business(business)
        assert after is not None and after.comment_count == before.comment_count + 1
    with pytest.raises(CommentExists):
        async with db.unit_of_work() as conn:
            await SqlTravelRepository(conn).insert("comment", {
                "homestay_id": 2, "user_id": 11, "order_sn": "SN1", "content": "x", "star": 5})
    async with db.unit_of_work() as conn:  # comments without an order never collide
        repo = SqlTravelRepository(conn)
        for _ in range(2):
            await repo.insert("comment", {"homestay_id": 1, "user_id": 10, "order_sn": None,
                                          "content": "ok", "star": 5})


async def test_audit_lands_in_the_outbox_only_with_its_transaction(db: Database) -> None:
    entry = AuditEntry(actor_id=1, actor_name="root", action="update", resource="homestays",
                       resource_id="1", at=1, before={"a": 1}, after={"a": 2}, service="travel")
    with pytest.raises(RuntimeError):
        async with db.unit_of_work() as conn:
            await SqlTravelRepository(conn).record_audit(entry)
            raise RuntimeError("the write failed")
    async with db.unit_of_work() as conn:
        await SqlTravelRepository(conn).record_audit(entry)
    async with db.read() as conn:
        rows = (await conn.execute(outbox.select())).all()
    assert len(rows) == 1 and rows[0].key == "homestays" and '"before":{"a":1}' in rows[0].payload
