"""A migrated travel schema on SQLite and on real MariaDB, with a small generated catalogue."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from litestar.testing import AsyncTestClient

from tests.support.admin import FakeAdminClient, role_headers
from yys.contracts.admin import TOPIC_ADMIN_AUDIT
from yys.contracts.trade import OrderView
from yys.kit.db import Database
from yys.kit.migrations import upgrade
from yys.kit.settings import Settings
from yys.runtime.app import Process, build_process, create_app
from yys.runtime.platform import build_platform
from yys.runtime.seed import seed_demo_if_empty
from yys.services.travel.seed import CataloguePlan, SeedResult, seed_catalogue
from yys.services.travel.tables import outbox
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


# --- the catalogue admin API and addComment over HTTP (usercenter + travel, demo seed) ----------

@dataclass
class AdminApi:
    client: AsyncTestClient[Any]
    process: Process
    roles: dict[str, dict[str, str]]
    orders: FakeOrderClient

    async def run(self, fn: Callable[..., Awaitable[Any]], *args: Any) -> Any:
        """Run on the app's loop (the test client serves it from its own thread)."""
        return await asyncio.to_thread(self.client.blocking_portal.call, fn, *args)

    async def call(self, method: str, path: str, *, role: str | None = "operator",
                   status: int = 200, **kwargs: Any) -> Any:
        headers = self.roles[role] if role else {}
        response = await self.client.request(method, path, headers=headers, **kwargs)
        assert response.status_code == status, (method, path, response.text)
        return response.json() if response.content else None

    async def public(self, path: str, body: Any = None, status: int = 200,
                     headers: dict[str, str] | None = None) -> Any:
        response = await self.client.post("/travel/v1" + path, json=body or {}, headers=headers)
        assert response.status_code == status, (path, response.text)
        return response.json()

    async def audits(self) -> list[dict[str, Any]]:
        """The audit events travel wrote to its outbox, oldest first."""
        db = self.process.platform.database("travel")

        async def read() -> list[dict[str, Any]]:
            async with db.read() as conn:
                rows = await conn.execute(sa.select(outbox.c.topic, outbox.c.payload)
                                          .order_by(outbox.c.id))
                return [json.loads(r.payload) for r in rows if r.topic == TOPIC_ADMIN_AUDIT]

        result: list[dict[str, Any]] = await self.run(read)
        return result


class FakeOrderClient:
    """The order service as travel sees it: orders by sn."""

    def __init__(self) -> None:
        self.orders: dict[str, OrderView] = {}

    def add(self, sn: str, *, user_id: int, homestay_id: int, trade_state: int) -> None:
        self.orders[sn] = OrderView(sn=sn, user_id=user_id, trade_state=trade_state,
                                    order_total_price=10000, title="t", homestay_id=homestay_id,
                                    create_time=0)

    async def get_order(self, sn: str) -> OrderView | None:
        return self.orders.get(sn)


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def app_database_url(request: pytest.FixtureRequest) -> str | None:
    """None: the default SQLite file in the data dir."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("mariadb_url")
    return url


@pytest.fixture
async def admin_api(tmp_path: Path, app_database_url: str | None) -> AsyncIterator[AdminApi]:
    settings = Settings(data_dir=tmp_path, database_url=app_database_url,
                        password_hash_time_cost=1, password_hash_memory_kib=8192)
    platform = build_platform(settings)
    process = build_process(platform, ["usercenter", "travel"])
    process.clients.bind("admin", FakeAdminClient())
    orders = FakeOrderClient()
    process.clients.bind("order", orders)
    async with AsyncTestClient(create_app(process, migrate_on_start=True)) as client:
        api = AdminApi(client, process, role_headers(platform.admin_tokens), orders)
        await api.run(seed_demo_if_empty, process)
        yield api
