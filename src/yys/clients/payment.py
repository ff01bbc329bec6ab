"""The payment client interface used by other services."""

from __future__ import annotations

from typing import Protocol

from yys.contracts.trade import PaymentView


class PaymentClient(Protocol):
    async def get_paid_payment(self, order_sn: str) -> PaymentView | None:
        """The successful payment of an order, if any."""
        ...

    async def refund_order_payment(self, order_sn: str, *, reason: str) -> PaymentView | None:
        """Refund the paid payment of an order through the provider (idempotent); None if the
        order has no paid payment."""
        ...

    async def list_payments(self, order_sn: str) -> list[PaymentView]:
        """Every payment of an order, whatever its status, oldest first (for the back office)."""
        ...

    async def reconcile_order_payment(self, order_sn: str) -> PaymentView | None:
        """Ask the provider about the order's pending payment and record its outcome as its
        notify would (for a late or lost notify); returns the successful payment, if any."""
        ...
