"""The web service's API client against a real HTTP server: answers, contract errors, other
failures, timeouts and an unreachable API all become data or `ApiError`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from tests.support.servers import free_port
from yys.services.web.api_client import ApiClient, ApiError


async def _ok(request: web.Request) -> web.Response:
    return web.json_response({"auth": request.headers.get("Authorization"),
                              "body": await request.json(),
                              "key": request.headers.get("Idempotency-Key")})


async def _conflict(_: web.Request) -> web.Response:
    return web.json_response({"code": 400006, "msg": "order state changed"}, status=409)


async def _proxy_page(_: web.Request) -> web.Response:
    return web.Response(text="<html>bad gateway</html>", status=502, content_type="text/html")


async def _slow(_: web.Request) -> web.Response:
    await asyncio.sleep(1)
    return web.json_response({})


async def _empty(_: web.Request) -> web.Response:
    return web.Response(status=200)


@pytest.fixture
async def base() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/ok", _ok)
    app.router.add_post("/conflict", _conflict)
    app.router.add_get("/proxy", _proxy_page)
    app.router.add_get("/slow", _slow)
    app.router.add_delete("/empty", _empty)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_answers_and_the_bearer_token(base: str) -> None:
    client = ApiClient(base + "/")
    try:
        got = await client.post("/ok", {"a": 1}, token="t0k", headers={"Idempotency-Key": "k1"})
        assert got == {"auth": "Bearer t0k", "body": {"a": 1}, "key": "k1"}
        assert (await client.post("/ok"))["body"] == {}  # no body is `{}`, like the API expects
        assert await client.delete("/empty") == {}
    finally:
        await client.close()


async def test_failures_become_api_errors(base: str) -> None:
    client = ApiClient(base, timeout=0.2)
    try:
        with pytest.raises(ApiError) as conflict:
            await client.post("/conflict")
        assert (conflict.value.status, conflict.value.code, conflict.value.msg) == (
            409, 400006, "order state changed")
        with pytest.raises(ApiError) as proxy:
            await client.get("/proxy")
        assert (proxy.value.status, proxy.value.msg) == (502, "server error")  # no HTML leaks
        with pytest.raises(ApiError) as slow:
            await client.get("/slow")
        assert (slow.value.status, slow.value.msg) == (503, "service temporarily unavailable")
    finally:
        await client.close()


async def test_an_unreachable_api_is_unavailable() -> None:
    client = ApiClient(f"http://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(ApiError) as down:
            await client.post("/anything")
        assert down.value.status == 503
    finally:
        await client.close()
