"""Console test helpers: log a manager in through the login form, create managers of each role."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from tests.integration.web.conftest import ADMIN_PASSWORD, Site

ROLE_PASSWORD = "console-role-pass-1"


@asynccontextmanager
async def console_login(site: Site, username: str = "admin", password: str = ADMIN_PASSWORD,
                        **headers: str) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like client holding a console session."""
    async with site.browser(**headers) as client:
        resp = await client.post("/console/login", data={"username": username, "password": password,
                                                          "next": "/console"})
        assert resp.status_code == 303, resp.text
        assert resp.headers["location"] == "/console"
        yield client


async def admin_token(site: Site) -> str:
    async with site.api() as api:
        r = await api.post("/admin/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["accessToken"])


async def ensure_manager(site: Site, username: str, role: str) -> None:
    token = await admin_token(site)
    async with site.api() as api:
        r = await api.post("/admin/v1/managers", json={"username": username, "password": ROLE_PASSWORD,
                                                       "role": role},
                           headers={"Authorization": f"Bearer {token}"})
    assert r.status_code in (200, 409), r.text


async def guest_order(site: Site, *, pay: bool, homestay_id: int = 1) -> tuple[str, str]:
    """A new guest's order through the public API (paid through the sandbox when `pay`):
    (order sn, guest token)."""
    async with site.api() as api:
        mobile = str(random.randrange(16_000_000_000, 16_999_999_999))
        reg = await api.post("/usercenter/v1/user/register", json={"mobile": mobile,
                                                                   "password": "guest-pass-1"})
        assert reg.status_code == 200, reg.text
        auth = {"Authorization": f"Bearer {reg.json()['accessToken']}"}
        start = int(time.time()) + 2 * 86400
        created = await api.post("/order/v1/homestayOrder/createHomestayOrder", headers=auth, json={
            "homestayId": homestay_id, "isFood": False, "liveStartTime": start,
            "liveEndTime": start + 86400, "livePeopleNum": 1, "remark": "console test"})
        assert created.status_code == 200, created.text
        sn = str(created.json()["orderSn"])
        if pay:
            prepay = await api.post("/payment/v1/thirdPayment/thirdPaymentWxPay", headers=auth,
                                    json={"orderSn": sn, "serviceType": "homestayOrder"})
            assert prepay.status_code == 200, prepay.text
            prepay_id = prepay.json()["package"].split("=", 1)[1]
            paid = await api.post("/paysandbox/v1/pay", json={"prepayId": prepay_id})
            assert paid.status_code == 200, paid.text
            for _ in range(600):  # 30 s: a busy 2-core machine settles a payment in seconds
                detail = await api.post("/order/v1/homestayOrder/userHomestayOrderDetail",
                                        headers=auth, json={"sn": sn})
                if detail.json()["tradeState"] == 1:
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError(f"order {sn} was not paid")
        return sn, auth["Authorization"].split(" ", 1)[1]


async def trade_code(site: Site, sn: str, token: str) -> str:
    async with site.api() as api:
        detail = await api.post("/order/v1/homestayOrder/userHomestayOrderDetail",
                                headers={"Authorization": f"Bearer {token}"}, json={"sn": sn})
    return str(detail.json()["tradeCode"])
