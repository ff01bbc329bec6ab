"""SQL client metrics on SQLite (file) and the real MariaDB: statements timed per service and
operation, errors by kind, pool connections by state."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from yys.kit.db import Databases


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    return str(request.getfixturevalue("mariadb_url"))


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def count(service: str, operation: str) -> float:
    return sample("yys_db_client_operation_duration_seconds_count", service=service,
                  db_operation=operation)


async def test_statements_errors_and_pool_by_service(url: str) -> None:
    databases = Databases(pool_size=3)
    # Two services on one URL share the pool, yet each statement is counted under its service.
    alpha, beta = databases.for_service(url, "alpha"), databases.for_service(url, "beta")
    assert alpha.engine.sync_engine.pool is beta.engine.sync_engine.pool
    before = {(s, op): count(s, op) for s in ("alpha", "beta")
              for op in ("select", "insert", "update", "delete", "other")}
    errors_before = sample("yys_db_client_errors_total", service="beta", error_type="integrity")
    try:
        async with alpha.unit_of_work() as conn:
            await conn.execute(text("CREATE TABLE metric_t (id INTEGER PRIMARY KEY, v INTEGER)"))
            await conn.execute(text("INSERT INTO metric_t (id, v) VALUES (1, 1)"))
            await conn.execute(text("UPDATE metric_t SET v = 2 WHERE id = 1"))
        async with beta.read() as conn:
            assert (await conn.execute(text("\n  SELECT v FROM metric_t"))).scalar_one() == 2
            # While this connection is checked out, the pool reports it as used.
            families = {m.name: m for m in REGISTRY.collect()}
            pool = {s.labels["state"]: s.value
                    for s in families["yys_db_client_connections"].samples
                    if s.labels["service"] == "alpha,beta"}
            assert pool["used"] == 1 and pool["idle"] >= 0
        with pytest.raises(IntegrityError):
            async with beta.unit_of_work() as conn:
                await conn.execute(text("INSERT INTO metric_t (id, v) VALUES (1, 3)"))
        async with alpha.unit_of_work() as conn:
            await conn.execute(text("DELETE FROM metric_t"))
    finally:
        await databases.dispose()

    def delta(service: str, op: str) -> float:
        return count(service, op) - before[(service, op)]

    assert delta("alpha", "other") >= 1  # CREATE TABLE
    assert (delta("alpha", "insert"), delta("alpha", "update"), delta("alpha", "delete")) == (1, 1, 1)
    assert delta("beta", "select") == 1 and delta("beta", "insert") == 0  # it raised: not timed
    assert sample("yys_db_client_errors_total", service="beta",
                  error_type="integrity") - errors_before == 1
    # A disposed pool is no longer reported.
    families = {m.name: m for m in REGISTRY.collect()}
    assert not [s for s in families["yys_db_client_connections"].samples
                if s.labels["service"] == "alpha,beta"]
