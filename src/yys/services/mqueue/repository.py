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


class SqlNotificationRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _by_key(self, key: str) -> Notification | None:
        row = (await self._conn.execute(sa.select(t).where(t.c.dedup_key == key))).first()
        return None if row is None else _row(row)

    async def insert_if_absent(self, item: UserNotification, *, now: int) -> tuple[Notification, bool]:
        existing = await self._by_key(item.dedup_key)
        if existing is not None:
            return existing, False
        values = {
            "user_id": item.user_id, "kind": item.kind, "title": item.title, "body": item.body,
            "dedup_key": item.dedup_key, "data": msgspec.json.encode(item.data).decode(),
            "delivered": "", "create_time": now,
        }
        try:
            # A savepoint so a concurrent duplicate only undoes this insert, not the caller's tx.
            async with self._conn.begin_nested():
                await self._conn.execute(sa.insert(t).values(**values))
        except IntegrityError:
            raced = await self._by_key(item.dedup_key)
            if raced is None:
                raise
            return raced, False
        created = await self._by_key(item.dedup_key)
        assert created is not None  # just inserted in this transaction
        return created, True

    async def mark_delivered(self, notification_id: int, channels: str) -> None:
        await self._conn.execute(sa.update(t).where(t.c.id == notification_id).values(delivered=channels))

    async def list_for_user(self, user_id: int, *, limit: int) -> list[Notification]:
        rows = await self._conn.execute(
            sa.select(t).where(t.c.user_id == user_id).order_by(t.c.id.desc()).limit(limit))
        return [_row(r) for r in rows]
