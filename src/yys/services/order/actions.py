"""Moves of a paid or waiting order asked for by a person: check-in, cancel and refund (by a
manager or by the guest), and the refund's money leg.

Refund crash-safety — order first, money second:
1. One transaction moves the order 1 → 3 (a conditional UPDATE, so exactly one caller wins
   against other refunds, check-ins and the expiry), records a pending refund request (unique
   per order) and the audit entry. Nothing has left the building yet; a crash here rolls back.
2. After the commit the payment service is asked to refund the order's payment. It is
   idempotent: the provider refund number is derived from the payment, so however often it is
   asked, the provider refunds once and payment moves 1 → 2 once.
3. Its answer marks the request done. A failure or a crash before that leaves the request
   pending, and `retry_pending` (a periodic task under the scheduler's lease) asks again until
   payment confirms. So a refunded order's money is never lost (the request outlives crashes)
   and never paid back twice (one winner of step 1, an idempotent step 2).
Refunding first and moving second would be worse: a check-in landing in between leaves a guest
who stayed for free, and a crash in between leaves a paid-looking order whose money is gone.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from yys.clients import Clients
from yys.contracts.admin import AuditEntry
from yys.contracts.trade import PayStatus, TradeState
from yys.kit.errors import AppError, Conflict
from yys.services.order.backoffice_rules import (
    Actor,
    check_trade_code,
    check_user_refund,
)
from yys.services.order.domain import Order, OrderNotFound, check_move, source_state
from yys.services.order.metrics import CLOSED_BY, ORDERS_REFUNDED
from yys.services.order.ports import Clock, OrderUnit, ReadsFactory, WritesFactory

log = logging.getLogger(__name__)

RETRY_BATCH = 100
USER_REFUND_REASON = "refund requested by the guest"
ADMIN_REFUND_REASON = "refund by the back office"


def _unchecked(_: Order) -> None:
    return None


Check = Callable[[Order], object]
Extra = Callable[[OrderUnit, Order], Awaitable[None]]


class OrderActions:
    def __init__(self, *, reads: ReadsFactory, writes: WritesFactory, clients: Clients,
                 clock: Clock, audited: Callable[[], None], retry_after: float = 30.0) -> None:
        self._reads = reads
        self._writes = writes
        self._clients = clients
        self._clock = clock
        self._audited = audited  # wakes the outbox relay after a commit with an audit entry
        self._retry_after = retry_after

    async def check_in(self, *, actor: Actor, sn: str, trade_code: str) -> Order:
        """1 → 2 when the guest's trade code matches."""
        check_trade_code(await self._get(sn), trade_code)
        return await self._move(sn, TradeState.USED, actor=actor, action="check-in")

    async def cancel(self, *, actor: Actor, sn: str) -> Order:
        """0 → -1. A payment that lands afterwards is refunded by the payment consumer."""
        order, moved = await self._transition(sn, TradeState.CANCELLED, actor=actor,
                                              action="cancel")
        if moved:  # committed by this call (a repeated click moves nothing)
            CLOSED_BY["admin"].inc()
        return order

    async def admin_refund(self, *, actor: Actor, sn: str) -> Order:
        """1 → 3 at any time before check-in, and the money back (see the module docstring)."""
        return await self._refund(sn, actor=actor, reason=ADMIN_REFUND_REASON, check=_unchecked)

    async def user_refund(self, *, user_id: int, sn: str) -> Order:
        """The guest's own paid order, before the stay starts."""
        if not sn or len(sn) > 32:
            raise OrderNotFound()
        check_user_refund(await self._find(sn), user_id=user_id, now=self._clock())

        def still_allowed(order: Order) -> None:
            # Again inside the transaction, on the order as it was before the move.
            check_user_refund(order, user_id=user_id, now=self._clock())

        return await self._refund(sn, actor=None, reason=USER_REFUND_REASON, check=still_allowed,
                                  requested_by=f"user:{user_id}")

    async def pay_back(self, sn: str, *, reason: str) -> bool:
        """Ask payment to refund the order and mark the request done; False if it must be
        retried. Safe to call any number of times, concurrently too."""
        try:
            paid = await self._clients.payment.refund_order_payment(sn, reason=reason)
        except Exception as exc:  # payment down, provider rejecting: retried later
            error = exc.msg if isinstance(exc, AppError) else type(exc).__name__
            log.warning("refund not confirmed yet", extra={"order_sn": sn, "error": error})
            async with self._writes() as unit:
                await unit.repo.note_refund_attempt(sn, error=error)
            return False
        if paid is not None and paid.pay_status != PayStatus.REFUNDED:
            async with self._writes() as unit:
                await unit.repo.note_refund_attempt(sn, error=f"payment is {paid.pay_status}")
            return False
        if paid is None:
            log.error("refunded order has no paid payment", extra={"order_sn": sn})
        async with self._writes() as unit:
            await unit.repo.finish_refund(sn, pay_sn="" if paid is None else paid.sn,
                                          note="" if paid else "no paid payment to refund")
        return True

    async def retry_pending(self) -> int:
        """The periodic safety net: pay back refunds not confirmed within `retry_after`."""
        cutoff = int(self._clock() - self._retry_after)
        async with self._reads() as repo:
            pending = await repo.pending_refunds(created_before=cutoff, limit=RETRY_BATCH)
        done = 0
        for request in pending:
            done += await self.pay_back(request.order_sn, reason=request.reason)
        if pending:
            log.info("refund retry run", extra={"pending": len(pending), "done": done})
        return done

    # -- internals -------------------------------------------------------------------------

    async def _refund(self, sn: str, *, actor: Actor | None, reason: str, check: Check,
                      requested_by: str = "") -> Order:
        who = requested_by or (f"manager:{actor.name}" if actor else "")

        async def request(unit: OrderUnit, order: Order) -> None:
            await unit.repo.add_refund_request(order.sn, reason=reason, requested_by=who)

        order, moved = await self._transition(sn, TradeState.REFUNDED, actor=actor,
                                              action="refund", check=check, extra=request)
        if moved:
            ORDERS_REFUNDED.inc()  # the move committed; the money leg may still be retried
            await self.pay_back(sn, reason=reason)
        return order

    async def _move(self, sn: str, to_state: TradeState, *, actor: Actor, action: str) -> Order:
        order, _ = await self._transition(sn, to_state, actor=actor, action=action)
        return order

    async def _transition(self, sn: str, to_state: TradeState, *, actor: Actor | None,
                          action: str, check: Check = _unchecked,
                          extra: Extra | None = None) -> tuple[Order, bool]:
        """The conditional move plus its side records in one transaction. An order already in
        `to_state` is answered as is (a repeated click changes nothing and records nothing)."""
        from_state = source_state(to_state)
        async with self._writes() as unit:
            moved = await unit.repo.transition(sn, from_state=from_state, to_state=to_state)
            order = await unit.repo.get_by_sn(sn)
            if order is None:
                raise OrderNotFound()
            if not moved:
                check(order)
                if order.trade_state == to_state:
                    return order, False
                check_move(order.trade_state, to_state)
                raise Conflict("order state changed concurrently")
            check(replace(order, trade_state=int(from_state)))  # raising rolls the move back
            if extra is not None:
                await extra(unit, order)
            if actor is not None:
                await unit.repo.add_audit(AuditEntry(
                    actor_id=actor.id, actor_name=actor.name, action=action, resource="orders",
                    resource_id=sn, at=int(self._clock()), before={"tradeState": int(from_state)},
                    after={"tradeState": int(to_state)}, service="order"))
        if actor is not None:
            self._audited()
        return order, True

    async def _find(self, sn: str) -> Order | None:
        async with self._reads() as repo:
            return await repo.get_by_sn(sn)

    async def _get(self, sn: str) -> Order:
        if not sn or len(sn) > 32:
            raise OrderNotFound()
        order = await self._find(sn)
        if order is None:
            raise OrderNotFound()
        return order
