"""SQL adapter of `UserRepository` on one `AsyncConnection` (the caller's transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from yys.contracts.admin import TOPIC_ADMIN_AUDIT, AuditEntry
from yys.kit.events import Event, add_to_outbox
from yys.kit.listing import Sort
from yys.services.usercenter import tables as t
from yys.services.usercenter.domain import AuthAlreadyBound, MobileTaken, NewUser, User, UserFilter

# Sort keys the admin user list accepts (never a name taken from the request).
USER_SORTS = frozenset({"id", "create_time", "update_time", "mobile"})


def utcnow() -> datetime:
    # Stored naive in UTC: SQLite has no time zones and MariaDB DATETIME none either.
    return datetime.now(UTC).replace(tzinfo=None)


def _to_user(row: Any) -> User:
    return User(
        id=int(row.id),
        mobile=row.mobile,
        password_hash=row.password,
        nickname=row.nickname,
        sex=int(row.sex),
        avatar=row.avatar,
        info=row.info,
        disabled=bool(row.disabled),
        version=int(row.version),
        create_time=row.create_time,
        update_time=row.update_time,
    )


class SqlUserRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        # Users changed in this transaction: the boundary drops their cache entries after commit.
        self.written: set[int] = set()

    async def get_by_id(self, user_id: int) -> User | None:
        row = (await self._conn.execute(sa.select(t.user).where(t.user.c.id == user_id))).first()
        return None if row is None else _to_user(row)

    async def get_by_mobile(self, mobile: str) -> User | None:
        row = (await self._conn.execute(sa.select(t.user).where(t.user.c.mobile == mobile))).first()
        return None if row is None else _to_user(row)

    async def get_many(self, user_ids: Sequence[int]) -> list[User]:
        ids = sorted(set(user_ids))
        if not ids:
            return []
        rows = await self._conn.execute(sa.select(t.user).where(t.user.c.id.in_(ids)))
        return [_to_user(r) for r in rows]

    async def create(self, new: NewUser) -> int:
        now = utcnow()
        stmt = sa.insert(t.user).values(
            mobile=new.mobile, password=new.password_hash, nickname=new.nickname, sex=new.sex,
            avatar=new.avatar, info=new.info, disabled=False, create_time=now, update_time=now,
            version=0,
        )
        try:
            # The unique index decides races; the duplicate aborts the whole use case anyway.
            result = await self._conn.execute(stmt)
        except IntegrityError as exc:
            raise MobileTaken() from exc
        user_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        self.written.add(user_id)
        return user_id

    async def add_auth(self, *, user_id: int, auth_type: str, auth_key: str) -> None:
        now = utcnow()
        stmt = sa.insert(t.user_auth).values(user_id=user_id, auth_type=auth_type,
                                             auth_key=auth_key, create_time=now, update_time=now)
        try:
            await self._conn.execute(stmt)
        except IntegrityError as exc:
            raise AuthAlreadyBound() from exc
        self.written.add(user_id)

    async def find_user_id_by_auth(self, *, auth_type: str, auth_key: str) -> int | None:
        stmt = sa.select(t.user_auth.c.user_id).where(
            t.user_auth.c.auth_type == auth_type, t.user_auth.c.auth_key == auth_key
        )
        value = (await self._conn.execute(stmt)).scalar_one_or_none()
        return None if value is None else int(value)

    async def set_disabled(self, user_id: int, *, disabled: bool) -> bool:
        stmt = (
            sa.update(t.user)
            .where(t.user.c.id == user_id)
            .values(disabled=disabled, update_time=utcnow(), version=t.user.c.version + 1)
        )
        result = await self._conn.execute(stmt)
        self.written.add(user_id)
        return bool(result.rowcount)

    async def list_users(self, f: UserFilter, sort: Sort, *, offset: int,
                         limit: int) -> tuple[int, list[User]]:
        """Filtered, sorted, one page, and the total. Filters are bound parameters and `LIKE`
        patterns are escaped: a `%` or `_` in a filter matches itself."""
        c = t.user.c
        where: list[Any] = []
        if f.mobile:
            where.append(c.mobile.startswith(f.mobile, autoescape=True))
        if f.nickname:
            where.append(c.nickname.contains(f.nickname, autoescape=True))
        if f.disabled is not None:
            where.append(c.disabled == f.disabled)
        total = int((await self._conn.execute(
            sa.select(sa.func.count()).select_from(t.user).where(*where))).scalar_one())
        if offset >= total:
            return total, []
        if sort.key not in USER_SORTS:
            raise ValueError(f"unsupported sort key {sort.key!r}")
        column = c[sort.key]
        order = [column.desc() if sort.descending else column.asc()]
        if sort.key != "id":  # ties broken by id, so pages neither repeat nor skip users
            order.append(c.id.desc() if sort.descending else c.id.asc())
        rows = await self._conn.execute(
            sa.select(t.user).where(*where).order_by(*order).offset(offset).limit(limit))
        return total, [_to_user(r) for r in rows]

    async def record_audit(self, entry: AuditEntry) -> None:
        """The audit event of an admin write, in the same transaction as the write."""
        await add_to_outbox(self._conn, t.outbox, Event(
            topic=TOPIC_ADMIN_AUDIT, key=entry.resource, payload=msgspec.to_builtins(entry)))
