"""The back office over HTTP in one process (usercenter, travel, order, payment, paysandbox on
SQLite): every order/payment/stats route × role, token errors, bad input, and the refund through
the real payment service (its provider replaced by the unit-test fake that records refunds)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import pytest
import sqlalchemy as sa
from litestar.testing import AsyncTestClient

from tests.unit.services.order.fakes import FakeMqueue
from tests.unit.services.payment.fakes import FakeProvider
from yys.contracts.admin import TOPIC_ADMIN_AUDIT, AdminRole, AuditEntry, ManagerView
from yys.contracts.trade import PayStatus
from yys.kit.auth.tokens import ADMIN_AUDIENCE
from yys.kit.http.admin import issue_admin_token
from yys.kit.settings import Settings
from yys.runtime.app import Process, build_process, create_app
from yys.runtime.platform import build_platform
from yys.services.order import tables
from yys.services.order.domain import Payment
from yys.services.order.repository import SqlOrderRepository
from yys.services.payment import wiring as payment_wiring
from yys.services.payment.domain import NewPayment
from yys.services.payment.local_client import LocalPaymentClient
from yys.services.payment.repository import SqlPaymentRepository
from yys.services.travel.repository import SqlTravelRepository

Client = AsyncTestClient[Any]
ROLES = {"viewer": AdminRole.VIEWER, "operator": AdminRole.OPERATOR,
         "superadmin": AdminRole.SUPERADMIN}


class FakeAdmins:
    """The admin client: managers 1..3 with the three roles."""

    def __init__(self) -> None:
        self.managers = {i: ManagerView(id=i, username=name, role=name, disabled=False)
                         for i, name in enumerate(ROLES, start=1)}

    async def get_manager(self, manager_id: int) -> ManagerView | None:
        return self.managers.get(manager_id)


@dataclass
class Office:
    process: Process
    client: Client
    provider: FakeProvider
    homestay_id: int
    user: dict[str, str]

    def admin(self, role: str) -> dict[str, str]:
        manager = next(m for m in FakeAdmins().managers.values() if m.username == role)
        token, _ = issue_admin_token(self.process.platform.admin_tokens, manager_id=manager.id,
                                     username=manager.username, role=ROLES[role])
        return {"Authorization": f"Bearer {token}"}

    async def book(self, *, start_in: int = 2 * 86400) -> str:
        start = int(time.time()) + start_in
        r = await self.client.post("/order/v1/homestayOrder/createHomestayOrder", headers=self.user,
                                   json={"homestayId": self.homestay_id, "isFood": False,
                                         "liveStartTime": start, "liveEndTime": start + 86400,
                                         "livePeopleNum": 1})
        assert r.status_code == 200, r.text
        return str(r.json()["orderSn"])

    async def paid(self, **kw: int) -> str:
        """A booked order paid through payment's own tables (what the notify would record)."""
        sn = await self.book(**kw)
        platform = self.process.platform
        async with platform.database("order").read() as conn:
            order = await SqlOrderRepository(conn).get_by_sn(sn)
        assert order is not None
        pay_sn, now = f"PMT{sn[3:]}"[:32], int(time.time())
        async with platform.database("payment").unit_of_work() as conn:
            repo = SqlPaymentRepository(conn)
            assert await repo.create_pending(NewPayment(sn=pay_sn, user_id=order.user_id,
                                                        order_sn=sn, service_type="homestayOrder",
                                                        pay_total=order.price.order_total))
            assert await repo.mark_paid(pay_sn, from_status=PayStatus.WAIT_PAY, transaction_id="wx1",
                                        trade_state="SUCCESS", pay_time=now)
        async with platform.database("order").unit_of_work() as conn:
            assert await SqlOrderRepository(conn).mark_paid(Payment(
                order_sn=sn, pay_sn=pay_sn, total=order.price.order_total, pay_time=now))
        return sn


@pytest.fixture
async def office(tmp_path: Path) -> AsyncIterator[Office]:
    settings = Settings(data_dir=tmp_path, password_hash_time_cost=1, password_hash_memory_kib=1024,
                        order_close_delay_seconds=600)
    process = build_process(build_platform(settings),
                            ["usercenter", "travel", "order", "payment", "paysandbox"],
                            roles=("api",))
    provider = FakeProvider()
    service = payment_wiring.build_service(process.platform.database("payment"), provider,
                                           process.clients)
    process.clients.bind("payment", LocalPaymentClient(service))
    process.clients.bind("mqueue", FakeMqueue())
    process.clients.bind("admin", FakeAdmins())
    async with AsyncTestClient(create_app(process, migrate_on_start=True)) as client:
        async with process.platform.database("travel").unit_of_work() as conn:
            homestay_id = await SqlTravelRepository(conn).insert("homestay", dict(
                title="Room", sub_title="", banner="c.jpg", info="", people_num=2,
                homestay_business_id=5, user_id=77, food_info="", food_price=0,
                homestay_price=19_900, market_homestay_price=25_000, row_state=1, row_type=0))
        r = await client.post("/usercenter/v1/user/register",
                              json={"mobile": "13800000009", "password": "password123"})
        user = {"Authorization": f"Bearer {r.json()['accessToken']}"}
        yield Office(process, client, provider, homestay_id, user)


