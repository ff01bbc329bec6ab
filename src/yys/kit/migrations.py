"""Alembic, driven from code: one script folder and one version table per service.

Several services may share one database (the embedded SQLite file, or a shared dev schema), so
each service's migrations only ever see the tables of its own metadata.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from yys.kit.hosting import MigrationSpec


def _config(spec: MigrationSpec, connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "alembic"))
    cfg.set_main_option("version_locations", str(spec.versions))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["spec"] = spec
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def version_table(spec: MigrationSpec) -> str:
    return f"alembic_version_{spec.service}"


def run_env(context: Any) -> None:
    """Body of every service's `migrations/env.py` (online mode only)."""
    spec: MigrationSpec = context.config.attributes["spec"]
    connection: Connection = context.config.attributes["connection"]
    own = set(spec.metadata.tables)

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool, _other: Any) -> bool:
        if type_ == "table":
            return name in own
        table = getattr(obj, "table", None)
        return table is None or table.name in own

    context.configure(
        connection=connection,
        target_metadata=spec.metadata,
        version_table=version_table(spec),
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def upgrade(engine: AsyncEngine, spec: MigrationSpec, revision: str = "head") -> None:
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(_config(spec, sync), revision))


async def downgrade(engine: AsyncEngine, spec: MigrationSpec, revision: str = "base") -> None:
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.downgrade(_config(spec, sync), revision))


async def make_revision(engine: AsyncEngine, spec: MigrationSpec, message: str) -> None:
    """Autogenerate a new revision from the difference between metadata and the database."""
    async with engine.begin() as conn:
        await conn.run_sync(
            lambda sync: command.revision(_config(spec, sync), message=message, autogenerate=True)
        )
