"""SQL adapter of the notification repository, on a connection the caller opened."""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from yys.contracts.mqueue import UserNotification
from yys.services.mqueue.domain import Notification
from yys.services.mqueue.tables import notification as t


def _row(row: Any) -> Notification:
    return Notification(
        id=int(row.id), user_id=int(row.user_id), kind=row.kind, title=row.title, body=row.body,
        dedup_key=row.dedup_key, data=msgspec.json.decode(row.data), created_at=int(row.create_time),
        delivered=row.delivered,
    )


# Built once with bind parameters: per call SQLAlchemy finds the compiled form in its cache
# instead of building the statement and its cache key (the pay-success job runs these per order).
_BY_KEY = sa.select(t).where(t.c.dedup_key == sa.bindparam("w_key"))
_INSERT = sa.insert(t)
_MARK = sa.update(t).where(t.c.id == sa.bindparam("w_id"))


class SqlNotificationRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _by_key(self, key: str) -> Notification | None:
        row = (await self._conn.execute(_BY_KEY, {"w_key": key})).first()
        return None if row is None else _row(row)

    async def insert_if_absent(self, item: UserNotification, *, now: int, delivered: str = ""
                               ) -> tuple[Notification, bool]:
        # The insert comes first and the unique dedup key decides: a new notification (the
        # usual case) costs one statement, a repeat a failed insert and a read. MariaDB and
        # SQLite undo only the failed statement, so the caller's transaction stays usable; a
        # concurrent first copy makes this insert wait for its commit, then fail.
        data = dict(item.data)
        try:
            result = await self._conn.execute(_INSERT, {
                "user_id": item.user_id, "kind": item.kind, "title": item.title,
                "body": item.body, "dedup_key": item.dedup_key,
                "data": msgspec.json.encode(data).decode(), "delivered": delivered,
                "create_time": now,
            })
        except IntegrityError:
            existing = await self._by_key(item.dedup_key)
            if existing is None:
                raise
            return existing, False
        new_id = result.inserted_primary_key[0] if result.inserted_primary_key else None
        if new_id is None:  # a driver that does not report it: read the row back
            created = await self._by_key(item.dedup_key)
            assert created is not None  # just inserted in this transaction
            return created, True
        return Notification(id=int(new_id), user_id=item.user_id, kind=item.kind,
                            title=item.title, body=item.body, dedup_key=item.dedup_key,
                            data=data, created_at=now, delivered=delivered), True

    async def mark_delivered(self, notification_id: int, channels: str) -> None:
        await self._conn.execute(_MARK, {"w_id": notification_id, "delivered": channels})

    async def list_for_user(self, user_id: int, *, limit: int) -> list[Notification]:
        rows = await self._conn.execute(
            sa.select(t).where(t.c.user_id == user_id).order_by(t.c.id.desc()).limit(limit))
        return [_row(r) for r in rows]
