"""SQL adapters of the admin repositories on one `AsyncConnection` (the caller's transaction)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from yys.contracts.admin import AdminRole
from yys.services.admin import tables as t
from yys.services.admin.domain import (
    AuditFilter,
    AuditRecord,
    Manager,
    ManagerChange,
    ManagerFilter,
    NewManager,
    PageRequest,
    UsernameTaken,
)


def utcnow() -> datetime:
    # Stored naive in UTC: SQLite has no time zones and MariaDB DATETIME none either.
    return datetime.now(UTC).replace(tzinfo=None)


def unix(value: datetime) -> int:
    return int(value.replace(tzinfo=UTC).timestamp())


def _to_manager(row: Any) -> Manager:
    return Manager(id=int(row.id), username=row.username, password_hash=row.password,
                   role=AdminRole.parse(row.role), disabled=bool(row.disabled),
                   failed_logins=int(row.failed_logins), locked_until=int(row.locked_until),
                   version=int(row.version), create_time=unix(row.create_time),
                   update_time=unix(row.update_time))


class SqlManagerRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, manager_id: int, *, for_update: bool = False) -> Manager | None:
        query = sa.select(t.manager).where(t.manager.c.id == manager_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        return None if row is None else _to_manager(row)

    async def get_by_username(self, username: str) -> Manager | None:
        query = sa.select(t.manager).where(t.manager.c.username == username)
        row = (await self._conn.execute(query)).first()
        return None if row is None else _to_manager(row)

    async def any_exists(self) -> bool:
        found = (await self._conn.execute(sa.select(t.manager.c.id).limit(1))).first()
        return found is not None

    async def lock_active_superadmins(self) -> list[int]:
        # FOR UPDATE serialises manager writes on MariaDB (rendered as nothing on SQLite, whose
        # admin writes begin IMMEDIATE and are serialised by the database lock instead). Ordered
        # by id so concurrent writers queue on the same first row instead of deadlocking.
        query = (sa.select(t.manager.c.id)
                 .where(t.manager.c.role == AdminRole.SUPERADMIN.label,
                        t.manager.c.disabled == sa.false())
                 .order_by(t.manager.c.id).with_for_update())
        return [int(v) for v in (await self._conn.execute(query)).scalars()]

    async def create(self, new: NewManager) -> Manager:
        now = utcnow()
        stmt = sa.insert(t.manager).values(
            username=new.username, password=new.password_hash, role=new.role.label,
            disabled=False, failed_logins=0, locked_until=0, create_time=now, update_time=now,
            version=0)
        try:
            # The unique index decides races between two creators of one username.
            result = await self._conn.execute(stmt)
        except IntegrityError as exc:
            raise UsernameTaken() from exc
        created = await self.get(int(result.inserted_primary_key[0]))  # type: ignore[index]
        assert created is not None
        return created

    async def update(self, manager_id: int, *, version: int, change: ManagerChange) -> Manager | None:
        values: dict[str, Any] = {"update_time": utcnow(), "version": t.manager.c.version + 1}
        if change.role is not None:
            values["role"] = change.role.label
        if change.password_hash is not None:
            values["password"] = change.password_hash
        if change.disabled is not None:
            values["disabled"] = change.disabled
        stmt = (sa.update(t.manager)
                .where(t.manager.c.id == manager_id, t.manager.c.version == version)
                .values(**values))
        if not (await self._conn.execute(stmt)).rowcount:
            return None
        return await self.get(manager_id)

    async def delete(self, manager_id: int, *, version: int) -> bool:
        stmt = sa.delete(t.manager).where(t.manager.c.id == manager_id,
                                          t.manager.c.version == version)
        return bool((await self._conn.execute(stmt)).rowcount)

    async def set_login_state(self, manager_id: int, *, failed_logins: int, locked_until: int) -> None:
        stmt = (sa.update(t.manager).where(t.manager.c.id == manager_id)
                .values(failed_logins=failed_logins, locked_until=locked_until))
        await self._conn.execute(stmt)

    async def search(self, where: ManagerFilter, page: PageRequest) -> tuple[int, list[Manager]]:
        conditions: list[sa.ColumnElement[bool]] = []
        if where.username:
            # autoescape: '%' and '_' typed by the caller match themselves, not anything.
            conditions.append(t.manager.c.username.startswith(where.username, autoescape=True))
        if where.role is not None:
            conditions.append(t.manager.c.role == where.role.label)
        total = (await self._conn.execute(
            sa.select(sa.func.count()).select_from(t.manager).where(*conditions))).scalar_one()
        rows = await self._conn.execute(
            sa.select(t.manager).where(*conditions).order_by(t.manager.c.id)
            .limit(page.page_size).offset(page.offset))
        return int(total), [_to_manager(r) for r in rows]


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else msgspec.json.encode(value).decode()


def _unjson(value: str | None) -> dict[str, Any] | None:
    if value is None:
        return None
    decoded = msgspec.json.decode(value)
    return decoded if isinstance(decoded, dict) else {"value": decoded}


def _to_record(row: Any) -> AuditRecord:
    return AuditRecord(id=int(row.id), event_id=row.event_id, actor_id=int(row.actor_id),
                       actor_name=row.actor_name, action=row.action, resource=row.resource,
                       resource_id=row.resource_id, at=int(row.at), before=_unjson(row.before),
                       after=_unjson(row.after), service=row.service)


class SqlAuditRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, record: AuditRecord) -> bool:
        exists = await self._conn.execute(
            sa.select(t.audit_log.c.id).where(t.audit_log.c.event_id == record.event_id))
        if exists.first() is not None:
            return False
        stmt = sa.insert(t.audit_log).values(
            event_id=record.event_id, actor_id=record.actor_id, actor_name=record.actor_name[:64],
            action=record.action[:32], resource=record.resource[:64],
            resource_id=record.resource_id[:128], before=_json(record.before),
            after=_json(record.after), at=record.at, service=record.service[:32])
        try:
            await self._conn.execute(stmt)
        except IntegrityError:
            # Two consumers raced on one redelivered event: the unique index kept one row.
            return False
        return True

    async def search(self, where: AuditFilter, page: PageRequest) -> tuple[int, list[AuditRecord]]:
        c = t.audit_log.c
        conditions: list[sa.ColumnElement[bool]] = []
        if where.resource:
            conditions.append(c.resource == where.resource)
        if where.actor_id is not None:
            conditions.append(c.actor_id == where.actor_id)
        if where.action:
            conditions.append(c.action == where.action)
        if where.since is not None:
            conditions.append(c.at >= where.since)
        if where.until is not None:
            conditions.append(c.at <= where.until)
        total = (await self._conn.execute(
            sa.select(sa.func.count()).select_from(t.audit_log).where(*conditions))).scalar_one()
        rows = await self._conn.execute(
            sa.select(t.audit_log).where(*conditions).order_by(c.at.desc(), c.id.desc())
            .limit(page.page_size).offset(page.offset))
        return int(total), [_to_record(r) for r in rows]
