"""What the order use cases need from the outside world."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from yys.contracts.admin import AuditEntry
from yys.services.order.backoffice_rules import OrderFilter, PageRequest, RefundRequest
from yys.services.order.domain import NewOrder, Order, Payment
from yys.services.order.settlement import BusinessTotal, Settlement
from yys.services.order.stats import CreatedCount, PaidSum, StatsRange


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    fingerprint: str
    order_sn: str


class OrderRepository(Protocol):
    """Orders inside one transaction opened by the caller. State changes are conditional
    updates that report whether they applied, so races and retries are harmless."""

    async def insert(self, order: NewOrder) -> int: ...

    async def get_by_sn(self, sn: str) -> Order | None: ...

    async def list_for_user(self, user_id: int, *, trade_state: int | None, before_id: int | None,
                            limit: int) -> list[Order]:
        """Newest first by id; `before_id` is the keyset cursor."""
        ...

    async def transition(self, sn: str, *, from_state: int, to_state: int) -> bool:
        """`... WHERE sn = :sn AND trade_state = :from` plus a version bump."""
        ...

    async def mark_paid(self, payment: Payment) -> bool:
        """0 → 1 with the pay fields, only if the amount equals the order total."""
        ...

    async def note_payment(self, sn: str, *, pay_sn: str, note: str) -> None:
        """Record a payment that did not pay the order (e.g. refunded after a close)."""
        ...

    async def wait_pay_created_before(self, cutoff: int, *, limit: int) -> list[str]: ...

    async def count_wait_pay_created_before(self, cutoff: int) -> int:
        """How many wait-pay orders were created before `cutoff` (epoch seconds)."""
        ...

    async def claim_idempotency_key(self, *, user_id: int, key: str, fingerprint: str,
                                    order_sn: str) -> IdempotencyRecord | None:
        """Store the key; if it exists already (a unique index decides), return that record."""
        ...

    async def find_idempotency_key(self, *, user_id: int, key: str) -> IdempotencyRecord | None: ...

    async def used_order_totals(self, *, ended_from: int, ended_before: int) -> list[BusinessTotal]:
        """Per business: used orders whose stay ended in [from, before)."""
        ...

    async def add_settlements(self, records: Sequence[Settlement]) -> int:
        """Insert records, skipping (business, day) pairs that exist; returns how many were new."""
        ...

    async def wait_use_ended_before(self, cutoff: int, *, limit: int) -> list[str]:
        """Paid orders nobody checked in whose stay ended before `cutoff`, oldest first."""
        ...

    async def expire(self, sns: Sequence[str], *, cutoff: int) -> int:
        """1 → 4 for those of `sns` still waiting and ended before `cutoff` (one statement)."""
        ...

    async def add_audit(self, entry: AuditEntry) -> None:
        """Write an audit entry to the outbox in this transaction."""
        ...

    async def add_refund_request(self, sn: str, *, reason: str, requested_by: str) -> None: ...

    async def get_refund_request(self, sn: str) -> RefundRequest | None: ...

    async def pending_refunds(self, *, created_before: int, limit: int) -> list[RefundRequest]: ...

    async def finish_refund(self, sn: str, *, pay_sn: str, note: str = "") -> bool:
        """pending → done; False when it was done already."""
        ...

    async def note_refund_attempt(self, sn: str, *, error: str) -> None: ...


class OrderQueries(Protocol):
    """Read-only queries of the back office (filters are bound parameters)."""

    async def list_orders(self, flt: OrderFilter, page: PageRequest) -> tuple[int, list[Order]]:
        """The total matching `flt` and one page of them."""
        ...

    async def created_counts(self, window: StatsRange) -> list[CreatedCount]: ...

    async def paid_sums(self, window: StatsRange) -> list[PaidSum]: ...


class OrderJobs(Protocol):
    """Delay jobs written in the same unit of work as the order change (or right after it)."""

    async def schedule_close(self, order_sn: str, *, delay: float) -> None: ...

    async def schedule_pay_notify(self, order_sn: str) -> None: ...


@dataclass(frozen=True, slots=True)
class OrderUnit:
    repo: OrderRepository
    jobs: OrderJobs


ReadsFactory = Callable[[], AbstractAsyncContextManager[OrderRepository]]
WritesFactory = Callable[[], AbstractAsyncContextManager[OrderUnit]]
QueriesFactory = Callable[[], AbstractAsyncContextManager[OrderQueries]]
Clock = Callable[[], float]
