"""Back-office use cases of the catalogue: lists, details and audited writes.

Writes reuse the catalogue use cases (validation, optimistic locking, cache invalidation after
commit) and add the audit entry to the same transaction, so a committed change always has its
record and a rolled-back one never does.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import msgspec

from yys.contracts.admin import AuditEntry
from yys.kit.errors import AppError
from yys.kit.listing import Page, PageRequest, Sort
from yys.services.travel.admin_views import (
    activity_item,
    as_audit,
    business_item,
    comment_item,
    homestay_item,
)
from yys.services.travel.catalogue import CatalogueService, Tx
from yys.services.travel.domain import (
    Activity,
    ActivityFilter,
    ActivityNotFound,
    Business,
    BusinessFilter,
    BusinessNotFound,
    Comment,
    CommentFilter,
    CommentNotFound,
    Homestay,
    HomestayFilter,
    HomestayNotFound,
)
from yys.services.travel.ports import AdminReadsFactory, RecordLookup


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


E = TypeVar("E", bound=Versioned)
Values = Mapping[str, Any]


class Actor(Protocol):
    """The manager doing the write (the admin guard's principal fits)."""

    @property
    def id(self) -> int: ...

    @property
    def username(self) -> str: ...


@dataclass(frozen=True)
class Resource(Generic[E]):
    """One admin resource: how to load a record and which catalogue use cases change it."""

    name: str  # the URL segment, also the audit `resource`
    load: Callable[[RecordLookup, int], Awaitable[E | None]]
    missing: type[AppError]
    view: Callable[[E], msgspec.Struct]
    create: Callable[[CatalogueService, Tx, Values], Awaitable[int]]
    update: Callable[[CatalogueService, Tx, int, int, Values], Awaitable[None]]
    delete: Callable[[CatalogueService, Tx, int, int], Awaitable[None]]


HOMESTAYS: Resource[Homestay] = Resource(
    "homestays", lambda r, i: r.get_homestay(i), HomestayNotFound, homestay_item,
    lambda c, tx, v: c.create_homestay(tx, v),
    lambda c, tx, i, ver, v: c.update_homestay(tx, i, version=ver, changes=v),
    lambda c, tx, i, ver: c.delete_homestay(tx, i, version=ver))
BUSINESSES: Resource[Business] = Resource(
    "homestay-businesses", lambda r, i: r.get_business(i), BusinessNotFound, business_item,
    lambda c, tx, v: c.create_business(tx, v),
    lambda c, tx, i, ver, v: c.update_business(tx, i, version=ver, changes=v),
    lambda c, tx, i, ver: c.delete_business(tx, i, version=ver))
ACTIVITIES: Resource[Activity] = Resource(
    "homestay-activities", lambda r, i: r.get_activity(i), ActivityNotFound, activity_item,
    lambda c, tx, v: c.create_activity(tx, v),
    lambda c, tx, i, ver, v: c.update_activity(tx, i, version=ver, changes=v),
    lambda c, tx, i, ver: c.delete_activity(tx, i, version=ver))
COMMENTS: Resource[Comment] = Resource(
    "homestay-comments", lambda r, i: r.get_comment(i), CommentNotFound, comment_item,
    lambda c, tx, v: c.create_comment(tx, v),
    lambda c, tx, i, ver, v: c.update_comment(tx, i, version=ver, changes=v),
    lambda c, tx, i, ver: c.delete_comment(tx, i, version=ver))


class TravelAdminService:
    def __init__(self, *, catalogue: CatalogueService, reads: AdminReadsFactory,
                 clock: Callable[[], float] = time.time) -> None:
        self._catalogue = catalogue
        self._reads = reads
        self._clock = clock

    # --- lists --------------------------------------------------------------------------------

    async def homestays(self, *, f: HomestayFilter, sort: Sort, page: PageRequest) -> Page[Homestay]:
        """Homestays on and off shelf, filtered, sorted, one page."""
        async with self._reads() as q:
            total, found = await q.list_homestays(f, sort, offset=page.offset, limit=page.size)
        return Page(total, found)

    async def businesses(self, *, f: BusinessFilter, sort: Sort, page: PageRequest) -> Page[Business]:
        async with self._reads() as q:
            total, found = await q.list_businesses(f, sort, offset=page.offset, limit=page.size)
        return Page(total, found)

    async def activities(self, *, f: ActivityFilter, sort: Sort, page: PageRequest) -> Page[Activity]:
        async with self._reads() as q:
            total, found = await q.list_activities(f, sort, offset=page.offset, limit=page.size)
        return Page(total, found)

    async def comments(self, *, f: CommentFilter, sort: Sort, page: PageRequest) -> Page[Comment]:
        async with self._reads() as q:
            total, found = await q.list_comments(f, sort, offset=page.offset, limit=page.size)
        return Page(total, found)

    # --- one record ---------------------------------------------------------------------------

    async def get(self, resource: Resource[E], *, record_id: int) -> E:
        """A live record (on or off shelf); a deleted or unknown id is the resource's 404."""
        async with self._reads() as q:
            found = await resource.load(q, record_id)
        if found is None:
            raise resource.missing()
        return found

    async def create(self, resource: Resource[E], *, actor: Actor, values: Values) -> E:
        """Create and audit (`after` only)."""
        async with self._catalogue.transaction() as tx:
            new_id = await resource.create(self._catalogue, tx, values)
            after = await self._reload(resource, tx, new_id)
            await self._audit(tx, actor, resource, "create", record_id=new_id,
                              before=None, after=after)
        return after

    async def update(self, resource: Resource[E], *, actor: Actor, record_id: int, version: int,
                     changes: Values) -> E:
        """Change only the fields given; a stale `version` is a conflict (409)."""
        async with self._catalogue.transaction() as tx:
            before = await self._reload(resource, tx, record_id)
            await resource.update(self._catalogue, tx, record_id, version, changes)
            after = await self._reload(resource, tx, record_id)
            await self._audit(tx, actor, resource, "update", record_id=record_id,
                              before=before, after=after)
        return after

    async def delete(self, resource: Resource[E], *, actor: Actor, record_id: int,
                     version: int | None) -> None:
        """Soft delete; with a `version` only if nobody changed the record since."""
        async with self._catalogue.transaction() as tx:
            before = await self._reload(resource, tx, record_id)
            current = version if version is not None else before.version
            await resource.delete(self._catalogue, tx, record_id, current)
            await self._audit(tx, actor, resource, "delete", record_id=record_id,
                              before=before, after=None)

    async def _reload(self, resource: Resource[E], tx: Tx, record_id: int) -> E:
        found = await resource.load(tx.repo, record_id)
        if found is None:
            raise resource.missing()
        return found

    async def _audit(self, tx: Tx, actor: Actor, resource: Resource[E], action: str, *,
                     record_id: int, before: E | None, after: E | None) -> None:
        await tx.repo.record_audit(AuditEntry(
            actor_id=actor.id, actor_name=actor.username, action=action,
            resource=resource.name, resource_id=str(record_id), at=int(self._clock()),
            before=as_audit(resource.view(before)) if before is not None else None,
            after=as_audit(resource.view(after)) if after is not None else None,
            service="travel"))
