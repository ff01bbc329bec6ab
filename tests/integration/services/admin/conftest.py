"""admin suites run against each database adapter: a SQLite file and the real MariaDB."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from yys.kit.db import Database
from yys.kit.migrations import upgrade
from yys.kit.settings import Settings
from yys.runtime.app import Process, build_process, create_app
from yys.runtime.platform import build_platform
from yys.services.admin.wiring import MIGRATIONS


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'admin.db'}"
    return str(request.getfixturevalue("mariadb_url"))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A migrated admin schema."""
    database = Database(database_url, pool_size=5)
    await upgrade(database.engine, MIGRATIONS)
    try:
        yield database
    finally:
        await database.dispose()


# --- HTTP: the admin service in one process (the app migrates on start) ------------------------

BASE = "/admin/v1"
ROOT_PASSWORD = "bootstrap-pass1"
Client = AsyncTestClient[Any]


def admin_settings(tmp_path: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        data_dir=tmp_path, admin_password=ROOT_PASSWORD, admin_login_max_failures=3,
        admin_login_lockout_seconds=60, login_rate_per_client=1000, password_hash_time_cost=1,
        password_hash_memory_kib=1024)
    if not database_url.startswith("sqlite"):
        values["database_url"] = database_url
    values.update(overrides)
    return Settings(**values)


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[tuple[Client, Process]]:
    process = build_process(build_platform(settings), ["admin"])
    async with AsyncTestClient(create_app(process, migrate_on_start=True)) as test_client:
        yield test_client, process


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return admin_settings(tmp_path, database_url)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    async with running(settings) as (test_client, _):
        yield test_client


async def on_app_loop(client: Client, fn: Callable[[], Awaitable[Any]]) -> Any:
    """Run `fn` on the app's loop (the test client serves it from its own thread): the bus and
    the engines belong to that loop."""
    return await asyncio.to_thread(client.blocking_portal.call, fn)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(resp: Any, status: int, code: int | None = None) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    body: dict[str, Any] = resp.json()
    assert set(body) == {"code", "msg"} and body["msg"]
    if code is not None:
        assert body["code"] == code, body
    return body


async def login(client: Client, username: str = "admin", password: str = ROOT_PASSWORD) -> str:
    resp = await client.post(f"{BASE}/auth/login", json={"username": username, "password": password})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["accessToken"])


async def create_manager(client: Client, root: str, username: str, role: str,
                         password: str = "password-1") -> dict[str, Any]:
    resp = await client.post(f"{BASE}/managers", headers=bearer(root),
                             json={"username": username, "password": password, "role": role})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body
