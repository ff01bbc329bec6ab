"""Storefront pages over the in-process platform: content, languages, errors, CSRF."""

from __future__ import annotations

import re

import pytest

from tests.integration.web.conftest import Site, register

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_home_lists_the_three_sections_in_chinese_by_default(site: Site) -> None:
    async with site.browser() as client:
        resp = await client.get("/")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    html = resp.text
    assert '<html lang="zh-CN">' in html
    for heading in ("优选民宿", "好房东", "猜你喜欢"):
        assert heading in html
    assert len(re.findall(r'href="/homestay/\d+"', html)) >= 3
    assert '<script src="/static/vendor/htmx.min.js" defer></script>' in html
    assert "cdn" not in html.lower()
    assert "default-src 'self'" in resp.headers["content-security-policy"]


async def test_accept_language_then_the_switch_choose_the_language(site: Site) -> None:
    async with site.browser(**{"Accept-Language": "en-US,en;q=0.9,zh;q=0.5"}) as client:
        resp = await client.get("/")
        assert '<html lang="en">' in resp.text and "Preferred homestays" in resp.text
        switched = await client.post("/lang", data={"lang": "zh", "next": "/login"})
        assert switched.status_code == 303 and switched.headers["location"] == "/login"
        assert "yys_lang=zh" in switched.headers["set-cookie"]
        page = await client.get("/login")
        assert '<html lang="zh-CN">' in page.text and "手机号" in page.text


async def test_unsafe_requests_from_elsewhere_are_refused(site: Site) -> None:
    async with site.api() as client:
        no_origin = await client.post("/lang", data={"lang": "en", "next": "/"})
        foreign = await client.post("/login", data={"mobile": "13800000000", "password": "x"},
                                    headers={"Origin": "https://evil.example"})
        referer_ok = await client.post("/lang", data={"lang": "en", "next": "/"},
                                       headers={"Referer": site.base + "/login"})
    for resp in (no_origin, foreign):
        assert resp.status_code == 403
        assert resp.headers["content-type"].startswith("text/html")
        assert 'role="alert"' in resp.text
        assert "set-cookie" not in resp.headers
    assert referer_ok.status_code == 303


async def test_homestay_page_has_gallery_price_comments_and_a_labelled_form(site: Site) -> None:
    async with site.browser() as client:
        resp = await client.get("/homestay/1")
    assert resp.status_code == 200
    html = resp.text
    assert 'class="gallery"' in html and "住客点评" in html
    for field in ("start", "end", "people"):
        assert f'<label for="{field}">' in html and f'id="{field}"' in html
    assert 'hx-post="/homestay/1/price"' in html
    assert re.search(r'data-total-fen="\d+"', html)
    assert 'href="/login?next=/homestay/1"' in html  # guests log in to book


async def test_a_missing_homestay_is_a_404_page_not_json(site: Site) -> None:
    async with site.browser() as client:
        resp = await client.get("/homestay/999999")
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("text/html")
    assert "页面不存在" in resp.text and "{" not in resp.text.split("<main", 1)[1].split("</main>")[0]


async def test_login_errors_show_on_the_form_and_logout_clears_the_cookie(site: Site) -> None:
    async with site.browser(**{"Accept-Language": "en"}) as client:
        mobile = await register(client)
        cookie = client.cookies.get("yys_token")
        assert cookie
        wrong = await client.post("/login", data={"mobile": mobile, "password": "wrong-password",
                                                  "next": "/orders"})
        assert wrong.status_code == 401
        assert 'id="auth-error"' in wrong.text and f'value="{mobile}"' in wrong.text
        ok = await client.post("/login", data={"mobile": mobile, "password": "secret-pass-1",
                                               "next": "//evil.example/"})
        assert ok.status_code == 303 and ok.headers["location"] == "/"  # no open redirect
        set_cookie = ok.headers["set-cookie"].lower()
        assert "httponly" in set_cookie and "samesite=lax" in set_cookie
        out = await client.post("/logout")
        assert out.status_code == 303 and "yys_token" not in client.cookies
        again = await client.get("/orders")
        assert again.status_code == 303 and again.headers["location"] == "/login?next=%2Forders"


async def test_a_taken_mobile_is_explained_in_place(site: Site) -> None:
    async with site.browser() as client:
        mobile = await register(client)
    async with site.browser() as other:
        resp = await other.post("/register", data={"mobile": mobile, "password": "secret-pass-1"})
    assert resp.status_code == 409
    assert 'id="auth-error"' in resp.text and "<form" in resp.text
    assert "该手机号已注册" in resp.text  # the page's own words, in the page's language


async def test_an_expired_session_goes_back_to_login(site: Site) -> None:
    async with site.browser() as client:
        client.cookies.set("yys_token", "not-a-token")
        resp = await client.get("/orders")
        frag = await client.get("/orders/HSO1/status", headers={"HX-Request": "true"})
    assert resp.status_code == 303 and resp.headers["location"].startswith("/login?next=")
    assert frag.headers["hx-redirect"].startswith("/login?next=")


async def test_the_platform_s_own_paths_still_answer_next_to_the_pages(site: Site) -> None:
    async with site.api() as client:
        await client.get("/homestay/1")
        health = await client.get("/healthz")
        metrics = await client.get("/metrics")
        docs = await client.get("/docs/openapi.json")
        api = await client.post("/travel/v1/homestay/guessList", json={})
        missing = await client.get("/no/such/path")
    assert health.status_code == 200 and metrics.status_code == 200
    # Pages are counted per route template like every other route.
    counted = [line for line in metrics.text.splitlines()
               if line.startswith("yys_http_server_requests_total{") and 'route="/homestay/' in line]
    assert counted and 'service="web"' in counted[0]
    paths = docs.json()["paths"]
    assert "/travel/v1/homestay/guessList" in paths
    assert not any(p == "/" or p.startswith(("/homestay", "/orders", "/static")) for p in paths)
    assert api.status_code == 200 and api.json()["list"]
    assert missing.status_code == 404 and missing.json()["code"] == 100007  # API clients keep JSON
