"""Back-office reads of payments: validated filters and paging, and the use cases."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Final, Protocol

from yys.contracts.trade import PayStatus
from yys.kit.errors import BadRequest
from yys.services.payment.domain import Payment, PaymentNotFound

DEFAULT_PAGE_SIZE: Final = 20
MAX_PAGE_SIZE: Final = 100
SN_MAX: Final = 64


@dataclass(frozen=True, slots=True)
class PaymentFilter:
    pay_status: int | None = None
    order_sn: str | None = None
    user_id: int | None = None
    created_from: int | None = None  # unix s, inclusive
    created_to: int | None = None  # unix s, inclusive


def payment_filter(*, pay_status: int | None = None, order_sn: str | None = None,
                   user_id: int | None = None, created_from: int | None = None,
                   created_to: int | None = None) -> PaymentFilter:
    """400 on anything out of range; the values reach SQL only as bound parameters."""
    if pay_status is not None and pay_status not in {s.value for s in PayStatus}:
        raise BadRequest("payStatus must be one of -1, 0, 1, 2")
    if order_sn is not None and len(order_sn) > SN_MAX:
        raise BadRequest(f"orderSn is at most {SN_MAX} characters")
    if user_id is not None and user_id <= 0:
        raise BadRequest("userId must be a positive integer")
    for value, name in ((created_from, "from"), (created_to, "to")):
        if value is not None and value < 0:
            raise BadRequest(f"{name} must be unix seconds (0 or more)")
    if created_from is not None and created_to is not None and created_from > created_to:
        raise BadRequest("from must not be after to")
    return PaymentFilter(pay_status=pay_status, order_sn=order_sn or None, user_id=user_id,
                         created_from=created_from, created_to=created_to)


def page_window(page: int | None, size: int | None) -> tuple[int, int]:
    """(offset, limit): `page` ≥ 1, `pageSize` ≥ 1 (default 20), capped at 100."""
    page = 1 if page is None else page
    size = DEFAULT_PAGE_SIZE if size is None else size
    if not 1 <= page <= 1_000_000:
        raise BadRequest("page must be between 1 and 1000000")
    if size < 1:
        raise BadRequest("pageSize must be 1 or more")
    size = min(size, MAX_PAGE_SIZE)
    return (page - 1) * size, size


class PaymentQueries(Protocol):
    async def search(self, flt: PaymentFilter, *, offset: int,
                     limit: int) -> tuple[int, list[Payment]]:
        """How many payments match `flt`, and one page of them, newest first."""
        ...

    async def get(self, sn: str) -> Payment | None: ...


QueriesFactory = Callable[[], AbstractAsyncContextManager[PaymentQueries]]


class PaymentBackoffice:
    def __init__(self, *, queries: QueriesFactory) -> None:
        self._queries = queries

    async def list_payments(self, *, flt: PaymentFilter, page: int | None,
                            size: int | None) -> tuple[int, list[Payment]]:
        """One page of the payments matching `flt`, and how many match in all."""
        offset, limit = page_window(page, size)
        async with self._queries() as queries:
            return await queries.search(flt, offset=offset, limit=limit)

    async def payment(self, *, sn: str) -> Payment:
        """One payment by its number."""
        if not sn or len(sn) > SN_MAX:
            raise PaymentNotFound()
        async with self._queries() as queries:
            found = await queries.get(sn)
        if found is None:
            raise PaymentNotFound()
        return found
