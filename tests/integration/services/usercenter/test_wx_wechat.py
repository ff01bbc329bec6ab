"""The real code2session adapter against a local stand-in of the WeChat endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from tests.support.servers import free_port
from yys.kit.errors import Unavailable
from yys.services.usercenter.domain import WxAuthFailed
from yys.services.usercenter.wx_wechat import WechatWxMiniProvider


async def _code2session(request: web.Request) -> web.Response:
    query = request.query
    if query.get("appid") != "wx-app" or query.get("secret") != "s3cret":
        return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"},
                                 content_type="text/plain")
    if query.get("js_code") != "good" or query.get("grant_type") != "authorization_code":
        return web.json_response({"errcode": 40029, "errmsg": "invalid code"},
                                 content_type="text/plain")
    # WeChat labels its JSON as text/plain; the adapter must not care.
    return web.json_response({"openid": "o-123", "session_key": "a2V5a2V5a2V5a2V5a2V5aw=="},
                             content_type="text/plain")


@pytest.fixture
async def url() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/sns/jscode2session", _code2session)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}/sns/jscode2session"
    finally:
        await runner.cleanup()


async def test_code_to_session(url: str) -> None:
    provider = WechatWxMiniProvider(appid="wx-app", secret="s3cret", url=url)
    try:
        session = await provider.code_to_session("good")
        assert session.openid == "o-123"
        with pytest.raises(WxAuthFailed):
            await provider.code_to_session("used-code")
    finally:
        await provider.close()


async def test_wrong_secret_is_a_failed_login(url: str) -> None:
    provider = WechatWxMiniProvider(appid="wx-app", secret="nope", url=url)
    try:
        with pytest.raises(WxAuthFailed):
            await provider.code_to_session("good")
    finally:
        await provider.close()


async def test_unreachable_wechat_is_unavailable() -> None:
    provider = WechatWxMiniProvider(appid="wx-app", secret="s3cret",
                                    url=f"http://127.0.0.1:{free_port()}/x", timeout=1)
    try:
        with pytest.raises(Unavailable):
            await provider.code_to_session("good")
    finally:
        await provider.close()
