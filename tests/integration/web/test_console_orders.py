"""Orders and users in the console: filters, the confirmed check-in / refund / cancel actions,
disable / enable in place, payments, settlements and the audit trail of it all."""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.integration.web.conftest import Site
from tests.integration.web.console_helpers import console_login, guest_order, trade_code

pytestmark = pytest.mark.asyncio(loop_scope="module")
EN = {"Accept-Language": "en"}


async def test_check_in_needs_the_guests_code_and_a_confirmation(site: Site) -> None:
    sn, token = await guest_order(site, pay=True)
    async with console_login(site, **EN) as client:
        page = await client.get(f"/console/orders/{sn}")
        assert 'id="order-state">Paid, awaiting stay' in page.text
        assert f'href="/console/orders/{sn}/check-in"' in page.text
        assert f'href="/console/orders/{sn}/cancel"' not in page.text  # only from wait-pay

        confirm = await client.get(f"/console/orders/{sn}/check-in", headers={"HX-Request": "true"})
        assert "Enter the code the guest shows you" in confirm.text
        assert '<label for="tradeCode">' in confirm.text

        wrong = await client.post(f"/console/orders/{sn}/check-in", data={"tradeCode": "WRONG123"})
        assert wrong.status_code in (400, 409) and 'role="alert"' in wrong.text
        assert 'id="order-state">Paid, awaiting stay' in wrong.text

        done = await client.post(f"/console/orders/{sn}/check-in",
                                 data={"tradeCode": await trade_code(site, sn, token)})
        assert done.status_code == 303 and done.headers["location"] == f"/console/orders/{sn}?ok=checked-in"
        after = await client.get(done.headers["location"])
    assert 'id="order-state">Stayed' in after.text and "Checked in." in after.text
    assert "/check-in" not in after.text.split('id="action-panel"')[1].split("</section>")[0]


async def test_refund_a_paid_order_and_an_illegal_move_is_a_message(site: Site) -> None:
    sn, _ = await guest_order(site, pay=True)
    async with console_login(site, **EN) as client:
        # cancel is offered only for unpaid orders; posted anyway, the API's 409 is shown
        illegal = await client.post(f"/console/orders/{sn}/cancel")
        assert illegal.status_code == 409 and 'role="alert"' in illegal.text
        assert 'id="order-state">Paid, awaiting stay' in illegal.text
        confirm = await client.get(f"/console/orders/{sn}/refund")
        assert "The money goes back to the guest" in confirm.text
        done = await client.post(f"/console/orders/{sn}/refund", headers={"HX-Request": "true"})
        assert done.headers["hx-redirect"] == f"/console/orders/{sn}?ok=refunded"
        page = await client.get(f"/console/orders/{sn}")
        assert 'id="order-state">Refunded' in page.text
        payments = await client.get(f"/console/payments?orderSn={sn}")
    assert sn in payments.text


async def test_cancel_an_unpaid_order_and_filter_orders(site: Site) -> None:
    sn, _ = await guest_order(site, pay=False)
    async with console_login(site, **EN) as client:
        waiting = await client.get(f"/console/orders?tradeState=0&sn={sn}")
        assert sn in waiting.text and "Awaiting payment" in waiting.text
        done = await client.post(f"/console/orders/{sn}/cancel")
        assert done.status_code == 303
        cancelled = await client.get("/console/orders?tradeState=-1")
        still_waiting = await client.get(f"/console/orders?tradeState=0&sn={sn}")
        # Order writes reach the audit log through the outbox and the admin consumer: soon.
        for _ in range(100):
            audit = await client.get("/console/audit?resource=orders&action=cancel")
            if sn in audit.text:
                break
            await asyncio.sleep(0.1)
    assert f'href="/console/orders/{sn}"' in cancelled.text
    assert f'href="/console/orders/{sn}"' not in still_waiting.text
    assert sn in audit.text and "cancel" in audit.text


async def test_disable_and_enable_a_user_in_place(site: Site) -> None:
    async with console_login(site, **EN) as client:
        listing = await client.get("/console/users?mobile=138")
        user_id = re.findall(r'<tr id="user-(\d+)">', listing.text)[0]
        off = await client.post(f"/console/users/{user_id}/disable", headers={"HX-Request": "true"})
        assert off.status_code == 200
        assert off.text.strip().startswith(f'<tr id="user-{user_id}">') and "<html" not in off.text
        assert "disabled" in off.text and f"/users/{user_id}/enable" in off.text
        on = await client.post(f"/console/users/{user_id}/enable")
        assert on.status_code == 303
        disabled = await client.get("/console/users?disabled=true")
    assert f'<tr id="user-{user_id}">' not in disabled.text


async def test_settle_a_day_and_see_the_result(site: Site) -> None:
    async with console_login(site, **EN) as client:
        bad = await client.post("/console/settlements/run", data={"day": "yesterday"})
        assert bad.status_code == 400 and 'id="run-error"' in bad.text
        done = await client.post("/console/settlements/run", data={"day": "2026-01-02"})
        assert done.status_code == 303
        page = await client.get(done.headers["location"])
    assert "2026-01-02: 0 new settlement record(s)." in page.text


async def test_a_users_orders_are_one_click_away(site: Site) -> None:
    sn, token = await guest_order(site, pay=False)
    async with console_login(site, **EN) as client:
        order = await client.get(f"/console/orders/{sn}")
        user_id = re.search(r"<dt>User ID</dt><dd>(\d+)</dd>", order.text)
        assert user_id, order.text
        users = await client.get("/console/users")
        assert f'href="/console/orders?userId={user_id.group(1)}"' in users.text
        mine = await client.get(f"/console/orders?userId={user_id.group(1)}")
    assert f'href="/console/orders/{sn}"' in mine.text and token
