"""The usercenter revisions upgrade to head and downgrade to base on both databases."""

from __future__ import annotations

import sqlalchemy as sa

from yys.kit.db import Database
from yys.kit.migrations import downgrade, upgrade, version_table
from yys.services.usercenter.wiring import MIGRATIONS

OWN = {"usercenter_user", "usercenter_user_auth"}


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names()))


async def test_upgrade_then_downgrade(database_url: str) -> None:
    db = Database(database_url)
    try:
        await upgrade(db.engine, MIGRATIONS)
        assert OWN | {version_table(MIGRATIONS)} <= await _tables(db)
        await upgrade(db.engine, MIGRATIONS)  # idempotent at head
        async with db.engine.connect() as conn:
            indexes = await conn.run_sync(
                lambda sync: sa.inspect(sync).get_unique_constraints("usercenter_user_auth"))
        assert {tuple(i["column_names"]) for i in indexes} >= {("auth_type", "auth_key"),
                                                              ("user_id", "auth_type")}
        await downgrade(db.engine, MIGRATIONS)
        assert not OWN & await _tables(db)
        await upgrade(db.engine, MIGRATIONS)  # and back again
        assert await _tables(db) >= OWN
    finally:
        await db.dispose()


async def test_metadata_matches_migrations(database_url: str) -> None:
    """Autogenerate would find nothing to do: models and revisions agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    db = Database(database_url)
    try:
        await upgrade(db.engine, MIGRATIONS)

        def diff(sync: sa.Connection) -> list[object]:
            ctx = MigrationContext.configure(sync, opts={"compare_type": True})
            changes = compare_metadata(ctx, MIGRATIONS.metadata)
            return [c for c in changes if _own(c)]

        async with db.engine.connect() as conn:
            assert await conn.run_sync(diff) == []
    finally:
        await db.dispose()


def _own(change: object) -> bool:
    text = repr(change)
    return "usercenter_" in text and "alembic_version" not in text
