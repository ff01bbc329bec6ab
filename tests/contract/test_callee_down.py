"""A callee that is down answers the caller's HTTP request with 503 and the contract body,
quickly, and the same channel recovers by itself once the callee is back."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from litestar import Litestar, get

from tests.support.servers import free_port
from yys.clients.grpc import remote_client
from yys.contracts.usercenter import UserProfile
from yys.kit.hosting import HostedService
from yys.kit.http.errors import EXCEPTION_HANDLERS
from yys.kit.settings import Settings
from yys.runtime.rpc import build_server

PROFILE = UserProfile(id=1, nickname="Ada", avatar="", info="", sex=1)


class MemoryUsers:
    async def get_profiles(self, user_ids: Any) -> dict[int, UserProfile]:
        return {1: PROFILE} if 1 in user_ids else {}

    async def get_profile(self, user_id: int) -> UserProfile | None:
        return PROFILE if user_id == 1 else None


async def test_503_while_down_then_recovers_without_restart() -> None:
    port = free_port()
    users, remote = remote_client("usercenter", f"127.0.0.1:{port}", default_timeout=1.0,
                                  max_message_bytes=1 << 20)

    @get("/profile")
    async def profile() -> dict[str, Any]:
        found = await users.get_profile(1)
        return {"nickname": found.nickname if found else None}

    app = Litestar([profile], exception_handlers=EXCEPTION_HANDLERS)
    # ASGITransport runs the app on this event loop, where the gRPC channel and server live.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://edge") as http:
        started = time.monotonic()
        down = await http.get("/profile")
        assert down.status_code == 503
        assert down.json() == {"code": 100009, "msg": "service temporarily unavailable"}
        assert time.monotonic() - started < 2.0

        settings = Settings(host="127.0.0.1", grpc_port=port)
        server = build_server(settings, [HostedService("usercenter", local_client=MemoryUsers())])
        assert server is not None
        await server.start()
        try:
            deadline = time.monotonic() + 5.0
            status = 0
            while time.monotonic() < deadline:
                answer = await http.get("/profile")
                status = answer.status_code
                if status == 200:
                    assert answer.json() == {"nickname": "Ada"}
                    break
                assert answer.json()["code"] == 100009
                await asyncio.sleep(0.1)
            assert status == 200, "the channel did not reconnect on its own"
        finally:
            await server.stop(0)
            await remote.close()
