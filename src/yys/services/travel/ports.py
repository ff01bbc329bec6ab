"""What the travel use cases need from the outside world."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from yys.services.travel.domain import Activity, Business, Comment, Homestay, Profile

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

    async def insert(self, kind: str, values: Values) -> int: ...

    async def update(self, kind: str, row_id: int, *, version: int, values: Values) -> bool:
        """Optimistic update: False when the row is gone or its version moved on."""
        ...

    async def refresh_person_consume(self, business_ids: Sequence[int] | None) -> None: ...


# A read connection opened on demand: cache hits never touch the database pool.
ReadsFactory = Callable[[], AbstractAsyncContextManager[TravelReads]]
# A transaction (the boundary commits when the block exits cleanly).
WritesFactory = Callable[[], AbstractAsyncContextManager[TravelRepository]]


class ProfileSource(Protocol):
    async def profiles(self, user_ids: Sequence[int]) -> dict[int, Profile]: ...
