"""Read and write use cases over an in-memory repository and the in-process cache."""

from __future__ import annotations

import pytest

from tests.unit.services.travel.fakes import FakeProfiles, FakeRepo, business, homestay
from yys.kit.cache import MemoryCache
from yys.kit.errors import BadRequest, Conflict
from yys.services.travel.caching import CachePolicy, TravelCaches
from yys.services.travel.catalogue import CatalogueService
from yys.services.travel.domain import (
    GOOD_BUSINESS,
    PREFERRED_HOMESTAY,
    Activity,
    BusinessNotFound,
    HomestayNotFound,
)
from yys.services.travel.service import CACHED_PAGES, TravelService


@pytest.fixture
def repo() -> FakeRepo:
    r = FakeRepo()
    r.business_rows = {1: business(1), 2: business(2), 3: business(3, row_state=0)}
    r.homestays = {i: homestay(i, business_id=1 + i % 2) for i in range(1, 31)}
    r.homestays[5] = homestay(5, row_state=0)
    r.activities = {n: Activity(id=n, row_type=PREFERRED_HOMESTAY, data_id=h, row_status=1)
                    for n, h in enumerate([4, 5, 6, 7, 8], start=1)}
    r.activities[10] = Activity(id=10, row_type=GOOD_BUSINESS, data_id=2, row_status=1)
    r.activities[11] = Activity(id=11, row_type=GOOD_BUSINESS, data_id=1, row_status=1)
    return r


@pytest.fixture
def caches() -> TravelCaches:
    return TravelCaches(MemoryCache(), CachePolicy())


@pytest.fixture
def profiles() -> FakeProfiles:
    return FakeProfiles()


@pytest.fixture
def service(repo: FakeRepo, caches: TravelCaches, profiles: FakeProfiles) -> TravelService:
    return TravelService(reads=repo.reads, caches=caches, profiles=profiles)


@pytest.fixture
def catalogue(repo: FakeRepo, caches: TravelCaches) -> CatalogueService:
    return CatalogueService(writes=repo.writes, caches=caches)


async def test_detail_is_loaded_once_then_served_from_cache(service: TravelService,
                                                            repo: FakeRepo) -> None:
    for _ in range(3):
        assert (await service.homestay_detail(homestay_id=4)).id == 4
    assert repo.calls["get_homestay"] == 1


async def test_absent_and_off_shelf_homestays_are_not_found_and_absence_is_cached(
        service: TravelService, repo: FakeRepo) -> None:
    for hid in (999, 999, 5, 5):
        with pytest.raises(HomestayNotFound):
            await service.homestay_detail(homestay_id=hid)
    assert repo.calls["get_homestay"] == 2
    with pytest.raises(BadRequest):
        await service.homestay_detail(homestay_id=0)


async def test_preferred_list_skips_off_shelf_and_pages(service: TravelService,
                                                       repo: FakeRepo) -> None:
    first = await service.preferred_homestays(page=1, size=2)
    second = await service.preferred_homestays(page=2, size=2)
    rest = await service.preferred_homestays(page=3, size=2)
    assert [h.id for h in first + second + rest] == [4, 6, 7, 8]
    assert await service.preferred_homestays(page=1, size=2) == first
    assert repo.calls["preferred_homestays"] == 3  # the repeat came from the cache


async def test_deep_preferred_pages_bypass_the_cache(service: TravelService,
                                                     repo: FakeRepo) -> None:
    for _ in range(2):
        await service.preferred_homestays(page=CACHED_PAGES + 1, size=1)
    assert repo.calls["preferred_homestays"] == 2


async def test_guess_list_is_five_newest_on_shelf_and_cached(service: TravelService,
                                                            repo: FakeRepo) -> None:
    guess = await service.guess_homestays()
    assert [h.id for h in guess] == [30, 29, 28, 27, 26]
    await service.guess_homestays()
    assert repo.calls["newest_homestays"] == 1


