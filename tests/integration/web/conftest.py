"""The whole platform in this test's loop on a real uvicorn server (embedded SQLite, demo data),
so the web pages call the JSON API over real HTTP exactly as under `yys up`."""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
import uvicorn

from tests.support.servers import free_port
from yys.kit.settings import Settings
from yys.runtime.app import Process, build_process, create_app
from yys.runtime.platform import build_platform
from yys.runtime.registry import SERVICES
from yys.runtime.seed import seed_demo_if_empty

ADMIN_PASSWORD = "web-tests-admin-pw"


class Site:
    def __init__(self, process: Process, port: int) -> None:
        self.process = process
        self.base = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(create_app(process), host="127.0.0.1", port=port, log_config=None,
                                access_log=False, lifespan="on", proxy_headers=False)  # as serve.py
        self._server = uvicorn.Server(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.process.migrate()
        await seed_demo_if_empty(self.process)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await asyncio.wait_for(self._task, 20)

    def browser(self, **headers: str) -> httpx.AsyncClient:
        """A client that behaves like this site's pages: same Origin, cookies kept."""
        return httpx.AsyncClient(base_url=self.base, headers={"Origin": self.base, **headers},
                                 follow_redirects=False, timeout=10)

    def api(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base, timeout=10)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    data_dir: Path = tmp_path_factory.mktemp("web")
    port = free_port()
    settings = Settings(data_dir=data_dir, port=port, job_poll_interval_seconds=0.05,
                        admin_password=ADMIN_PASSWORD)  # type: ignore[arg-type]
    running = Site(build_process(build_platform(settings), list(SERVICES)), port)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


def new_mobile() -> str:
    # Far from the demo's hosts and guests (138…/139…); random, so reruns never collide.
    return str(random.randrange(15_000_000_000, 15_999_999_999))


async def register(client: httpx.AsyncClient, mobile: str | None = None) -> str:
    mobile = mobile or new_mobile()
    resp = await client.post("/register", data={"mobile": mobile, "password": "secret-pass-1",
                                                 "next": "/"})
    assert resp.status_code == 303, resp.text
    return mobile


def order_sn_from(location: str) -> str:
    match = re.fullmatch(r"/orders/(HSO\w+)", location)
    assert match, location
    return match.group(1)
