"""SQL adapter of the travel repository (SQLAlchemy Core on one AsyncConnection)."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from yys.contracts.admin import TOPIC_ADMIN_AUDIT, AuditEntry
from yys.kit.events import Event, add_to_outbox
from yys.services.travel import tables as t
from yys.services.travel.domain import (
    ACTIVE,
    GOOD_BUSINESS,
    ON_SHELF,
    PER_PERSON,
    PREFERRED_HOMESTAY,
    Activity,
    Business,
    Comment,
    CommentExists,
    Homestay,
)
from yys.services.travel.ports import Values

TABLES: dict[str, sa.Table] = {
    "homestay": t.homestay,
    "business": t.homestay_business,
    "activity": t.homestay_activity,
    "comment": t.homestay_comment,
}

_H = t.homestay.c
_B = t.homestay_business.c
_A = t.homestay_activity.c
_C = t.homestay_comment.c

HOMESTAY_COLS = [_H.id, _H.title, _H.sub_title, _H.banner, _H.info, _H.people_num,
                  _H.homestay_business_id, _H.user_id, _H.row_state, _H.row_type, _H.food_info,
                  _H.food_price, _H.homestay_price, _H.market_homestay_price, _H.version,
                  _H.create_time, _H.update_time]
BUSINESS_COLS = [_B.id, _B.title, _B.user_id, _B.info, _B.boss_info, _B.license_fron,
                  _B.license_back, _B.row_state, _B.star, _B.tags, _B.cover, _B.header_img,
                  _B.sell_month, _B.person_consume, _B.version, _B.comment_count,
                  _B.create_time, _B.update_time]
ACTIVITY_COLS = [_A.id, _A.row_type, _A.data_id, _A.row_status, _A.version, _A.create_time,
                  _A.update_time]
COMMENT_COLS = [_C.id, _C.homestay_id, _C.user_id, _C.order_sn, _C.content, _C.star,
                 _C.create_time, _C.version, _C.update_time]


def utcnow() -> datetime:
    """Naive UTC, the one convention for every DateTime column of this schema."""
    return datetime.now(UTC).replace(tzinfo=None)


def unix(value: datetime | None) -> int:
    return calendar.timegm(value.timetuple()) if value is not None else 0


def homestay_from_row(row: Any) -> Homestay:
    return Homestay(
        id=row.id, title=row.title, sub_title=row.sub_title, banner=row.banner, info=row.info,
        people_num=row.people_num, homestay_business_id=row.homestay_business_id,
        user_id=row.user_id, row_state=row.row_state, row_type=row.row_type,
        food_info=row.food_info, food_price=row.food_price, homestay_price=row.homestay_price,
        market_homestay_price=row.market_homestay_price, version=row.version,
        create_time=unix(row.create_time), update_time=unix(row.update_time),
    )


def business_from_row(row: Any) -> Business:
    return Business(
        id=row.id, title=row.title, user_id=row.user_id, info=row.info, boss_info=row.boss_info,
        license_fron=row.license_fron, license_back=row.license_back, row_state=row.row_state,
        star=float(row.star), tags=row.tags, cover=row.cover, header_img=row.header_img,
        sell_month=row.sell_month, person_consume=row.person_consume, version=row.version,
        comment_count=row.comment_count, create_time=unix(row.create_time),
        update_time=unix(row.update_time),
    )


def activity_from_row(row: Any) -> Activity:
    return Activity(id=row.id, row_type=row.row_type, data_id=row.data_id,
                    row_status=row.row_status, version=row.version,
                    create_time=unix(row.create_time), update_time=unix(row.update_time))


def comment_from_row(row: Any) -> Comment:
    return Comment(id=row.id, homestay_id=row.homestay_id, user_id=row.user_id,
                   order_sn=row.order_sn or "", content=row.content, star=row.star,
                   create_time=unix(row.create_time), version=row.version,
                   update_time=unix(row.update_time))


def _live_homestays() -> sa.Select[Any]:
    return sa.select(*HOMESTAY_COLS).where(_H.del_state == 0, _H.row_state == ON_SHELF)


class SqlTravelRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _homestays(self, query: sa.Select[Any]) -> list[Homestay]:
        return [homestay_from_row(r) for r in await self._conn.execute(query)]

    async def get_homestay(self, homestay_id: int) -> Homestay | None:
        row = (await self._conn.execute(
            sa.select(*HOMESTAY_COLS).where(_H.id == homestay_id, _H.del_state == 0))).first()
        return homestay_from_row(row) if row is not None else None

    async def preferred_homestays(self, *, offset: int, limit: int) -> list[Homestay]:
        query = (_live_homestays().join(t.homestay_activity, _A.data_id == _H.id)
                 .where(_A.row_type == PREFERRED_HOMESTAY, _A.row_status == ACTIVE,
                        _A.del_state == 0)
                 .order_by(_A.id).offset(offset).limit(limit))
        return await self._homestays(query)

    async def business_homestays(self, business_id: int, *, before_id: int | None,
                                 limit: int) -> list[Homestay]:
        query = _live_homestays().where(_H.homestay_business_id == business_id)
        if before_id is not None:
            query = query.where(_H.id < before_id)
        return await self._homestays(query.order_by(_H.id.desc()).limit(limit))

    async def newest_homestays(self, *, limit: int) -> list[Homestay]:
        return await self._homestays(_live_homestays().order_by(_H.id.desc()).limit(limit))

    async def get_business(self, business_id: int) -> Business | None:
        row = (await self._conn.execute(sa.select(*BUSINESS_COLS).where(
            _B.id == business_id, _B.del_state == 0))).first()
        return business_from_row(row) if row is not None else None

    async def businesses(self, *, before_id: int | None, limit: int) -> list[Business]:
        query = sa.select(*BUSINESS_COLS).where(_B.del_state == 0, _B.row_state == ON_SHELF)
        if before_id is not None:
            query = query.where(_B.id < before_id)
        rows = await self._conn.execute(query.order_by(_B.id.desc()).limit(limit))
        return [business_from_row(r) for r in rows]

    async def good_businesses(self, *, limit: int) -> list[Business]:
        query = (sa.select(*BUSINESS_COLS)
                 .join(t.homestay_activity, _A.data_id == _B.id)
                 .where(_A.row_type == GOOD_BUSINESS, _A.row_status == ACTIVE, _A.del_state == 0,
                        _B.del_state == 0, _B.row_state == ON_SHELF)
                 .order_by(_A.id).limit(limit))
        return [business_from_row(r) for r in await self._conn.execute(query)]

    async def comments(self, homestay_id: int, *, before_id: int | None,
                       limit: int) -> list[Comment]:
        query = sa.select(*COMMENT_COLS).where(_C.homestay_id == homestay_id, _C.del_state == 0)
        if before_id is not None:
            query = query.where(_C.id < before_id)
        rows = await self._conn.execute(query.order_by(_C.id.desc()).limit(limit))
        return [comment_from_row(r) for r in rows]

    async def get_activity(self, activity_id: int) -> Activity | None:
        row = (await self._conn.execute(
            sa.select(*ACTIVITY_COLS).where(_A.id == activity_id, _A.del_state == 0))).first()
        return activity_from_row(row) if row is not None else None

    async def get_comment(self, comment_id: int) -> Comment | None:
        row = (await self._conn.execute(
            sa.select(*COMMENT_COLS).where(_C.id == comment_id, _C.del_state == 0))).first()
        return comment_from_row(row) if row is not None else None

    async def get_comment_by_order(self, order_sn: str) -> Comment | None:
        """Deleted comments included: an order keeps its one comment even after moderation."""
        row = (await self._conn.execute(
            sa.select(*COMMENT_COLS).where(_C.order_sn == order_sn))).first()
        return comment_from_row(row) if row is not None else None

    async def insert(self, kind: str, values: Values) -> int:
        now = utcnow()
        try:
            result = await self._conn.execute(
                TABLES[kind].insert().values(**values, create_time=now, update_time=now))
        except IntegrityError as exc:
            if kind == "comment":  # the one unique key besides the id: one comment per order
                raise CommentExists() from exc
            raise
        key = result.inserted_primary_key
        assert key is not None  # single-row INSERT always reports its key
        return int(key[0])

    async def update(self, kind: str, row_id: int, *, version: int, values: Values) -> bool:
        table = TABLES[kind]
        result = await self._conn.execute(
            table.update()
            .where(table.c.id == row_id, table.c.version == version, table.c.del_state == 0)
            .values(**values, version=table.c.version + 1, update_time=utcnow()))
        return bool(result.rowcount == 1)

    async def refresh_person_consume(self, business_ids: Sequence[int] | None) -> None:
        per_guest = sa.case((_H.row_type == PER_PERSON, _H.homestay_price),
                            else_=_H.homestay_price / sa.func.nullif(_H.people_num, 0))
        average = (sa.select(sa.cast(sa.func.coalesce(sa.func.avg(per_guest), 0), sa.BigInteger))
                   .where(_H.homestay_business_id == _B.id, _H.del_state == 0,
                          _H.row_state == ON_SHELF)
                   .scalar_subquery())
        stmt = t.homestay_business.update().values(person_consume=average)
        if business_ids is not None:
            stmt = stmt.where(_B.id.in_(list(business_ids)))
        await self._conn.execute(stmt)

    async def refresh_comment_stats(self, business_ids: Sequence[int] | None) -> None:
        """Comment count and average star over the live comments of live homestays; a business
        without comments keeps the star it was given."""
        scope = (sa.select(sa.literal(1)).select_from(t.homestay_comment)
                 .join(t.homestay, _H.id == _C.homestay_id)
                 .where(_H.homestay_business_id == _B.id, _C.del_state == 0, _H.del_state == 0))
        count = scope.with_only_columns(sa.func.count()).scalar_subquery()
        average = scope.with_only_columns(sa.func.avg(_C.star)).scalar_subquery()
        stmt = t.homestay_business.update().values(
            comment_count=count,
            star=sa.func.coalesce(sa.func.round(average, 1), _B.star))
        if business_ids is not None:
            stmt = stmt.where(_B.id.in_(list(business_ids)))
        await self._conn.execute(stmt)

    async def record_audit(self, entry: AuditEntry) -> None:
        """The audit event of an admin write, in the same transaction as the write."""
        await add_to_outbox(self._conn, t.outbox, Event(
            topic=TOPIC_ADMIN_AUDIT, key=entry.resource, payload=msgspec.to_builtins(entry)))


async def bulk_insert(conn: AsyncConnection, kind: str, rows: Sequence[dict[str, Any]]) -> None:
    """executemany for seeding: rows carry explicit ids and timestamps."""
    if rows:
        await conn.execute(TABLES[kind].insert(), list(rows))


async def max_id(conn: AsyncConnection, kind: str) -> int:
    table = TABLES[kind]
    return int((await conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0)))
                ).scalar_one())
