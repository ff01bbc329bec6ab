"""The console with its API unreachable: HTML pages that say so, never a crash or JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.support.servers import free_port
from yys.kit.settings import Settings
from yys.runtime.app import build_process, create_app
from yys.runtime.platform import build_platform

ORIGIN = "http://testserver.local"
Client = AsyncTestClient[Any]


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    # Only the web service; nothing listens where it expects the API.
    settings = Settings(data_dir=tmp_path, port=free_port())
    app = create_app(build_process(build_platform(settings), ["web"]))
    async with AsyncTestClient(app, base_url=ORIGIN) as test_client:
        yield test_client


async def test_the_login_form_needs_no_api(client: Client) -> None:
    resp = await client.get("/console/login", headers={"Accept-Language": "en"})
    assert resp.status_code == 200 and 'name="username"' in resp.text


async def test_logging_in_says_the_service_is_unavailable(client: Client) -> None:
    resp = await client.post("/console/login", data={"username": "admin", "password": "whatever-pw"},
                             headers={"Origin": ORIGIN, "Accept-Language": "en"})
    assert resp.status_code == 503 and "<html" in resp.text
    assert "service temporarily unavailable" in resp.text and 'role="alert"' in resp.text
    assert "set-cookie" not in resp.headers


async def test_a_page_is_a_console_error_page(client: Client) -> None:
    client.cookies.set("yys_console", "some.admin.token", path="/console")
    resp = await client.get("/console/orders", headers={"Accept-Language": "en"})
    assert resp.status_code == 503
    assert resp.headers["content-type"].startswith("text/html")
    assert "The service is unavailable" in resp.text and "yys console" in resp.text


async def test_an_htmx_request_gets_a_message_at_the_top_of_the_page(client: Client) -> None:
    client.cookies.set("yys_console", "some.admin.token", path="/console")
    resp = await client.get("/console/orders?tradeState=1", headers={"HX-Request": "true"})
    assert resp.status_code == 200
    assert resp.text.startswith('<p class="error" role="alert">') and "<html" not in resp.text
    assert resp.headers["hx-retarget"] == "#main" and resp.headers["hx-reswap"] == "afterbegin"
