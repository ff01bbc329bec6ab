"""Write use cases of the catalogue (admin API, seed). They never commit: the caller's
`transaction()` block is the boundary, and the caches are invalidated only after it commits, so
a concurrent reader cannot re-cache the old row from a not-yet-committed write."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from yys.kit.errors import Conflict
from yys.services.travel import rules
from yys.services.travel.caching import Stale, TravelCaches
from yys.services.travel.domain import (
    PREFERRED_HOMESTAY,
    ActivityNotFound,
    BusinessNotFound,
    CommentExists,
    CommentNotFound,
    HomestayNotFound,
)
from yys.services.travel.ports import TravelRepository, WritesFactory


@dataclass
class Tx:
    """One open transaction plus the cache entries its writes made stale."""

    repo: TravelRepository
    stale: Stale = field(default_factory=Stale)


class CatalogueService:
    def __init__(self, *, writes: WritesFactory, caches: TravelCaches,
                 on_commit: Callable[[], None] | None = None) -> None:
        self._writes = writes
        self._caches = caches
        # Told after every commit (the outbox relay's kick: audit events leave at once).
        self._on_commit = on_commit

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """Commit on clean exit, then drop what the writes made stale."""
        async with self._writes() as repo:
            tx = Tx(repo)
            yield tx
        if self._on_commit is not None:
            self._on_commit()
        await self._caches.drop(tx.stale)

    # --- homestays -----------------------------------------------------------------------------

    async def create_homestay(self, tx: Tx, values: Mapping[str, Any]) -> int:
        """A homestay of an existing business; it inherits the business owner."""
        data = rules.checked(values, rules.HOMESTAY, required=rules.HOMESTAY_REQUIRED)
        business = await tx.repo.get_business(data["homestay_business_id"])
        if business is None:
            raise BusinessNotFound()
        new_id = await tx.repo.insert("homestay", {**data, "user_id": business.user_id})
        await self._homestay_changed(tx, new_id, {business.id})
        return new_id

    async def update_homestay(self, tx: Tx, homestay_id: int, *, version: int,
                              changes: Mapping[str, Any]) -> None:
        """Change the fields given; a stale `version` is a conflict."""
        data = rules.checked(changes, rules.HOMESTAY)
        current = await tx.repo.get_homestay(homestay_id)
        if current is None:
            raise HomestayNotFound()
        touched = {current.homestay_business_id}
        if "homestay_business_id" in data:
            business = await tx.repo.get_business(data["homestay_business_id"])
            if business is None:
                raise BusinessNotFound()
            data["user_id"] = business.user_id
            touched.add(business.id)
        await self._update(tx, "homestay", homestay_id, version, data)
        await self._homestay_changed(tx, homestay_id, touched)

    async def delete_homestay(self, tx: Tx, homestay_id: int, *, version: int) -> None:
        current = await tx.repo.get_homestay(homestay_id)
        if current is None:
            raise HomestayNotFound()
        await self._update(tx, "homestay", homestay_id, version, {"del_state": 1})
        await self._homestay_changed(tx, homestay_id, {current.homestay_business_id})

    async def _homestay_changed(self, tx: Tx, homestay_id: int, businesses: set[int]) -> None:
        # The businesses' per-guest spend and comment stats derive from their homestays.
        await tx.repo.refresh_person_consume(sorted(businesses))
        await tx.repo.refresh_comment_stats(sorted(businesses))
        tx.stale.homestay(homestay_id)
        for business_id in businesses:
            tx.stale.business(business_id)

    # --- businesses ----------------------------------------------------------------------------

    async def create_business(self, tx: Tx, values: Mapping[str, Any]) -> int:
        data = rules.checked(values, rules.BUSINESS_CREATE, required=rules.BUSINESS_REQUIRED)
        new_id = await tx.repo.insert("business", data)
        tx.stale.business(new_id)  # drops a cached "absent" answer for this id
        return new_id

    async def update_business(self, tx: Tx, business_id: int, *, version: int,
                              changes: Mapping[str, Any]) -> None:
        data = rules.checked(changes, rules.BUSINESS)
        if await tx.repo.get_business(business_id) is None:
            raise BusinessNotFound()
        await self._update(tx, "business", business_id, version, data)
        tx.stale.business(business_id)

    async def delete_business(self, tx: Tx, business_id: int, *, version: int) -> None:
        if await tx.repo.get_business(business_id) is None:
            raise BusinessNotFound()
        await self._update(tx, "business", business_id, version, {"del_state": 1})
        tx.stale.business(business_id)

    # --- activities ----------------------------------------------------------------------------

    async def create_activity(self, tx: Tx, values: Mapping[str, Any]) -> int:
        """Feature a homestay (`preferredHomestay`) or a business (`goodBusiness`)."""
        data = rules.checked(values, rules.ACTIVITY, required=rules.ACTIVITY_REQUIRED)
        data.setdefault("row_status", 1)
        await self._check_target(tx, data["row_type"], data["data_id"])
        new_id = await tx.repo.insert("activity", data)
        tx.stale.lists = True
        return new_id

    async def update_activity(self, tx: Tx, activity_id: int, *, version: int,
                              changes: Mapping[str, Any]) -> None:
        data = rules.checked(changes, rules.ACTIVITY)
        current = await tx.repo.get_activity(activity_id)
        if current is None:
            raise ActivityNotFound()
        if "row_type" in data or "data_id" in data:
            await self._check_target(tx, data.get("row_type", current.row_type),
                                     data.get("data_id", current.data_id))
        await self._update(tx, "activity", activity_id, version, data)
        tx.stale.lists = True

    async def delete_activity(self, tx: Tx, activity_id: int, *, version: int) -> None:
        if await tx.repo.get_activity(activity_id) is None:
            raise ActivityNotFound()
        await self._update(tx, "activity", activity_id, version, {"del_state": 1})
        tx.stale.lists = True

    async def _check_target(self, tx: Tx, row_type: str, data_id: int) -> None:
        if row_type == PREFERRED_HOMESTAY:
            if await tx.repo.get_homestay(data_id) is None:
                raise HomestayNotFound()
        elif await tx.repo.get_business(data_id) is None:
            raise BusinessNotFound()

    # --- comments (uncached: the list is read by keyset straight from its index) ---------------

    async def create_comment(self, tx: Tx, values: Mapping[str, Any]) -> int:
        """A comment on a live homestay; at most one per order (`CommentExists`)."""
        data = rules.checked(values, rules.COMMENT, required=rules.COMMENT_REQUIRED)
        # No order is NULL, not "": only real order numbers are bound by the unique index.
        data["order_sn"] = data.get("order_sn") or None
        homestay = await tx.repo.get_homestay(data["homestay_id"])
        if homestay is None:
            raise HomestayNotFound()
        if data["order_sn"] and await tx.repo.get_comment_by_order(data["order_sn"]):
            raise CommentExists()  # the fast path; the unique index decides races
        new_id = await tx.repo.insert("comment", data)
        await self._comments_changed(tx, homestay.homestay_business_id)
        return new_id

    async def update_comment(self, tx: Tx, comment_id: int, *, version: int,
                             changes: Mapping[str, Any]) -> None:
        data = rules.checked(changes, rules.COMMENT_UPDATE)
        current = await tx.repo.get_comment(comment_id)
        if current is None:
            raise CommentNotFound()
        await self._update(tx, "comment", comment_id, version, data)
        await self._comment_homestay_changed(tx, current.homestay_id)

    async def delete_comment(self, tx: Tx, comment_id: int, *, version: int) -> None:
        current = await tx.repo.get_comment(comment_id)
        if current is None:
            raise CommentNotFound()
        await self._update(tx, "comment", comment_id, version, {"del_state": 1})
        await self._comment_homestay_changed(tx, current.homestay_id)

    async def _comment_homestay_changed(self, tx: Tx, homestay_id: int) -> None:
        homestay = await tx.repo.get_homestay(homestay_id)
        if homestay is not None:  # a deleted homestay's comments count for nobody
            await self._comments_changed(tx, homestay.homestay_business_id)

    async def _comments_changed(self, tx: Tx, business_id: int) -> None:
        # The business' star and comment count are derived from its comments (and cached).
        await tx.repo.refresh_comment_stats([business_id])
        tx.stale.business(business_id)

    async def _update(self, tx: Tx, kind: str, row_id: int, version: int,
                      data: dict[str, Any]) -> None:
        if not await tx.repo.update(kind, row_id, version=version, values=data):
            raise Conflict("the record was changed by someone else; reload and retry")
