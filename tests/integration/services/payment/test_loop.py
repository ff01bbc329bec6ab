"""The whole payment loop over real HTTP: payment and its sandbox in one app on uvicorn.

prepay (the real WeChat v3 adapter → sandbox) → sandbox pay → signed notify delivered by the
delay-queue job → payment paid → outbox → bus, exactly once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from aiohttp import web

from tests.integration.services.payment.conftest import Server, build_server, wx_settings
from tests.support.servers import free_port
from yys.contracts.trade import TOPIC_PAYMENT_STATUS
from yys.kit import wechatpay as wp
from yys.kit.events import Event
from yys.kit.wechatpay.settings import WxPayKeyring
from yys.services.payment import tables as pt
from yys.services.payment.wechat import WechatPayProvider
from yys.services.paysandbox import tables as st
from yys.services.paysandbox.identity import SandboxIdentity
from yys.services.paysandbox.repository import SqlSandboxRepository

PAY = "/payment/v1/thirdPayment/thirdPaymentWxPay"
CALLBACK = "/payment/v1/thirdPayment/thirdPaymentWxPayCallback"
SANDBOX_PAY = "/paysandbox/v1/pay"


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def _bearer(server: Server, user_id: int) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.process.platform.tokens.issue(user_id).access_token}"}


def _ring(server: Server, **wx: object) -> WxPayKeyring:
    return WxPayKeyring(wx_settings(**wx), server.process.platform.settings)


async def _rows(server: Server, table: sa.Table, *where: Any) -> list[Any]:
    db = server.process.platform.database("payment")
    async with db.read() as conn:
        return list((await conn.execute(sa.select(table).where(*where))).all())


async def _pay_params(http: httpx.AsyncClient, server: Server, order_sn: str, user_id: int) -> Any:
    resp = await http.post(PAY, json={"orderSn": order_sn, "serviceType": "homestayOrder"},
                           headers=_bearer(server, user_id))
    assert resp.status_code == 200, resp.text
    return resp.json()


def _collect(server: Server, sink: list[Event]) -> asyncio.Task[None]:
    async def handle(event: Event) -> None:
        sink.append(event)

    group = server.process.platform.bus.subscribe(group_id="test-payment-status",
                                                  topics=[TOPIC_PAYMENT_STATUS], handler=handle)
    return asyncio.create_task(group.run())


async def test_prepay_pay_notify_publish_exactly_once(server: Server) -> None:
    events: list[Event] = []
    consumer = _collect(server, events)
    server.orders.add("HSO-LOOP-1", user_id=7, total=12_800)
    async with httpx.AsyncClient(base_url=server.base) as http:
        params = await _pay_params(http, server, "HSO-LOOP-1", 7)
        assert set(params) == {"appid", "nonceStr", "paySign", "package", "timestamp", "signType"}
        assert params["signType"] == "RSA"
        ring = _ring(server)
        wp.verify_jsapi_pay_sign(ring.merchant_public_key, {
            "appId": params["appid"], "timeStamp": params["timestamp"],
            "nonceStr": params["nonceStr"], "package": params["package"], "paySign": params["paySign"]})
        prepay_id = params["package"].removeprefix("prepay_id=")
        assert (await http.post(SANDBOX_PAY, json={"prepayId": prepay_id})).json() == {}

        async def published() -> bool:
            done = await _rows(server, pt.outbox, pt.outbox.c.published_at.isnot(None))
            return len(events) >= 1 and bool(done)

        await eventually(published)
        [payment] = await _rows(server, pt.payment, pt.payment.c.order_sn == "HSO-LOOP-1")
        assert (payment.pay_status, payment.trade_state, payment.pending_order_sn) == (1, "SUCCESS", None)
        assert payment.transaction_id.startswith("4200") and payment.pay_time
        assert events[0].key == "HSO-LOOP-1"
        assert events[0].payload == {"orderSn": "HSO-LOOP-1", "payStatus": 1, "paySn": payment.sn,
                                     "payTotal": 12_800, "payTime": payment.pay_time}

        # The same signed notify again, and a freshly signed copy: acknowledged, nothing changes.
        sandbox_db = server.process.platform.database("paysandbox")
        async with sandbox_db.read() as conn:
            txn = await SqlSandboxRepository(conn).get_by_prepay_id(prepay_id)
        assert txn is not None and txn.notified
        headers, body = SandboxIdentity.from_keyring(ring).notify(txn)
        for _ in range(2):
            again = await http.post(CALLBACK, content=body, headers=headers)
            assert (again.status_code, again.json()) == (200, {"code": "SUCCESS"})
        await asyncio.sleep(0.5)
        assert len(events) == 1
        assert len(await _rows(server, pt.outbox)) == 1
        [same] = await _rows(server, pt.payment, pt.payment.c.order_sn == "HSO-LOOP-1")
        assert same == payment
        # Paying the same prepay id again is idempotent; the order is no longer payable.
        assert (await http.post(SANDBOX_PAY, json={"prepayId": prepay_id})).status_code == 200
        conflict = await http.post(SANDBOX_PAY, json={"prepayId": prepay_id, "result": "PAYERROR"})
        assert conflict.status_code == 409
    consumer.cancel()


async def test_payerror_fails_the_payment_and_a_new_one_follows(server: Server) -> None:
    server.orders.add("HSO-LOOP-2", user_id=8)
    async with httpx.AsyncClient(base_url=server.base) as http:
        first = await _pay_params(http, server, "HSO-LOOP-2", 8)
        prepay_id = first["package"].removeprefix("prepay_id=")
        await http.post(SANDBOX_PAY, json={"prepayId": prepay_id, "result": "PAYERROR"})

        async def failed() -> bool:
            rows = await _rows(server, pt.payment, pt.payment.c.order_sn == "HSO-LOOP-2")
            return [r.pay_status for r in rows] == [-1]

        await eventually(failed)
        second = await _pay_params(http, server, "HSO-LOOP-2", 8)
        assert second["package"] != first["package"]
        rows = await _rows(server, pt.payment, pt.payment.c.order_sn == "HSO-LOOP-2")
        assert sorted(r.pay_status for r in rows) == [-1, 0]
    assert await _rows(server, pt.outbox) == []


async def test_concurrent_pay_calls_share_one_pending_payment(server: Server) -> None:
    server.orders.add("HSO-LOOP-3", user_id=9)
    async with httpx.AsyncClient(base_url=server.base) as http:
        results = await asyncio.gather(*(_pay_params(http, server, "HSO-LOOP-3", 9) for _ in range(8)))
    assert len({r["package"] for r in results}) == 1
    assert len(await _rows(server, pt.payment, pt.payment.c.order_sn == "HSO-LOOP-3")) == 1


async def test_http_rejections(server: Server) -> None:
    server.orders.add("HSO-LOOP-4", user_id=10)
    server.orders.add("HSO-LOOP-5", user_id=10, trade_state=-1)
    async with httpx.AsyncClient(base_url=server.base) as http:
        async def pay(sn: str, user_id: int, service_type: str = "homestayOrder") -> httpx.Response:
            return await http.post(PAY, json={"orderSn": sn, "serviceType": service_type},
                                   headers=_bearer(server, user_id))

        assert (await pay("HSO-LOOP-4", 11)).json()["code"] == 500001  # someone else's order
        assert (await pay("HSO-LOOP-4", 11)).status_code == 404
        assert (await pay("HSO-NOPE", 10)).status_code == 404
        assert (await pay("HSO-LOOP-5", 10)).status_code == 409
        assert (await pay("HSO-LOOP-4", 10, "travelOrder")).status_code == 400
        no_token = await http.post(PAY, json={"orderSn": "HSO-LOOP-4", "serviceType": "homestayOrder"})
        assert no_token.status_code == 401
        assert (await http.post(SANDBOX_PAY, json={"prepayId": "wx-unknown"})).status_code == 404
        for body, headers in [(b"", {}), (b"{not json", {"Wechatpay-Serial": "x"}),
                              (b'{"id":"1"}', {"Wechatpay-Timestamp": "1", "Wechatpay-Nonce": "n",
                                               "Wechatpay-Signature": "AAAA", "Wechatpay-Serial": "x"})]:
            bad = await http.post(CALLBACK, content=body, headers=headers)
            assert bad.status_code == 400
            assert bad.json()["code"] == "FAIL" and bad.json()["message"]


async def test_sandbox_retries_until_the_receiver_acknowledges(server: Server) -> None:
    port = free_port()
    provider = WechatPayProvider(_ring(server, notify_url=f"http://127.0.0.1:{port}/notify"))
    received: list[str] = []
    answers = [web.json_response({"code": "FAIL", "message": "busy"}, status=500),
               web.json_response({"code": "FAIL", "message": "not yet"}, status=200)]

    async def receive(request: web.Request) -> web.Response:
        notice = provider.parse_notice(dict(request.headers), await request.read())
        received.append(notice.trade_state)
        return answers.pop(0) if answers else web.json_response({"code": "SUCCESS"})

    sandbox_db = server.process.platform.database("paysandbox")

    async def attempts() -> tuple[int, bool]:
        async with sandbox_db.read() as conn:
            row = (await conn.execute(sa.select(st.transaction.c.notify_attempts,
                                                st.transaction.c.notified_at))).one()
        return int(row[0]), row[1] is not None

    runner = web.AppRunner(web.Application())
    try:
        prepay_id = await provider.prepay(out_trade_no="PMT-RETRY-0001", description="retry",
                                          total=500, payer_openid="o-retry")
        async with httpx.AsyncClient(base_url=server.base) as http:
            await http.post(SANDBOX_PAY, json={"prepayId": prepay_id})

        async def refused_twice() -> bool:
            return (await attempts())[0] >= 2

        await eventually(refused_twice)  # nobody listens yet: connection refused, retried
        app = web.Application()
        app.router.add_post("/notify", receive)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()

        async def acknowledged() -> bool:
            return (await attempts())[1]

        await eventually(acknowledged)
        assert received == ["SUCCESS"] * 3
        assert (await attempts())[0] >= 5
    finally:
        await runner.cleanup()
        await provider.close()


async def test_refund_through_the_client(server: Server) -> None:
    server.orders.add("HSO-LOOP-6", user_id=12, total=9_900)
    client = server.process.clients.payment
    assert await client.refund_order_payment("HSO-LOOP-6", reason="none paid") is None
    async with httpx.AsyncClient(base_url=server.base) as http:
        params = await _pay_params(http, server, "HSO-LOOP-6", 12)
        await http.post(SANDBOX_PAY, json={"prepayId": params["package"].removeprefix("prepay_id=")})

    async def paid() -> bool:
        return await client.get_paid_payment("HSO-LOOP-6") is not None

    await eventually(paid)
    view = await client.get_paid_payment("HSO-LOOP-6")
    assert view is not None and (view.pay_status, view.pay_total) == (1, 9_900)
    refunded = await client.refund_order_payment("HSO-LOOP-6", reason="guest cancelled")
    again = await client.refund_order_payment("HSO-LOOP-6", reason="guest cancelled")
    assert refunded is not None and again is not None
    assert refunded.pay_status == again.pay_status == 2
    sandbox_db = server.process.platform.database("paysandbox")
    async with sandbox_db.read() as conn:
        refunds = (await conn.execute(sa.select(st.refund))).all()
        txn = (await conn.execute(sa.select(st.transaction))).one()
    assert [(r.amount, r.out_refund_no) for r in refunds] == [(9_900, f"RF{view.sn}")]
    assert (txn.trade_state, txn.refunded) == ("REFUND", 9_900)


@pytest.mark.mariadb
async def test_loop_on_mariadb(tmp_path: Path, mariadb_url: str) -> None:
    srv = build_server(tmp_path, mariadb_url)
    await srv.start()
    try:
        events: list[Event] = []
        consumer = _collect(srv, events)
        srv.orders.add("HSO-MDB-1", user_id=21)
        async with httpx.AsyncClient(base_url=srv.base) as http:
            results = await asyncio.gather(*(_pay_params(http, srv, "HSO-MDB-1", 21) for _ in range(6)))
            assert len({r["package"] for r in results}) == 1
            prepay_id = results[0]["package"].removeprefix("prepay_id=")
            await http.post(SANDBOX_PAY, json={"prepayId": prepay_id})

            async def published() -> bool:
                return len(events) == 1

            await eventually(published)
        [payment] = await _rows(srv, pt.payment, pt.payment.c.order_sn == "HSO-MDB-1")
        assert payment.pay_status == 1
        assert json.loads(json.dumps(events[0].payload))["paySn"] == payment.sn
        consumer.cancel()
    finally:
        await srv.stop()


async def test_reconcile_records_a_payment_whose_notify_cannot_arrive(tmp_path: Path) -> None:
    """The provider took the money but its notify goes nowhere: asking the provider (what the
    order close job does first) records the payment and publishes the event exactly once."""
    dead_end = f"http://127.0.0.1:{free_port()}/notify"
    srv = build_server(tmp_path, wx=wx_settings(notify_url=dead_end))
    await srv.start()
    try:
        srv.orders.add("HSO-LOOP-7", user_id=13, total=4_200)
        client = srv.process.clients.payment
        async with httpx.AsyncClient(base_url=srv.base) as http:
            params = await _pay_params(http, srv, "HSO-LOOP-7", 13)
            assert await client.reconcile_order_payment("HSO-LOOP-7") is None  # not paid yet
            await http.post(SANDBOX_PAY, json={"prepayId": params["package"].removeprefix("prepay_id=")})
        view = await client.reconcile_order_payment("HSO-LOOP-7")
        assert view is not None and (view.pay_status, view.pay_total) == (1, 4_200)
        assert view.transaction_id
        again = await client.reconcile_order_payment("HSO-LOOP-7")
        assert again == view
        outbox = await _rows(srv, pt.outbox)
        assert len(outbox) == 1
    finally:
        await srv.stop()
