"""Use cases that move orders after creation: the close job and its sweeper, payment events,
the pay-success notification and the daily settlement. Each opens its own unit of work (they
run at a message/job boundary, not inside a request)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Literal

import msgspec

from yys.clients import Clients
from yys.contracts.admin import AuditEntry
from yys.contracts.mqueue import UserNotification
from yys.contracts.trade import PayStatus, TradeState
from yys.kit.errors import Conflict
from yys.services.order.backoffice_rules import expiry_cutoff
from yys.services.order.domain import (
    PAY_TYPE_WECHAT,
    Order,
    OrderNotFound,
    Payment,
    PaymentAction,
    PaymentDecision,
    check_move,
    decide_unapplied_payment,
    fen_to_yuan,
    source_state,
)
from yys.services.order.metrics import (
    CLOSED_BY,
    ORDERS_EXPIRED,
    ORDERS_PAID,
    OVERDUE_GRACE_SECONDS,
    OVERDUE_UNPAID,
)
from yys.services.order.ports import Clock, ReadsFactory, WritesFactory
from yys.services.order.settlement import day_window, settle

log = logging.getLogger(__name__)

SWEEP_BATCH = 200
EXPIRE_MAX_BATCHES = 50  # per run; the next run continues where this one stopped


class OrderLifecycle:
    def __init__(self, *, reads: ReadsFactory, writes: WritesFactory, clients: Clients,
                 clock: Clock, close_delay: float, commission_bps: int, settle_tz: str,
                 expire_grace: float = 0.0) -> None:
        self._reads = reads
        self._writes = writes
        self._clients = clients
        self._clock = clock
        self._close_delay = close_delay
        self._commission_bps = commission_bps
        self._settle_tz = settle_tz
        self._expire_grace = expire_grace

    async def transition(self, sn: str, to_state: int) -> bool:
        """Move an order along the state machine; False when it already was in `to_state`."""
        from_state = source_state(to_state)
        async with self._writes() as unit:
            # The UPDATE comes first: it decides races, and on SQLite it takes the write lock
            # before anything is read.
            if await unit.repo.transition(sn, from_state=from_state, to_state=to_state):
                return True
            order = await unit.repo.get_by_sn(sn)
        if order is None:
            raise OrderNotFound()
        if order.trade_state == to_state:
            return False
        check_move(order.trade_state, to_state)
        # Legal from what we read now, but not when the UPDATE ran: someone moved it meanwhile.
        raise Conflict("order state changed concurrently")

    async def close_order(self, sn: str, *,
                          reason: Literal["timeout", "sweep"] = "timeout") -> bool:
        """The close job: 0 → -1 only; anything else (paid, already closed, gone) is a no-op.
        `reason` labels the closed-orders counter (`timeout` for the job, `sweep` for the sweep).

        Payment is asked first to settle the order's pending payment with the provider: a
        payment made in time whose notify is late (provider retries, a crash) then pays the
        order instead of being refunded. What lands after that question is decided by the
        conditional updates: the close wins and the payment is refunded, or the payment wins
        and the close does nothing."""
        async with self._reads() as repo:
            order = await repo.get_by_sn(sn)
        if order is None or order.trade_state != TradeState.WAIT_PAY:
            return False
        paid = await self._clients.payment.reconcile_order_payment(sn)
        if paid is not None and paid.pay_status == PayStatus.PAID:
            await self.apply_payment(Payment(order_sn=sn, pay_sn=paid.sn, total=paid.pay_total,
                                             pay_time=paid.pay_time,
                                             pay_type=paid.pay_mode or PAY_TYPE_WECHAT))
            return False
        async with self._writes() as unit:
            closed = await unit.repo.transition(sn, from_state=TradeState.WAIT_PAY,
                                                to_state=TradeState.CANCELLED)
        if closed:
            CLOSED_BY[reason].inc()
            log.info("unpaid order closed", extra={"order_sn": sn, "reason": reason})
        return closed

    async def sweep_unpaid(self) -> int:
        """Safety net for lost close jobs: close wait-pay orders older than the close delay."""
        cutoff = int(self._clock() - self._close_delay)
        async with self._reads() as repo:
            # Counted before this sweep closes them: the gauge shows close jobs that did not run.
            OVERDUE_UNPAID.set(
                await repo.count_wait_pay_created_before(cutoff - OVERDUE_GRACE_SECONDS))
            stale = await repo.wait_pay_created_before(cutoff, limit=SWEEP_BATCH)
        closed = 0
        for sn in stale:
            try:
                closed += await self.close_order(sn, reason="sweep")
            except Exception:  # one order (e.g. payment unreachable) must not stop the sweep
                log.exception("sweeper could not close an order", extra={"order_sn": sn})
        if closed:
            log.warning("sweeper closed orders whose close job did not run", extra={"count": closed})
        return closed

    async def expire_ended(self) -> int:
        """Paid orders nobody checked in become expired (1 → 4) once their stay has ended.
        Batches of conditional updates: a check-in or refund racing with it either wins or
        is not touched, and a rerun (or a second replica) finds nothing left to do."""
        cutoff = expiry_cutoff(self._clock(), self._expire_grace)
        expired = 0
        for _ in range(EXPIRE_MAX_BATCHES):
            async with self._writes() as unit:
                due = await unit.repo.wait_use_ended_before(cutoff, limit=SWEEP_BATCH)
                batch = await unit.repo.expire(due, cutoff=cutoff)
            ORDERS_EXPIRED.inc(batch)  # committed
            expired += batch
            if len(due) < SWEEP_BATCH:
                break
        if expired:
            log.info("orders expired", extra={"count": expired})
        return expired

    async def apply_payment(self, payment: Payment) -> PaymentAction | None:
        """A successful payment: pays the waiting order exactly once (None = it paid it now),
        otherwise says what happened to it. A refund is recorded on the order and committed
        before the payment service is asked for it, so a failed call is retried by redelivery."""
        decision: PaymentDecision | None
        async with self._writes() as unit:
            if await unit.repo.mark_paid(payment):
                await unit.jobs.schedule_pay_notify(payment.order_sn)
                decision = None
            else:
                order = await unit.repo.get_by_sn(payment.order_sn)
                decision = decide_unapplied_payment(order, payment)
                if decision.action is PaymentAction.ALREADY_APPLIED:
                    if order is not None and order.trade_state == TradeState.WAIT_USE:
                        # Dedup'd by job id; re-enqueueing covers a notification lost after
                        # commit.
                        await unit.jobs.schedule_pay_notify(payment.order_sn)
                    return decision.action
                if order is not None:
                    await unit.repo.note_payment(
                        order.sn, pay_sn=payment.pay_sn,
                        note=f"{decision.action.value}: {decision.reason}")
        if decision is None:  # this call paid the order, and that committed: counted once
            ORDERS_PAID.inc()
            return None
        if decision.action is PaymentAction.REFUND:
            log.warning("refunding a payment that cannot pay its order",
                        extra={"order_sn": payment.order_sn, "pay_sn": payment.pay_sn,
                               "reason": decision.reason})
            await self._clients.payment.refund_order_payment(payment.order_sn,
                                                             reason=decision.reason)
        else:
            log.error("payment needs review", extra={"order_sn": payment.order_sn,
                                                     "pay_sn": payment.pay_sn,
                                                     "reason": decision.reason})
        return decision.action

    async def notify_paid(self, sn: str) -> None:
        async with self._reads() as repo:
            order = await repo.get_by_sn(sn)
        if order is None or order.trade_state == TradeState.WAIT_PAY:
            log.warning("pay notification for an unpaid or unknown order", extra={"order_sn": sn})
            return
        await self._clients.mqueue.notify_user(pay_success_notification(order))

    async def settle_day(self, day: date, *, audit: AuditEntry | None = None) -> int:
        """One settlement record per business for the used orders whose stay ended on `day`;
        returns how many records were new (a rerun adds none). An operator-started run passes
        its `audit` entry, written in the same transaction."""
        start, end = day_window(day, self._settle_tz)
        async with self._writes() as unit:
            totals = await unit.repo.used_order_totals(ended_from=start, ended_before=end)
            records = [settle(total, day=day, commission_bps=self._commission_bps)
                       for total in totals]
            added = await unit.repo.add_settlements(records)
            if audit is not None:
                await unit.repo.add_audit(msgspec.structs.replace(
                    audit, after={"day": day.isoformat(), "businesses": len(records),
                                  "newRecords": added}))
        log.info("settlement run", extra={"day": day.isoformat(), "businesses": len(records),
                                          "new_records": added})
        return added


def pay_success_notification(order: Order) -> UserNotification:
    return UserNotification(
        user_id=order.user_id,
        kind="pay_success",
        title="支付成功",
        body=f"订单 {order.sn}（{order.homestay.title}）已支付 ¥{fen_to_yuan(order.price.order_total):.2f}",
        dedup_key=f"pay_success:{order.sn}",
        data={"orderSn": order.sn, "tradeCode": order.trade_code},
    )
