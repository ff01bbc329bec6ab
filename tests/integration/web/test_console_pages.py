"""Console pages over the in-process platform: login/logout, every page renders, no raw JSON."""

from __future__ import annotations

import re

import pytest

from tests.integration.web.conftest import ADMIN_PASSWORD, Site
from tests.integration.web.console_helpers import console_login

pytestmark = pytest.mark.asyncio(loop_scope="module")

PAGES = ["/console", "/console/homestays", "/console/homestays/1", "/console/homestays/new",
         "/console/homestays/1/delete", "/console/homestay-businesses",
         "/console/homestay-businesses/1", "/console/homestay-activities",
         "/console/homestay-activities/new", "/console/homestay-comments", "/console/users",
         "/console/orders", "/console/payments", "/console/settlements", "/console/audit",
         "/console/managers"]


async def test_without_a_session_every_page_sends_to_the_console_login(site: Site) -> None:
    async with site.browser() as client:
        resp = await client.get("/console/orders?tradeState=1")
        assert resp.status_code == 303
        assert resp.headers["location"] == "/console/login?next=%2Fconsole%2Forders%3FtradeState%3D1"
        htmx = await client.get("/console/users", headers={"HX-Request": "true"})
        assert htmx.headers["hx-redirect"].startswith("/console/login?next=")
        login = await client.get(resp.headers["location"])
    assert login.status_code == 200
    assert 'name="next" value="/console/orders?tradeState=1"' in login.text
    assert '<label for="username">' in login.text and '<label for="password">' in login.text


async def test_wrong_password_is_a_message_in_the_form(site: Site) -> None:
    async with site.browser(**{"Accept-Language": "en"}) as client:
        resp = await client.post("/console/login", data={"username": "admin", "password": "nope-nope",
                                                          "next": "/console"})
    assert resp.status_code == 401
    assert resp.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in resp.text and "yys_console" not in resp.headers.get("set-cookie", "")
    assert 'value="admin"' in resp.text  # the username is kept


async def test_login_sets_an_httponly_console_cookie_and_logout_clears_it(site: Site) -> None:
    async with console_login(site) as client:
        cookie = client.cookies.jar
        stored = [c for c in cookie if c.name == "yys_console"]
        assert stored and stored[0].path == "/console"
        assert "yys_token" not in {c.name for c in cookie}  # not the guest's session
        home = await client.get("/console")
        assert home.status_code == 200 and "admin" in home.text
        out = await client.post("/console/logout")
        assert out.status_code == 303 and out.headers["location"] == "/console/login?ok=out"
        assert 'yys_console=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
        after = await client.get("/console")
    assert after.status_code == 303


async def test_the_login_cookie_flags(site: Site) -> None:
    async with site.browser() as client:
        resp = await client.post("/console/login", data={
            "username": "admin", "password": ADMIN_PASSWORD, "next": "https://evil.example/"})
    assert resp.status_code == 303 and resp.headers["location"] == "/console"  # no open redirect
    flags = resp.headers["set-cookie"].lower()
    assert "httponly" in flags and "samesite=strict" in flags and "path=/console" in flags


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_every_page_renders_for_a_superadmin(site: Site, lang: str) -> None:
    async with console_login(site, **{"Accept-Language": lang}) as client:
        for path in PAGES:
            resp = await client.get(path)
            assert resp.status_code == 200, (path, resp.status_code, resp.text[:500])
            html = resp.text
            assert html.startswith("<!doctype html>"), path
            assert '"code":' not in html and "Traceback" not in html, path
            # every visible form control has a label
            ids = set(re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html))
            labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
            assert ids <= labelled, (path, ids - labelled)
            assert "console." not in re.sub(r'"[^"]*"', "", html), path  # no untranslated key


async def test_dashboard_draws_three_svg_charts_with_one_bar_per_day(site: Site) -> None:
    async with console_login(site, **{"Accept-Language": "en"}) as client:
        resp = await client.get("/console?from=2026-01-01&to=2026-01-10")
    html = resp.text
    assert html.count('<svg class="chart"') == 3
    orders_chart = html.split('id="chart-orders"')[1].split("</svg>")[0]
    assert orders_chart.count('<rect class="bar"') == 10
    assert "Orders per trade state" in html and "Refunded" in html
    assert "<script" not in html.split("</head>")[1]  # charts need no script


async def test_a_range_the_api_refuses_is_shown_next_to_the_dates(site: Site) -> None:
    async with console_login(site, **{"Accept-Language": "en"}) as client:
        resp = await client.get("/console?from=2026-03-01&to=2026-01-01")
    assert resp.status_code == 200
    assert 'id="range-error"' in resp.text and "from must be before to" in resp.text
    assert resp.text.count('<svg class="chart"') == 3  # the default range instead


