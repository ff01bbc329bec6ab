"""A migrated travel schema on SQLite and on real MariaDB, with a small generated catalogue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from yys.kit.db import Database
from yys.kit.migrations import upgrade
from yys.services.travel.seed import CataloguePlan, SeedResult, seed_catalogue
from yys.services.travel.wiring import migration_spec

PLAN = CataloguePlan(homestays=130, businesses=4, comments_per_homestay=3, hosts=[1, 2, 3, 4],
                     guests=[10, 11, 12])


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'travel.db'}"
    url: str = request.getfixturevalue("mariadb_url")
    return url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await upgrade(database.engine, migration_spec())
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def seeded(db: Database) -> SeedResult:
    return await seed_catalogue(db, PLAN)