READS = ["/admin/v1/orders", "/admin/v1/stats", "/admin/v1/payments"]


async def test_tokens(office: Office) -> None:
    c = office.client
    sn = await office.paid()
    expired, _ = issue_admin_token(office.process.platform.admin_tokens, manager_id=2,
                                   username="operator", role=AdminRole.OPERATOR)
    old = office.process.platform.admin_tokens.issue(
        2, audience=ADMIN_AUDIENCE, now=time.time() - 10 * 86400,
        extra={"role": "operator", "username": "operator"}).access_token
    for headers in ({}, office.user, {"Authorization": f"Bearer {old}"},
                    {"Authorization": "Bearer nonsense"}):
        for path in [*READS, f"/admin/v1/orders/{sn}"]:
            r = await c.get(path, headers=headers)
            assert (r.status_code, r.json()["code"]) == (401, 100003), (path, r.text)
        r = await c.post(f"/admin/v1/orders/{sn}/cancel", headers=headers)
        assert r.status_code == 401
    assert expired  # a fresh one works (below)
    assert (await c.get("/admin/v1/orders", headers={"Authorization": f"Bearer {expired}"})
            ).status_code == 200


@pytest.mark.parametrize("role", ["viewer", "operator", "superadmin"])
async def test_reads_for_every_role_and_actions_by_role(office: Office, role: str) -> None:
    c, h = office.client, office.admin(role)
    paid, unpaid = await office.paid(), await office.book()
    for path in READS:
        assert (await c.get(path, headers=h)).status_code == 200, path
    r = await c.get(f"/admin/v1/orders/{paid}", headers=h)
    assert r.status_code == 200
    detail = r.json()
    assert detail["sn"] == paid and detail["tradeState"] == 1 and detail["orderTotalPrice"] == 199.0
    assert [p["payStatus"] for p in detail["payments"]] == [1] and detail["refund"] is None
    code = detail["tradeCode"]
    pay_sn = detail["payments"][0]["sn"]
    assert (await c.get(f"/admin/v1/payments/{pay_sn}", headers=h)).json()["payTotal"] == 199.0
    actions = [(f"/admin/v1/orders/{paid}/check-in", {"tradeCode": code}),
               (f"/admin/v1/orders/{unpaid}/cancel", None)]
    for path, body in actions:
        r = await c.post(path, headers=h, json=body)
        if role == "viewer":
            assert (r.status_code, r.json()["code"]) == (403, 100004), r.text
        else:
            assert r.status_code == 200, r.text
    states = {o["sn"]: o["tradeState"]
              for o in (await c.get("/admin/v1/orders", headers=h)).json()["list"]}
    assert states == ({paid: 1, unpaid: 0} if role == "viewer" else {paid: 2, unpaid: -1})
    r = await c.post(f"/admin/v1/orders/{paid}/refund", headers=h)
    assert r.status_code == (403 if role == "viewer" else 409)  # checked in: no refund


async def test_check_in_wrong_code_and_cancel_paid(office: Office) -> None:
    c, h = office.client, office.admin("operator")
    sn = await office.paid()
    r = await c.post(f"/admin/v1/orders/{sn}/check-in", headers=h, json={"tradeCode": "NOPE2345"})
    assert (r.status_code, r.json()["code"]) == (400, 400012)
    assert "tradeCode" in r.json()["msg"]
    r = await c.post(f"/admin/v1/orders/{sn}/check-in", headers=h, json={})
    assert r.status_code == 400
    r = await c.post(f"/admin/v1/orders/{sn}/cancel", headers=h)
    assert (r.status_code, r.json()["code"]) == (409, 400008)
    r = await c.post("/admin/v1/orders/HSO-NOPE/cancel", headers=h)
    assert r.status_code == 404


async def test_admin_refund_twice_concurrently_refunds_once(office: Office) -> None:
    c, h = office.client, office.admin("operator")
    sn = await office.paid()
    replies = await asyncio.gather(*(c.post(f"/admin/v1/orders/{sn}/refund", headers=h)
                                     for _ in range(3)))
    assert {r.status_code for r in replies} <= {200, 409}
    assert any(r.status_code == 200 for r in replies)
    detail = (await c.get(f"/admin/v1/orders/{sn}", headers=h)).json()
    assert detail["tradeState"] == 3 and detail["refund"]["state"] == "done"
    assert [p["payStatus"] for p in detail["payments"]] == [2]
    assert len(office.provider.refunds) == 1
    r = await c.post(f"/admin/v1/orders/{sn}/refund", headers=h)  # later repeat: still once
    assert r.status_code == 200 and len(office.provider.refunds) == 1
    payments = (await c.get(f"/admin/v1/payments?orderSn={sn}&payStatus=2", headers=h)).json()
    assert payments["total"] == 1 and payments["list"][0]["refundNo"]
    # One audit entry, committed with the move and published by the order relay.
    outbox = tables.outbox
    deadline = time.monotonic() + 10
    while True:
        async with office.process.platform.database("order").read() as conn:
            rows = (await conn.execute(sa.select(outbox))).all()
        if (rows and all(r.published_at is not None for r in rows)) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    assert [(r.topic, r.published_at is not None) for r in rows] == [(TOPIC_ADMIN_AUDIT, True)]
    entry = msgspec.json.decode(rows[0].payload, type=AuditEntry)
    assert (entry.actor_name, entry.action, entry.resource, entry.resource_id) == (
        "operator", "refund", "orders", sn)
    assert (entry.before, entry.after) == ({"tradeState": 1}, {"tradeState": 3})


