"""Payment use cases: JSAPI pay for an order, the provider's notify, lookups and refunds.

No transaction stays open across a provider call: each step opens its own through `writes`
(the context commits on exit), and the steps are safe to repeat.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager

from yys.contracts.trade import OrderView, PaymentStatusChanged, PayStatus
from yys.kit.errors import AppError
from yys.services.payment.domain import (
    JsapiParams,
    NewPayment,
    NoticeOutcome,
    OrderNotFound,
    Payment,
    PaymentNotFound,
    PaymentNotice,
    PaymentStateConflict,
    ProviderUnavailable,
    check_service_type,
    ensure_payable,
    new_payment_sn,
    notice_outcome,
    prepay_reusable,
    refund_no_for,
)
from yys.services.payment.metrics import REFUND_FAILED, REFUND_OK
from yys.services.payment.ports import Orders, Payers, PaymentProvider, PaymentRepository

log = logging.getLogger(__name__)

Transaction = Callable[[], AbstractAsyncContextManager[PaymentRepository]]
_DESCRIPTION_MAX = 127


class PaymentService:
    def __init__(self, *, writes: Transaction, reads: Transaction, provider: PaymentProvider,
                 orders: Orders, payers: Payers, clock: Callable[[], float] = time.time) -> None:
        self._writes = writes
        self._reads = reads
        self._provider = provider
        self._orders = orders
        self._payers = payers
        self._clock = clock

    async def wx_pay(self, *, user_id: int, order_sn: str, service_type: str) -> JsapiParams:
        """JSAPI parameters to pay the caller's wait-pay order, reusing its pending payment."""
        check_service_type(service_type)
        order = ensure_payable(await self._order(order_sn), user_id=user_id)
        async with self._writes() as repo:
            payment = await self._open_pending(repo, order, user_id)
        now = self._clock()
        if prepay_reusable(payment, now=now):
            return self._provider.jsapi_params(payment.prepay_id)
        prepay_id = await self._provider.prepay(
            out_trade_no=payment.sn, description=(order.title or order.sn)[:_DESCRIPTION_MAX],
            total=payment.pay_total, payer_openid=await self._payers.openid(user_id))
        async with self._writes() as repo:
            await repo.set_prepay(payment.sn, prepay_id=prepay_id, at=int(now))
        return self._provider.jsapi_params(prepay_id)

    async def handle_notify(self, *, headers: Mapping[str, str], body: bytes) -> NoticeOutcome:
        """Apply a provider notify once; repeats and late duplicates change nothing."""
        return await self._apply(self._provider.parse_notice(headers, body))

    async def reconcile_order(self, *, order_sn: str) -> Payment | None:
        """Ask the provider about the order's pending payment and apply its final state as a
        notify would; returns the order's successful payment, if any. Called before an order is
        closed so that a payment whose notify is late (or was lost) is not refunded needlessly."""
        async with self._reads() as repo:
            pending = await repo.get_pending(order_sn)
        if pending is not None and pending.prepay_id:
            notice = await self._provider.query(out_trade_no=pending.sn)
            if notice is not None:
                await self._apply(notice)
        return await self.settled_payment(order_sn=order_sn)

    async def _apply(self, notice: PaymentNotice) -> NoticeOutcome:
        async with self._writes() as repo:
            payment = await repo.get_by_sn(notice.out_trade_no)
            if payment is None:
                raise PaymentNotFound()
            outcome = notice_outcome(payment, notice)
            if outcome is NoticeOutcome.PAID:
                pay_time = notice.success_time or int(self._clock())
                if not await repo.mark_paid(payment.sn, from_status=payment.pay_status,
                                            transaction_id=notice.transaction_id,
                                            trade_state=notice.trade_state, pay_time=pay_time):
                    return NoticeOutcome.NO_CHANGE  # a concurrent copy of this notify won
                if payment.pay_status == PayStatus.FAILED:
                    log.warning("payment %s succeeded after it had failed", payment.sn)
                await repo.add_status_event(PaymentStatusChanged(
                    order_sn=payment.order_sn, pay_status=int(PayStatus.PAID), pay_sn=payment.sn,
                    pay_total=payment.pay_total, pay_time=pay_time))
                return outcome
            if outcome is NoticeOutcome.FAILED:
                changed = await repo.mark_failed(payment.sn, trade_state=notice.trade_state)
                return outcome if changed else NoticeOutcome.NO_CHANGE
            return outcome

    async def settled_payment(self, *, order_sn: str) -> Payment | None:
        """The order's successful payment (paid, or paid and since refunded)."""
        async with self._reads() as repo:
            return await repo.get_settled_for_order(order_sn)

    async def payments_of(self, *, order_sn: str) -> list[Payment]:
        """Every payment of the order, oldest first."""
        async with self._reads() as repo:
            return await repo.list_for_order(order_sn)

    async def refund_order(self, *, order_sn: str, reason: str) -> Payment | None:
        """Refund the order's paid payment in full; None when there is none. Idempotent."""
        payment = await self.settled_payment(order_sn=order_sn)
        if payment is None or payment.pay_status == PayStatus.REFUNDED:
            return payment
        refund_no = refund_no_for(payment.sn)
        try:
            await self._provider.refund(out_trade_no=payment.sn, out_refund_no=refund_no,
                                        refund=payment.pay_total, total=payment.pay_total,
                                        reason=reason)
        except Exception:
            REFUND_FAILED.inc()
            raise
        async with self._writes() as repo:
            await repo.mark_refunded(payment.sn, refund_no=refund_no, at=int(self._clock()))
            refunded = await repo.get_by_sn(payment.sn)
        REFUND_OK.inc()  # the provider accepted it and the refund committed
        return refunded

    async def _order(self, order_sn: str) -> OrderView | None:
        if not order_sn.strip():
            raise OrderNotFound()
        try:
            return await self._orders.get_order(order_sn)
        except AppError:
            raise
        except Exception as exc:  # any failure of the order service is "dependency down"
            raise ProviderUnavailable("order service unavailable") from exc

    async def _open_pending(self, repo: PaymentRepository, order: OrderView, user_id: int) -> Payment:
        existing = await repo.get_pending(order.sn)
        if existing is not None:
            return existing
        new = NewPayment(sn=new_payment_sn(self._clock()), user_id=user_id, order_sn=order.sn,
                         service_type="homestayOrder", pay_total=order.order_total_price)
        # The unique pending_order_sn index decides races: the loser reuses the winner's row.
        created = await repo.create_pending(new)
        payment = await (repo.get_by_sn(new.sn) if created else repo.get_pending(order.sn))
        if payment is None:
            raise PaymentStateConflict()
        return payment
