"""The per-client login budget counts each guest behind the web process, not the web process.

A site of its own with a tiny budget (3 an hour per client). Every request reaches it from
127.0.0.1, a trusted proxy, so `X-Forwarded-For` names the guest; the storefront forwards the
address it resolved to the API, and usercenter keys the budget by it.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from tests.integration.web.conftest import Site, new_mobile
from tests.support.servers import free_port
from yys.kit.settings import Settings
from yys.runtime.app import build_process
from yys.runtime.platform import build_platform
from yys.runtime.registry import SERVICES

pytestmark = pytest.mark.asyncio(loop_scope="module")

BUDGET = 3
WINDOW = 3600  # fixed windows: an hour makes crossing a window boundary mid-test unlikely
GUEST_A, GUEST_B, GUEST_C = "203.0.113.7", "198.51.100.9", "2001:db8::42"
LOGIN_RATE_LIMITED = 200004


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def small_budget(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    port = free_port()
    settings = Settings(data_dir=tmp_path_factory.mktemp("web-budget"), port=port,
                        login_rate_per_client=BUDGET, login_rate_per_mobile=100,
                        login_rate_window_seconds=WINDOW)
    running = Site(build_process(build_platform(settings), list(SERVICES)), port)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


def _not_near_a_window_edge() -> None:
    left = WINDOW - int(time.time()) % WINDOW
    if left < 10:
        time.sleep(left + 1)


async def _login(client: httpx.AsyncClient) -> httpx.Response:
    # An unregistered mobile: a failed login that still costs the client one attempt.
    return await client.post("/login", data={"mobile": new_mobile(), "password": "wrong-pass-1",
                                             "next": "/"})


async def test_guests_behind_the_web_process_have_budgets_of_their_own(small_budget: Site) -> None:
    _not_near_a_window_edge()
    site = small_budget
    async with site.browser(**{"X-Forwarded-For": GUEST_A, "Accept-Language": "en"}) as guest_a, \
            site.browser(**{"X-Forwarded-For": GUEST_B, "Accept-Language": "en"}) as guest_b:
        for _ in range(BUDGET):
            tried = await _login(guest_a)
            assert tried.status_code == 401 and "Wrong mobile number or password" in tried.text
        refused = await _login(guest_a)
        # The contract's 429 from usercenter, shown on the form in the page's words.
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("text/html")
        assert 'role="alert"' in refused.text and "Too many login attempts" in refused.text

        # Another guest through the same web process is not refused: a budget of their own.
        mobile = new_mobile()
        registered = await guest_b.post("/register", data={"mobile": mobile,
                                                           "password": "secret-pass-1", "next": "/"})
        assert registered.status_code == 303 and guest_b.cookies.get("yys_token")
        guest_b.cookies.clear()
        logged_in = await guest_b.post("/login", data={"mobile": mobile, "password": "secret-pass-1",
                                                       "next": "/orders"})
        assert logged_in.status_code == 303 and logged_in.headers["location"] == "/orders"
        assert (await _login(guest_b)).status_code == 401  # B's third attempt: still in budget

    async with site.api() as api:
        # The JSON API keys the same budget by the same address: A is over it, C (IPv6) is not.
        over = await api.post("/usercenter/v1/user/login", json={"mobile": new_mobile(),
                                                                 "password": "wrong-pass-1"},
                              headers={"X-Forwarded-For": GUEST_A})
        fresh = await api.post("/usercenter/v1/user/login", json={"mobile": new_mobile(),
                                                                  "password": "wrong-pass-1"},
                               headers={"X-Forwarded-For": f"6.6.6.6, {GUEST_C}"})
    assert over.status_code == 429
    assert over.json()["code"] == LOGIN_RATE_LIMITED and set(over.json()) == {"code", "msg"}
    assert int(over.headers["retry-after"]) >= 1
    assert fresh.status_code == 401


async def test_a_guest_without_a_forwarded_address_is_their_peer(small_budget: Site) -> None:
    # 127.0.0.1 with no header: the peer itself, a budget apart from the forwarded guests'.
    _not_near_a_window_edge()
    async with small_budget.browser(**{"Accept-Language": "en"}) as local:
        assert (await _login(local)).status_code == 401