async def test_a_bad_filter_is_a_message_above_an_empty_table(site: Site) -> None:
    async with console_login(site, **{"Accept-Language": "en"}) as client:
        resp = await client.get("/console/homestays?homestayBusinessId=abc")
        listing = await client.get("/console/homestays?title=&rowState=1")
    assert resp.status_code == 200 and 'role="alert"' in resp.text and "No records" in resp.text
    assert listing.status_code == 200 and len(re.findall(r'href="/console/homestays/\d+"', listing.text)) >= 2


async def test_a_missing_record_is_a_console_page_not_json(site: Site) -> None:
    async with console_login(site, **{"Accept-Language": "en"}) as client:
        resp = await client.get("/console/homestays/999999")
        order = await client.get("/console/orders/HSO-NOT-THERE")
    for r in (resp, order):
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("text/html")
        assert 'role="alert"' in r.text and "Not found" in r.text


async def test_the_language_switch_comes_back_to_the_console_page(site: Site) -> None:
    async with console_login(site, **{"Accept-Language": "en"}) as client:
        page = await client.get("/console/orders?tradeState=1")
        assert '<html lang="en">' in page.text
        assert 'name="next" value="/console/orders?tradeState=1"' in page.text
        switched = await client.post("/lang", data={"lang": "zh", "next": "/console/orders?tradeState=1"})
        assert switched.status_code == 303
        assert switched.headers["location"] == "/console/orders?tradeState=1"
        again = await client.get(switched.headers["location"])
    assert '<html lang="zh-CN">' in again.text and "订单" in again.text


async def test_a_token_the_api_no_longer_accepts_ends_the_session(site: Site) -> None:
    async with site.browser(**{"Accept-Language": "en"}) as client:
        client.cookies.set("yys_console", "not.a.token", path="/console")
        resp = await client.get("/console/payments")
        assert resp.status_code == 303
        assert resp.headers["location"] == "/console/login?next=%2Fconsole%2Fpayments&ok=expired"
        assert "yys_console=" in resp.headers["set-cookie"]  # the dead cookie is dropped
        login = await client.get(resp.headers["location"])
    assert "Your session ended; please log in again." in login.text


async def test_urls_that_name_no_page_get_console_pages_not_json(site: Site) -> None:
    async with console_login(site, **{"Accept-Language": "en"}) as client:
        unknown = await client.get("/console/no-such-page")
        bad_id = await client.get("/console/homestays/abc")
        post_only = await client.get("/console/users/1/disable")
        settle = await client.get("/console/settlements/run")
    for resp in (unknown, bad_id):
        assert resp.status_code == 404 and resp.headers["content-type"].startswith("text/html")
        assert 'role="alert"' in resp.text and "Not found" in resp.text
    assert post_only.status_code == 303 and post_only.headers["location"] == "/console/users"
    assert settle.headers["location"] == "/console/settlements"


async def test_a_form_post_after_the_session_ended_returns_to_the_form_page(site: Site) -> None:
    async with site.browser() as client:
        resp = await client.post("/console/homestays/3", data={"title": "x"},
                                 headers={"Referer": site.base + "/console/homestays/3"})
    assert resp.status_code == 303
    assert resp.headers["location"] == "/console/login?next=%2Fconsole%2Fhomestays%2F3"


async def test_a_table_sorts_by_a_column_and_keeps_it_across_filters_and_pages(site: Site) -> None:
    async with console_login(site, **{"Accept-Language": "en"}) as client:
        cheap = await client.get("/console/homestays?sort=homestayPrice&rowState=1")
        dear = await client.get("/console/homestays?sort=-homestayPrice&rowState=1")
        bogus = await client.get("/console/homestays?sort=info")
    prices = [float(p.replace(",", "")) for p in re.findall(r"<td>¥([\d,.]+)</td>", cheap.text)]
    assert len(prices) >= 10 and prices == sorted(prices)
    dear_prices = [float(p.replace(",", "")) for p in re.findall(r"<td>¥([\d,.]+)</td>", dear.text)]
    assert dear_prices == sorted(dear_prices, reverse=True)
    assert re.search(r'aria-sort="ascending"><a class="sort" href="/console/homestays\?rowState=1&amp;'
                     r'sort=-homestayPrice"', cheap.text)
    assert '<input type="hidden" name="sort" value="homestayPrice">' in cheap.text
    assert 'href="/console/homestays?rowState=1&amp;sort=homestayPrice&amp;page=2" rel="next"' in cheap.text
    assert bogus.status_code == 200 and 'aria-sort="descending"' in bogus.text  # ignored: newest first
