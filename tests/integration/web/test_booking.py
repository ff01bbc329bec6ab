"""Booking through the pages: the live price equals what the order service bills, a guest pays
through the sandbox and sees the order paid, refunds, and reviews after the stay."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.integration.web.conftest import ADMIN_PASSWORD, Site, order_sn_from, register

pytestmark = pytest.mark.asyncio(loop_scope="module")
DAY = 86400


def day(offset: int) -> str:
    return datetime.fromtimestamp(time.time() + offset * DAY, UTC).strftime("%Y-%m-%d")


async def homestays(site: Site) -> list[dict[str, Any]]:
    found = []
    async with site.api() as api:
        for homestay_id in range(1, 25):
            resp = await api.post("/travel/v1/homestay/homestayDetail", json={"id": homestay_id})
            if resp.status_code == 200:
                found.append(resp.json()["homestay"])
    return found


def total_fen(html: str) -> int:
    match = re.search(r'data-total-fen="(\d+)"', html)
    assert match, html
    return int(match.group(1))


async def book(client: httpx.AsyncClient, homestay_id: int, **form: str) -> httpx.Response:
    return await client.post(f"/homestay/{homestay_id}/book", data=form)


async def test_the_live_price_is_the_price_the_order_service_bills(site: Site) -> None:
    catalogue = await homestays(site)
    per_person = next(h for h in catalogue if h["rowType"] == 1 and h["foodPrice"])
    per_room = next(h for h in catalogue if h["rowType"] == 0 and h["foodPrice"] and h["peopleNum"] >= 3)
    cases = [(per_room, 1, 3, "1"), (per_room, 3, 5, ""), (per_person, 2, 4, "1"),
             (per_person, 1, 1, "")]
    async with site.browser() as client:
        await register(client)
        for h, wanted, nights, food in cases:
            people = min(wanted, h["peopleNum"])
            form = {"start": day(1), "end": day(1 + nights), "people": str(people), "food": food,
                    "key": f"price-{h['id']}-{people}-{nights}-{food}"}
            quoted = await client.post(f"/homestay/{h['id']}/price", data=form,
                                       headers={"HX-Request": "true"})
            assert quoted.status_code == 200
            created = await book(client, h["id"], **form)
            assert created.status_code == 303, created.text
            sn = order_sn_from(created.headers["location"])
            page = await client.get(f"/orders/{sn}")
            billed = re.search(r'class="price">¥([\d,.]+)<', page.text)
            assert billed, page.text
            assert total_fen(quoted.text) == round(float(billed.group(1).replace(",", "")) * 100)


async def test_the_price_fragment_asks_for_dates_when_they_do_not_make_a_stay(site: Site) -> None:
    async with site.browser(**{"Accept-Language": "en"}) as client:
        resp = await client.post("/homestay/1/price", data={"start": day(3), "end": day(2),
                                                            "people": "1"})
    assert resp.status_code == 200 and "Pick dates" in resp.text and "<html" not in resp.text


async def test_a_guest_books_pays_and_sees_the_order_paid(site: Site) -> None:
    async with site.browser(**{"Accept-Language": "en"}) as client:
        await register(client)
        created = await book(client, 1, start=day(2), end=day(4), people="1", key="flow-1")
        assert created.status_code == 303
        sn = order_sn_from(created.headers["location"])
        again = await book(client, 1, start=day(2), end=day(4), people="1", key="flow-1")
        assert again.headers["location"] == f"/orders/{sn}"  # a resubmitted form books once
        page = await client.get(f"/orders/{sn}")
        assert "Awaiting payment" in page.text and f'action="/orders/{sn}/pay"' in page.text
        paid = await client.post(f"/orders/{sn}/pay")
        assert paid.status_code == 303 and paid.headers["location"] == f"/orders/{sn}?paying=1"
        paying = await client.get(paid.headers["location"])
        assert f'hx-get="/orders/{sn}/status?paying=1"' in paying.text or "Paid" in paying.text
        status = ""
        for _ in range(100):
            status = (await client.get(f"/orders/{sn}/status?paying=1",
                                       headers={"HX-Request": "true"})).text
            if "Paid" in status:
                break
            assert "Paying…" in status
            await asyncio.sleep(0.1)
        assert "Paid" in status and "hx-trigger" not in status  # polling stops once paid
        listing = await client.get("/orders?state=1")
        assert sn in listing.text and "Paid, awaiting stay" in listing.text
        refunded = await client.post(f"/orders/{sn}/refund")
        assert refunded.status_code == 303
        assert "Refunded" in (await client.get(f"/orders/{sn}")).text


async def test_booking_errors_are_shown_on_the_homestay_page(site: Site) -> None:
    async with site.browser(**{"Accept-Language": "en"}) as client:
        await register(client)
        too_many = await book(client, 1, start=day(1), end=day(2), people="99", key="err-1")
        no_dates = await book(client, 1, start="", end="", people="1", key="err-2")
    assert too_many.status_code == 400
    assert 'id="book-error"' in too_many.text and 'value="99"' in too_many.text
    assert no_dates.status_code == 400 and "Pick the check-in and check-out dates" in no_dates.text


async def test_a_guest_reviews_after_the_stay(site: Site) -> None:
    async with site.browser(**{"Accept-Language": "en"}) as client:
        await register(client)
        created = await book(client, 2, start=day(0), end=day(1), people="1", key="review-1")
        sn = order_sn_from(created.headers["location"])
        await client.post(f"/orders/{sn}/pay")
        for _ in range(100):
            if "Paid" in (await client.get(f"/orders/{sn}/status")).text:
                break
            await asyncio.sleep(0.1)
        code = re.search(r"<code>(\w+)</code>", (await client.get(f"/orders/{sn}")).text)
        assert code
        async with site.api() as api:
            login = await api.post("/admin/v1/auth/login",
                                   json={"username": "admin", "password": ADMIN_PASSWORD})
            token = login.json()["accessToken"]
            checked = await api.post(f"/admin/v1/orders/{sn}/check-in", json={"tradeCode": code.group(1)},
                                     headers={"Authorization": f"Bearer {token}"})
            assert checked.status_code == 200, checked.text
        page = await client.get(f"/orders/{sn}")
        assert "Write a review" in page.text and '<label for="content">' in page.text
        empty = await client.post(f"/orders/{sn}/comment", data={"content": "", "star": "5"})
        assert empty.status_code == 400 and 'role="alert"' in empty.text
        posted = await client.post(f"/orders/{sn}/comment",
                                   data={"content": "Lovely courtyard, kind host.", "star": "5"})
        assert posted.status_code == 303
        assert "Thanks for your review" in (await client.get(posted.headers["location"])).text
        assert "Lovely courtyard, kind host." in (await client.get("/homestay/2")).text
