"""Check-in, cancel, refunds (manager and guest) and expiry over in-memory fakes."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from tests.unit.services.order.fakes import paid_view
from tests.unit.services.order.test_service import START, USER, World
from yys.contracts.trade import TradeState
from yys.kit.errors import Conflict
from yys.services.order import domain as d
from yys.services.order.actions import OrderActions
from yys.services.order.backoffice_rules import Actor, RefundWindowClosed, TradeCodeMismatch

OPERATOR = Actor(id=2, name="olga")


class Desk(World):
    def __init__(self) -> None:
        super().__init__()
        self.kicks = 0
        self.actions = OrderActions(reads=self.store.reads, writes=self.store.writes,
                                    clients=self.lifecycle._clients, clock=lambda: self.now,
                                    audited=self.kick, retry_after=30)

    def kick(self) -> None:
        self.kicks += 1

    async def paid_order(self) -> str:
        sn = await self.book()
        await self.lifecycle.apply_payment(self.payment_of(sn))
        self.payment.paid[sn] = paid_view(sn, self.order(sn).price.order_total)
        return sn


@pytest.fixture
def desk() -> Desk:
    return Desk()


async def test_check_in_needs_the_code(desk: Desk) -> None:
    sn = await desk.paid_order()
    with pytest.raises(TradeCodeMismatch):
        await desk.actions.check_in(actor=OPERATOR, sn=sn, trade_code="WRONG")
    assert desk.order(sn).trade_state == TradeState.WAIT_USE and not desk.store.repo.audits
    code = desk.order(sn).trade_code
    order = await desk.actions.check_in(actor=OPERATOR, sn=sn, trade_code=code.lower())
    assert order.trade_state == TradeState.USED
    (entry,) = desk.store.repo.audits
    assert (entry.actor_name, entry.action, entry.resource_id) == ("olga", "check-in", sn)
    assert (entry.before, entry.after) == ({"tradeState": 1}, {"tradeState": 2})
    assert desk.kicks == 1
    # a repeat changes nothing and records nothing
    await desk.actions.check_in(actor=OPERATOR, sn=sn, trade_code=code)
    assert len(desk.store.repo.audits) == 1


async def test_cancel_only_unpaid(desk: Desk) -> None:
    unpaid, paid = await desk.book(), await desk.paid_order()
    assert (await desk.actions.cancel(actor=OPERATOR, sn=unpaid)).trade_state == -1
    with pytest.raises(d.IllegalStateChange):
        await desk.actions.cancel(actor=OPERATOR, sn=paid)
    with pytest.raises(d.OrderNotFound):
        await desk.actions.cancel(actor=OPERATOR, sn="HSO-NOPE")
    assert [a.action for a in desk.store.repo.audits] == ["cancel"]


async def test_admin_refund_moves_first_then_pays_back_once(desk: Desk) -> None:
    sn = await desk.paid_order()
    first, second = await asyncio.gather(desk.actions.admin_refund(actor=OPERATOR, sn=sn),
                                         desk.actions.admin_refund(actor=OPERATOR, sn=sn))
    assert first.trade_state == second.trade_state == TradeState.REFUNDED
    assert desk.payment.refunds == [(sn, "refund by the back office")]
    assert desk.payment.paid[sn].pay_status == 2
    request = desk.store.repo.refund_requests[sn]
    assert request.done and request.pay_sn == "PMT1" and request.requested_by == "manager:olga"
    assert [a.action for a in desk.store.repo.audits] == ["refund"]


async def test_refund_survives_a_payment_outage(desk: Desk) -> None:
    sn = await desk.paid_order()
    desk.payment.down = True
    order = await desk.actions.admin_refund(actor=OPERATOR, sn=sn)
    assert order.trade_state == TradeState.REFUNDED  # the order moved; the money is owed
    request = desk.store.repo.refund_requests[sn]
    assert not request.done and request.attempts == 1
    desk.now += 60
    assert await desk.actions.retry_pending() == 0  # still down: stays pending
    desk.payment.down = False
    assert await desk.actions.retry_pending() == 1
    assert desk.store.repo.refund_requests[sn].done
    assert await desk.actions.retry_pending() == 0  # nothing left
    assert desk.payment.refunds == [(sn, "refund by the back office")]


async def test_user_refund_window(desk: Desk) -> None:
    sn = await desk.paid_order()
    with pytest.raises(d.OrderNotFound):
        await desk.actions.user_refund(user_id=USER + 1, sn=sn)
    desk.now = START  # the stay starts
    with pytest.raises(RefundWindowClosed):
        await desk.actions.user_refund(user_id=USER, sn=sn)
    desk.now = START - 1
    assert (await desk.actions.user_refund(user_id=USER, sn=sn)).trade_state == 3
    assert desk.store.repo.refund_requests[sn].requested_by == f"user:{USER}"
    assert not desk.store.repo.audits  # a guest's own action is not a back-office write
    await desk.actions.user_refund(user_id=USER, sn=sn)  # repeat: fine, no second refund
    assert len(desk.payment.refunds) == 1


async def test_refund_rule_checked_inside_the_transaction_rolls_back(desk: Desk) -> None:
    sn = await desk.paid_order()
    calls = iter([START - 10, START])  # allowed at the first look, not at the second
    desk.actions._clock = lambda: next(calls)
    with pytest.raises(RefundWindowClosed):
        await desk.actions.user_refund(user_id=USER, sn=sn)
    assert desk.order(sn).trade_state == TradeState.WAIT_USE
    assert sn not in desk.store.repo.refund_requests and desk.payment.refunds == []


async def test_refund_of_unpaid_or_used_is_409(desk: Desk) -> None:
    unpaid = await desk.book()
    with pytest.raises(d.IllegalStateChange):
        await desk.actions.admin_refund(actor=OPERATOR, sn=unpaid)
    assert isinstance(d.IllegalStateChange(), Conflict)


async def test_expiry(desk: Desk) -> None:
    ended, used, future = await desk.paid_order(), await desk.paid_order(), await desk.paid_order()
    await desk.actions.check_in(actor=OPERATOR, sn=used, trade_code=desk.order(used).trade_code)
    desk.store.repo.orders[future] = replace(desk.order(future), live_end=START + 10 * 86400)
    desk.now = START + 2 * 86400 + 1  # after the end of the default stay
    assert await desk.lifecycle.expire_ended() == 1
    assert desk.order(ended).trade_state == TradeState.EXPIRED
    assert desk.order(used).trade_state == TradeState.USED
    assert desk.order(future).trade_state == TradeState.WAIT_USE
    assert await desk.lifecycle.expire_ended() == 0  # idempotent
