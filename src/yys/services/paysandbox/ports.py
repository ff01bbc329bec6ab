"""What the sandbox use cases need: storage of transactions and refunds, and notify delivery."""

from __future__ import annotations

from typing import Protocol

from yys.services.paysandbox.domain import NewTransaction, Refund, Transaction


class SandboxRepository(Protocol):
    """Transactions and refunds inside one transaction opened by the caller."""

    async def get_by_out_trade_no(self, mchid: str, out_trade_no: str) -> Transaction | None: ...

    async def get_by_prepay_id(self, prepay_id: str) -> Transaction | None: ...

    async def create(self, new: NewTransaction, *, prepay_id: str, notify_id: str) -> bool:
        """Insert; False when the out_trade_no exists already (a concurrent create won)."""
        ...

    async def settle(self, prepay_id: str, *, trade_state: str, transaction_id: str | None,
                     success_time: int | None) -> bool:
        """NOTPAY → `trade_state`; False when the transaction was no longer NOTPAY."""
        ...

    async def mark_notified(self, prepay_id: str) -> None: ...

    async def count_notify_attempt(self, prepay_id: str) -> None: ...

    async def get_refund(self, mchid: str, out_refund_no: str) -> Refund | None: ...

    async def add_refund(self, mchid: str, refund: Refund) -> bool:
        """Record the refund and add its amount to the transaction, only while the refunded sum
        stays within the total; False when the out_refund_no exists or the sum would exceed it."""
        ...


class NotifyScheduler(Protocol):
    async def schedule(self, prepay_id: str) -> None:
        """Deliver the notify of this transaction (idempotent per transaction)."""
        ...
