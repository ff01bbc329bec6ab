"""payment suites: repositories on SQLite and MariaDB, and the whole loop on a real server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn

from tests.support.servers import free_port
from yys.contracts.trade import OrderView
from yys.contracts.usercenter import UserProfile
from yys.kit.db import Database
from yys.kit.migrations import upgrade
from yys.kit.settings import Settings
from yys.kit.wechatpay.settings import WxPaySettings
from yys.runtime.app import Process, create_app
from yys.runtime.platform import build_platform
from yys.services.payment import wiring as payment_wiring
from yys.services.paysandbox import wiring as sandbox_wiring


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'payment.db'}"
    return str(request.getfixturevalue("mariadb_url"))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """Migrated payment and paysandbox schemas in one database."""
    database = Database(database_url, pool_size=5)
    await upgrade(database.engine, payment_wiring.MIGRATIONS)
    await upgrade(database.engine, sandbox_wiring.MIGRATIONS)
    try:
        yield database
    finally:
        await database.dispose()


class FakeOrders:
    """Stands in for the order service's client (bound as `order`)."""

    def __init__(self) -> None:
        self.orders: dict[str, OrderView] = {}

    def add(self, sn: str, *, user_id: int, total: int = 12_800, trade_state: int = 0) -> OrderView:
        order = OrderView(sn=sn, user_id=user_id, trade_state=trade_state, order_total_price=total,
                          title="西湖边的小院", create_time=1_700_000_000, homestay_id=1)
        self.orders[sn] = order
        return order

    async def get_order(self, sn: str) -> OrderView | None:
        return self.orders.get(sn)


class ActiveUsers:
    """Stands in for usercenter (bound as `usercenter`): every user exists and is active."""

    async def get_profile(self, user_id: int) -> UserProfile | None:
        return UserProfile(id=user_id, nickname=f"u{user_id}", avatar="", info="")

    async def get_profiles(self, user_ids: list[int]) -> dict[int, UserProfile]:
        return {uid: UserProfile(id=uid, nickname=f"u{uid}", avatar="", info="") for uid in user_ids}


class Server:
    """payment + paysandbox in one Litestar app on a real uvicorn server in this loop."""

    def __init__(self, process: Process, port: int, orders: FakeOrders) -> None:
        self.process = process
        self.port = port
        self.orders = orders
        self.base = f"http://127.0.0.1:{port}"
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        config = uvicorn.Config(create_app(self.process, migrate_on_start=True), host="127.0.0.1",
                                port=self.port, log_config=None, access_log=False, lifespan="on")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await asyncio.wait_for(self._task, 20)


def wx_settings(**overrides: object) -> WxPaySettings:
    values: dict[str, object] = {"notify_retry_base_seconds": 0.05, "notify_retry_max_seconds": 0.2,
                                 "notify_timeout_seconds": 2.0, **overrides}
    return WxPaySettings(**values)  # type: ignore[arg-type]


def build_server(tmp_path: Path, database_url: str | None = None,
                 wx: WxPaySettings | None = None) -> Server:
    from yys.clients import Clients

    port = free_port()
    settings = Settings(data_dir=tmp_path, port=port, database_url=database_url,
                        job_poll_interval_seconds=0.02)
    platform = build_platform(settings)
    clients = Clients()
    wx = wx or wx_settings()
    services = [payment_wiring.build_with(platform, clients, wx),
                sandbox_wiring.build_with(platform, clients, wx)]
    for svc in services:
        if svc.local_client is not None:
            clients.bind(svc.name, svc.local_client)
    orders = FakeOrders()
    clients.bind("order", orders)
    clients.bind("usercenter", ActiveUsers())
    return Server(Process(platform=platform, services=services, clients=clients), port, orders)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    srv = build_server(tmp_path)
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop()