async def test_user_refund(office: Office) -> None:
    c = office.client
    sn = await office.paid()
    r = await c.post("/order/v1/homestayOrder/refund", headers=office.user, json={"sn": sn})
    assert (r.status_code, r.json()) == (200, {})
    assert len(office.provider.refunds) == 1
    r = await c.post("/order/v1/homestayOrder/refund", headers=office.user, json={"sn": "HSOX"})
    assert r.status_code == 404
    unpaid = await office.book()
    r = await c.post("/order/v1/homestayOrder/refund", headers=office.user, json={"sn": unpaid})
    assert r.status_code == 409
    other = await c.post("/usercenter/v1/user/register",
                         json={"mobile": "13800000010", "password": "password123"})
    mallory = {"Authorization": f"Bearer {other.json()['accessToken']}"}
    r = await c.post("/order/v1/homestayOrder/refund", headers=mallory, json={"sn": sn})
    assert r.status_code == 404
    r = await c.post("/order/v1/homestayOrder/refund", json={"sn": sn})
    assert r.status_code == 401


async def test_bad_input_never_500(office: Office) -> None:
    c, h = office.client, office.admin("viewer")
    sn = await office.paid()
    ok = await c.get("/admin/v1/orders?pageSize=10000", headers=h)
    assert ok.status_code == 200 and ok.json()["total"] == 1
    await office.book()
    one = (await c.get("/admin/v1/orders?pageSize=1&page=2&sort=createTime", headers=h)).json()
    assert one["total"] == 2 and [o["sn"] for o in one["list"]] == [
        o["sn"] for o in (await c.get("/admin/v1/orders?sort=-createTime", headers=h)).json()["list"]
    ][:1]
    only_paid = (await c.get("/admin/v1/orders?tradeState=1&userId=1", headers=h)).json()
    assert [o["sn"] for o in only_paid["list"]] == [sn]
    assert (await c.get("/admin/v1/payments?pageSize=10000", headers=h)).status_code == 200
    bad = ["/admin/v1/orders?page=0", "/admin/v1/orders?page=-1", "/admin/v1/orders?pageSize=0",
           "/admin/v1/orders?userId=-1", "/admin/v1/orders?homestayId=-5",
           "/admin/v1/orders?tradeState=9", "/admin/v1/orders?sort=title",
           "/admin/v1/orders?sort=create_time%20desc;--", "/admin/v1/orders?page=abc",
           "/admin/v1/orders?from=5&to=1", "/admin/v1/orders?userId=x",
           "/admin/v1/payments?userId=-1", "/admin/v1/payments?payStatus=7",
           "/admin/v1/payments?page=0", "/admin/v1/stats?from=2024-01-01&to=2026-01-01",
           "/admin/v1/stats?from=yesterday", "/admin/v1/stats?from=2024-02-30"]
    for path in bad:
        r = await c.get(path, headers=h)
        assert r.status_code == 400 and r.json()["code"] in (100002, 400011), (path, r.text)
    evil = ["' OR '1'='1", "1; DROP TABLE order_outbox", "%25", "_"]
    for value in evil:
        for path in (f"/admin/v1/orders?sn={value}", f"/admin/v1/payments?orderSn={value}"):
            r = await c.get(path, headers=h)
            assert r.status_code == 200 and r.json() == {"total": 0, "list": []}, (path, r.text)
        assert (await c.get(f"/admin/v1/orders/{value}", headers=h)).status_code == 404
        assert (await c.get(f"/admin/v1/payments/{value}", headers=h)).status_code == 404
    assert (await c.get("/admin/v1/orders/-1", headers=h)).status_code == 404
    assert (await c.get("/admin/v1/orders", headers=h)).json()["total"] == 2  # nothing dropped


async def test_stats_route(office: Office) -> None:
    c, h = office.client, office.admin("viewer")
    await office.paid(), await office.paid(), await office.book()
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))  # Shanghai day
    r = await c.get(f"/admin/v1/stats?from={today}&to={today}", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["timeZone"] == "Asia/Shanghai"
    assert body["days"] == [{"date": today, "orders": 3, "paidOrders": 2, "revenue": 398.0}]
    assert {s["tradeState"]: s["count"] for s in body["byTradeState"]} == {
        -1: 0, 0: 1, 1: 2, 2: 0, 3: 0, 4: 0}
    assert (body["totalOrders"], body["totalRevenue"]) == (3, 398.0)
    unix = await c.get(f"/admin/v1/stats?from={int(time.time()) - 60}", headers=h)
    assert unix.status_code == 200 and unix.json()["totalOrders"] == 3
