"""`yys seed`: migrates, then bulk-loads users and a generated catalogue of the given size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from yys.kit.db import Database
from yys.kit.settings import Settings
from yys.runtime.seed import run_seed_command
from yys.services.travel import tables as t


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
async def test_seed_command_loads_the_requested_sizes(backend: str, tmp_path: Path,
                                                      request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("mariadb_url") if backend == "mariadb" else None
    settings = Settings(data_dir=tmp_path, database_url=url, password_hash_time_cost=1,
                        password_hash_memory_kib=8192)
    await run_seed_command(settings, homestays=1200, businesses=12, users=30, comments=2)
    db = Database(settings.database_url_for("travel"))
    try:
        async with db.read() as conn:
            def count(table: sa.Table) -> sa.Select[Any]:
                return sa.select(sa.func.count()).select_from(table)

            assert (await conn.execute(count(t.homestay))).scalar_one() == 1200
            assert (await conn.execute(count(t.homestay_business))).scalar_one() == 12
            comments = (await conn.execute(count(t.homestay_comment))).scalar_one()
            owners = {r[0] for r in await conn.execute(sa.select(t.homestay.c.user_id))}
    finally:
        await db.dispose()
    assert 1200 < comments < 1200 * 4
    assert len(owners) == 12
