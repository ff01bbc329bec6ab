"""Unknown paths under `yys up`: the web's 404 page for a browser, the contract's JSON otherwise."""

from __future__ import annotations

import pytest

from tests.integration.web.conftest import Site

pytestmark = pytest.mark.asyncio(loop_scope="module")

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(("path", "lang", "words"), [
    ("/foo", "en", "Page not found"),
    ("/a/b/c.html", "zh", "页面不存在"),
    ("/homestay/1/nothing-here", "en", "Page not found"),
])
async def test_a_browser_gets_the_page_in_its_language(site: Site, path: str, lang: str,
                                                       words: str) -> None:
    async with site.browser(Accept=BROWSER, **{"Accept-Language": lang}) as client:
        resp = await client.get(path)
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("text/html")
    assert words in resp.text and 'href="/"' in resp.text  # the site's layout, a way home
    # The pages' own headers, although no page route matched.
    assert "default-src 'self'" in resp.headers["content-security-policy"]
    assert resp.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(("path", "accept"), [
    ("/foo", None),  # httpx's default: */*
    ("/foo", "application/json"),
    ("/foo", "application/json, text/html"),
    ("/travel/v1/nothing", BROWSER),  # under an API prefix a browser gets the API's answer
    ("/usercenter/nothing", BROWSER),
    ("/nowhere/v1/x", BROWSER),  # the API's versioned shape, whatever the name
    ("/admin/v1/nothing", BROWSER),
    ("/metrics/nothing", BROWSER),
    ("/.well-known/nothing", BROWSER),
])
async def test_api_paths_and_clients_keep_the_json_404(site: Site, path: str,
                                                       accept: str | None) -> None:
    async with site.api() as client:
        resp = await client.get(path, headers={"Accept": accept} if accept else {})
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("application/json")
    assert resp.json() == {"code": 100007, "msg": "not found"}


async def test_known_routes_are_untouched(site: Site) -> None:
    async with site.browser(Accept=BROWSER) as client:
        health = await client.get("/healthz")
        api = await client.post("/travel/v1/homestay/guessList", json={})
        wrong_method = await client.delete("/travel/v1/homestay/guessList")
    assert health.status_code == 200
    assert api.status_code == 200 and api.headers["content-type"].startswith("application/json")
    assert wrong_method.status_code == 405 and set(wrong_method.json()) == {"code", "msg"}
