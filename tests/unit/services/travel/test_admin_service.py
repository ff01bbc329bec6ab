"""Admin write use cases on fakes: audit entries with before/after in the write's transaction,
partial updates, optimistic locking, and the relay told after each commit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest

from tests.unit.services.travel.fakes import FakeRepo, business, homestay
from yys.kit.cache import MemoryCache
from yys.kit.errors import Conflict
from yys.services.travel.admin_service import HOMESTAYS, TravelAdminService
from yys.services.travel.caching import CachePolicy, TravelCaches
from yys.services.travel.catalogue import CatalogueService
from yys.services.travel.domain import HomestayNotFound


@dataclass(frozen=True)
class Manager:
    id: int = 7
    username: str = "ops"


@pytest.fixture
def repo() -> FakeRepo:
    fake = FakeRepo()
    fake.business_rows[1] = business(1)
    fake.homestays[1] = homestay(1, price=39999)
    return fake


@pytest.fixture
def kicks() -> list[int]:
    return []


@pytest.fixture
def admin(repo: FakeRepo, kicks: list[int]) -> TravelAdminService:
    catalogue = CatalogueService(writes=repo.writes,
                                 caches=TravelCaches(MemoryCache(), CachePolicy()),
                                 on_commit=lambda: kicks.append(1))

    @asynccontextmanager
    async def reads() -> AsyncIterator[FakeRepo]:
        yield repo

    return TravelAdminService(catalogue=catalogue, reads=reads, clock=lambda: 1_800_000_000.0)


async def test_update_changes_only_what_was_sent_and_audits(admin: TravelAdminService,
                                                            repo: FakeRepo, kicks: list[int]
                                                            ) -> None:
    after = await admin.update(HOMESTAYS, actor=Manager(), record_id=1, version=0,
                               changes={"title": "new"})
    assert after.title == "new" and after.homestay_price == 39999 and after.version == 1
    [entry] = repo.audits
    assert (entry.actor_id, entry.actor_name, entry.action, entry.resource, entry.resource_id,
            entry.at, entry.service) == (7, "ops", "update", "homestays", "1", 1_800_000_000,
                                         "travel")
    assert entry.before is not None and entry.after is not None
    assert (entry.before["title"], entry.after["title"]) == ("h1", "new")
    assert entry.before["homestayPrice"] == entry.after["homestayPrice"] == 399.99
    assert kicks == [1] and repo.commits == 1


async def test_stale_version_is_a_conflict_without_audit(admin: TravelAdminService,
                                                         repo: FakeRepo) -> None:
    with pytest.raises(Conflict):
        await admin.update(HOMESTAYS, actor=Manager(), record_id=1, version=5,
                           changes={"title": "x"})
    assert repo.audits == [] and repo.homestays[1].title == "h1"


async def test_create_and_delete_audit(admin: TravelAdminService, repo: FakeRepo) -> None:
    created = await admin.create(HOMESTAYS, actor=Manager(), values={
        "title": "t", "homestay_business_id": 1, "homestay_price": 100})
    assert created.user_id == business(1).user_id  # inherits the business owner
    await admin.delete(HOMESTAYS, actor=Manager(), record_id=created.id, version=None)
    create, delete = repo.audits
    assert create.before is None and create.after is not None and create.after["id"] == created.id
    assert delete.after is None and delete.before is not None
    with pytest.raises(HomestayNotFound):
        await admin.get(HOMESTAYS, record_id=created.id)
