"""The web service alone, its API unreachable: every page still answers with HTML and says why."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from tests.support.servers import free_port
from yys.kit.settings import Settings
from yys.runtime.app import build_process, create_app
from yys.runtime.platform import build_platform


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    # Nothing listens on the API's address (the process's own port: it is not served here).
    settings = Settings(data_dir=tmp_path, port=free_port())
    app = create_app(build_process(build_platform(settings), ["web"]))
    async with AsyncTestClient(app, base_url="http://testserver.local") as test_client:
        yield test_client


async def test_home_shows_each_section_s_error_in_place(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    resp = await client.get("/", headers={"Accept-Language": "en"})
    assert resp.status_code == 200
    assert resp.text.count("Service temporarily unavailable, please try again") == 3
    assert "Preferred homestays" in resp.text


async def test_a_page_that_needs_the_api_is_an_error_page(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    resp = await client.get("/homestay/1", headers={"Accept-Language": "en"})
    assert resp.status_code == 503
    assert resp.headers["content-type"].startswith("text/html")
    assert "Server error" in resp.text and "Service temporarily unavailable" in resp.text


async def test_an_htmx_fragment_gets_an_inline_message(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    resp = await client.post("/homestay/1/price", data={"start": "2030-01-01", "end": "2030-01-02"},
                             headers={"HX-Request": "true", "Origin": "http://testserver.local"})
    assert resp.status_code == 200
    assert resp.text.startswith('<p class="error" role="alert">')


async def test_login_with_the_api_down_is_an_error_page_not_a_crash(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    resp = await client.post("/login", data={"mobile": "13800000000", "password": "password123"},
                             headers={"Origin": "http://testserver.local"})
    assert resp.status_code == 503 and "<html" in resp.text
    assert "set-cookie" not in resp.headers
