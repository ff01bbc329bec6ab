"""What the travel use cases need from the outside world."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from yys.contracts.admin import AuditEntry
from yys.kit.listing import Sort
from yys.services.travel.domain import (
    Activity,
    ActivityFilter,
    Business,
    BusinessFilter,
    Comment,
    CommentFilter,
    Homestay,
    HomestayFilter,
    OrderRef,
    Profile,
)

Values = Mapping[str, Any]


class TravelReads(Protocol):
    async def get_homestay(self, homestay_id: int) -> Homestay | None: ...

    async def preferred_homestays(self, *, offset: int, limit: int) -> list[Homestay]: ...

    async def business_homestays(self, business_id: int, *, before_id: int | None,
                                 limit: int) -> list[Homestay]: ...

    async def newest_homestays(self, *, limit: int) -> list[Homestay]: ...

    async def get_business(self, business_id: int) -> Business | None: ...

    async def businesses(self, *, before_id: int | None, limit: int) -> list[Business]: ...

    async def good_businesses(self, *, limit: int) -> list[Business]: ...

    async def comments(self, homestay_id: int, *, before_id: int | None,
                       limit: int) -> list[Comment]: ...


class TravelRepository(TravelReads, Protocol):
    """Reads plus the writes of the catalogue use cases (one connection, caller's transaction)."""

    async def get_activity(self, activity_id: int) -> Activity | None: ...

    async def get_comment(self, comment_id: int) -> Comment | None: ...

    async def get_comment_by_order(self, order_sn: str) -> Comment | None: ...

    async def insert(self, kind: str, values: Values) -> int: ...

    async def update(self, kind: str, row_id: int, *, version: int, values: Values) -> bool:
        """Optimistic update: False when the row is gone or its version moved on."""
        ...

    async def refresh_person_consume(self, business_ids: Sequence[int] | None) -> None: ...

    async def refresh_comment_stats(self, business_ids: Sequence[int] | None) -> None: ...

    async def record_audit(self, entry: AuditEntry) -> None:
        """Put the entry in the service's outbox, in this transaction."""
        ...


class RecordLookup(Protocol):
    """Live records by id, on or off shelf."""

    async def get_homestay(self, homestay_id: int) -> Homestay | None: ...

    async def get_business(self, business_id: int) -> Business | None: ...

    async def get_activity(self, activity_id: int) -> Activity | None: ...

    async def get_comment(self, comment_id: int) -> Comment | None: ...


class AdminQueries(RecordLookup, Protocol):
    """The back office's filtered, sorted, offset-paged lists: (total, page)."""

    async def list_homestays(self, f: HomestayFilter, sort: Sort, *, offset: int,
                        limit: int) -> tuple[int, list[Homestay]]: ...

    async def list_businesses(self, f: BusinessFilter, sort: Sort, *, offset: int,
                         limit: int) -> tuple[int, list[Business]]: ...

    async def list_activities(self, f: ActivityFilter, sort: Sort, *, offset: int,
                         limit: int) -> tuple[int, list[Activity]]: ...

    async def list_comments(self, f: CommentFilter, sort: Sort, *, offset: int,
                       limit: int) -> tuple[int, list[Comment]]: ...


# A read connection opened on demand: cache hits never touch the database pool.
ReadsFactory = Callable[[], AbstractAsyncContextManager[TravelReads]]
# A transaction (the boundary commits when the block exits cleanly).
WritesFactory = Callable[[], AbstractAsyncContextManager[TravelRepository]]
AdminReadsFactory = Callable[[], AbstractAsyncContextManager[AdminQueries]]


class OrderSource(Protocol):
    async def order(self, sn: str) -> OrderRef | None: ...


class ProfileSource(Protocol):
    async def profiles(self, user_ids: Sequence[int]) -> dict[int, Profile]: ...
