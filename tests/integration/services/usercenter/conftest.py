"""usercenter suites run against each database adapter: a SQLite file and the real MariaDB."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from yys.kit.db import Database
from yys.kit.migrations import upgrade
from yys.services.usercenter.wiring import MIGRATIONS


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'usercenter.db'}"
    return str(request.getfixturevalue("mariadb_url"))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A migrated usercenter schema."""
    database = Database(database_url, pool_size=5)
    await upgrade(database.engine, MIGRATIONS)
    try:
        yield database
    finally:
        await database.dispose()
