"""The in-process binding of `yys.clients.payment.PaymentClient`."""

from __future__ import annotations

from yys.contracts.trade import PaymentView
from yys.services.payment.domain import Payment
from yys.services.payment.service import PaymentService


def payment_view(payment: Payment) -> PaymentView:
    return PaymentView(sn=payment.sn, order_sn=payment.order_sn, user_id=payment.user_id,
                       pay_status=int(payment.pay_status), pay_total=payment.pay_total,
                       pay_mode=payment.pay_mode, transaction_id=payment.transaction_id,
                       pay_time=payment.pay_time or 0)


class LocalPaymentClient:
    def __init__(self, service: PaymentService) -> None:
        self._service = service

    async def get_paid_payment(self, order_sn: str) -> PaymentView | None:
        """The order's successful payment: `pay_status` 1 (paid) or 2 (paid, then refunded)."""
        payment = await self._service.settled_payment(order_sn=order_sn)
        return None if payment is None else payment_view(payment)

    async def refund_order_payment(self, order_sn: str, *, reason: str) -> PaymentView | None:
        payment = await self._service.refund_order(order_sn=order_sn, reason=reason)
        return None if payment is None else payment_view(payment)

    async def list_payments(self, order_sn: str) -> list[PaymentView]:
        return [payment_view(p) for p in await self._service.payments_of(order_sn=order_sn)]

    async def reconcile_order_payment(self, order_sn: str) -> PaymentView | None:
        payment = await self._service.reconcile_order(order_sn=order_sn)
        return None if payment is None else payment_view(payment)
