"""Both bindings of the client interfaces side by side: the in-process one and the same object
served over real gRPC on a free local port (SQLite in a temporary data dir, a little data)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from yys.clients.grpc import remote_client
from yys.kit.hosting import HostedService
from yys.kit.rpc import RemoteService, RpcServer
from yys.kit.settings import Settings
from yys.runtime.app import Process, build_process
from yys.runtime.platform import build_platform, close_platform
from yys.runtime.rpc import build_server
from yys.services.travel import seed as travel_seed
from yys.services.travel.seed_data import DEMO_BUSINESSES
from yys.services.usercenter.seed import seed_hosts, seed_users


@dataclass
class Served:
    """A running gRPC server and remote clients pointed at it."""

    server: RpcServer
    remotes: list[RemoteService[Any]] = field(default_factory=list)

    def client(self, name: str, *, timeout: float = 5.0) -> Any:
        client, remote = remote_client(name, f"127.0.0.1:{self.server.port}",
                                       default_timeout=timeout, max_message_bytes=4 * 1024 * 1024)
        self.remotes.append(remote)
        return client

    async def close(self) -> None:
        for remote in self.remotes:
            await remote.close()
        await self.server.stop(0)


async def serve(settings: Settings, services: list[HostedService]) -> Served:
    server = build_server(settings, services, port=0)
    assert server is not None
    await server.start()
    return Served(server)


@dataclass
class World:
    process: Process
    served: Served
    hosts: list[int]
    guests: list[int]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, host="127.0.0.1", password_hash_time_cost=1,
                    password_hash_memory_kib=1024)


@pytest.fixture
async def world(settings: Settings) -> AsyncIterator[World]:
    """usercenter, travel and mqueue on one SQLite file, with hosts, guests and the demo
    catalogue; their local clients served over gRPC."""
    platform = build_platform(settings)
    process = build_process(platform, ["usercenter", "travel", "mqueue"])
    await process.migrate()
    users_db = platform.database("usercenter")
    hosts = await seed_hosts(users_db, platform.hasher, count=len(DEMO_BUSINESSES))
    guests = await seed_users(users_db, platform.hasher, count=3)
    await travel_seed.seed_demo(platform.database("travel"), hosts=hosts, guests=guests)
    served = await serve(settings, process.services)
    try:
        yield World(process, served, hosts, guests)
    finally:
        await served.close()
        await close_platform(platform)