async def test_keyset_pages_of_a_business_have_no_gaps_or_duplicates(
        service: TravelService) -> None:
    seen: list[int] = []
    last = 0
    while True:
        page = await service.business_homestays(business_id=2, last_id=last, size=4)
        if not page:
            break
        seen += [h.id for h in page]
        last = page[-1].id
    assert seen == sorted((i for i in range(1, 31) if i % 2 == 1 and i != 5), reverse=True)


async def test_good_bosses_rank_and_profiles(service: TravelService,
                                             profiles: FakeProfiles) -> None:
    bosses = await service.good_bosses()
    assert [(b.id, b.rank, b.nickname) for b in bosses] == [(2, 1, "user102"), (1, 2, "user101")]
    boss = await service.business_boss(business_id=1)
    assert (boss.rank, boss.user_id, boss.avatar) == (2, 101, "https://a/101.png")
    with pytest.raises(BusinessNotFound):
        await service.business_boss(business_id=3)  # not listed


async def test_update_invalidates_detail_only_after_commit(
        service: TravelService, catalogue: CatalogueService, repo: FakeRepo) -> None:
    assert (await service.homestay_detail(homestay_id=4)).homestay_price == 10000
    async with catalogue.transaction() as tx:
        await catalogue.update_homestay(tx, 4, version=0, changes={"homestay_price": 25000})
        # Not committed yet: readers still get the cached row, not a half-written one.
        assert (await service.homestay_detail(homestay_id=4)).homestay_price == 10000
    assert repo.commits == 1
    assert (await service.homestay_detail(homestay_id=4)).homestay_price == 25000
    assert repo.calls["refresh_person_consume"] == 1


async def test_stale_version_is_a_conflict_and_drops_nothing(
        service: TravelService, catalogue: CatalogueService) -> None:
    await service.homestay_detail(homestay_id=4)
    with pytest.raises(Conflict):
        async with catalogue.transaction() as tx:
            await catalogue.update_homestay(tx, 4, version=7, changes={"title": "new"})
    assert (await service.homestay_detail(homestay_id=4)).title == "h4"


async def test_activity_and_homestay_writes_refresh_the_list_pages(
        service: TravelService, catalogue: CatalogueService) -> None:
    assert [h.id for h in await service.preferred_homestays(page=1, size=10)] == [4, 6, 7, 8]
    guess = await service.guess_homestays()
    async with catalogue.transaction() as tx:
        await catalogue.create_activity(tx, {"row_type": PREFERRED_HOMESTAY, "data_id": 9})
        await catalogue.update_homestay(tx, 30, version=0, changes={"row_state": 0})
    assert [h.id for h in await service.preferred_homestays(page=1, size=10)] == [4, 6, 7, 8, 9]
    assert [h.id for h in await service.guess_homestays()] == [h.id - 1 for h in guess]


async def test_new_homestay_drops_its_cached_absence(
        service: TravelService, catalogue: CatalogueService) -> None:
    with pytest.raises(HomestayNotFound):
        await service.homestay_detail(homestay_id=31)
    async with catalogue.transaction() as tx:
        new_id = await catalogue.create_homestay(tx, {"title": "新房", "homestay_business_id": 2,
                                                      "homestay_price": 5000, "row_state": 1})
    assert new_id == 31
    found = await service.homestay_detail(homestay_id=31)
    assert (found.title, found.user_id) == ("新房", 102)


async def test_creating_for_a_missing_business_or_target_is_not_found(
        catalogue: CatalogueService) -> None:
    with pytest.raises(BusinessNotFound):
        async with catalogue.transaction() as tx:
            await catalogue.create_homestay(tx, {"title": "x", "homestay_business_id": 99,
                                                 "homestay_price": 1})
    with pytest.raises(HomestayNotFound):
        async with catalogue.transaction() as tx:
            await catalogue.create_activity(tx, {"row_type": PREFERRED_HOMESTAY, "data_id": 99})
