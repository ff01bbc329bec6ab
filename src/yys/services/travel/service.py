"""Read use cases of the public catalogue API (cache-aside in front of the repository)."""

from __future__ import annotations

from yys.services.travel.caching import TravelCaches
from yys.services.travel.domain import (
    GOOD_BOSS_SIZE,
    GUESS_SIZE,
    UNKNOWN_PROFILE,
    Boss,
    Business,
    BusinessNotFound,
    CommentView,
    Homestay,
    HomestayNotFound,
    attach_authors,
    keyset_before,
    make_boss,
    page_offset,
    page_size,
    rank_bosses,
    require_id,
)
from yys.services.travel.ports import ProfileSource, ReadsFactory

# homestayList pages are cached only this deep: the curated list is short, and deep pages of a
# long one are rare enough to read from the database.
CACHED_PAGES = 10


class TravelService:
    def __init__(self, *, reads: ReadsFactory, caches: TravelCaches,
                 profiles: ProfileSource) -> None:
        self._reads = reads
        self._caches = caches
        self._profiles = profiles

    async def find_homestay(self, homestay_id: int) -> Homestay | None:
        """Any live homestay by id, on or off shelf (cached, absent ids included)."""
        return await self._caches.homestay.get(str(homestay_id),
                                               lambda: self._load_homestay(homestay_id))

    async def _load_homestay(self, homestay_id: int) -> Homestay | None:
        async with self._reads() as repo:
            return await repo.get_homestay(homestay_id)

    async def homestay_detail(self, *, homestay_id: int) -> Homestay:
        """An on-shelf homestay; absent and off-shelf ones are both 'not found'."""
        found = await self.find_homestay(require_id(homestay_id))
        if found is None or not found.on_shelf:
            raise HomestayNotFound()
        return found

    async def preferred_homestays(self, *, page: int | None, size: int | None) -> list[Homestay]:
        """Homestays of active `preferredHomestay` activities, in activity order."""
        limit = page_size(size)
        offset = page_offset(page, limit)

        async def load() -> list[Homestay]:
            async with self._reads() as repo:
                return await repo.preferred_homestays(offset=offset, limit=limit)

        if offset >= CACHED_PAGES * limit:
            return await load()
        generation = await self._caches.generation()
        return await self._caches.homestay_pages.get(
            f"preferred:{generation}:{offset}:{limit}", load) or []

    async def guess_homestays(self) -> list[Homestay]:
        """Up to five recommendations: the newest on-shelf homestays (one cached page)."""

        async def load() -> list[Homestay]:
            async with self._reads() as repo:
                return await repo.newest_homestays(limit=GUESS_SIZE)

        generation = await self._caches.generation()
        return await self._caches.homestay_pages.get(f"guess:{generation}", load) or []

    async def business_homestays(self, *, business_id: int, last_id: int | None,
                                 size: int | None) -> list[Homestay]:
        """One business' on-shelf homestays, newest first (keyset)."""
        require_id(business_id, "homestayBusinessId")
        before, limit = keyset_before(last_id), page_size(size)
        async with self._reads() as repo:
            return await repo.business_homestays(business_id, before_id=before, limit=limit)

    async def find_business(self, business_id: int) -> Business | None:
        async def load() -> Business | None:
            async with self._reads() as repo:
                return await repo.get_business(business_id)

        return await self._caches.business.get(str(business_id), load)

    async def businesses(self, *, last_id: int | None, size: int | None) -> list[Business]:
        """Listed businesses, newest first (keyset)."""
        before, limit = keyset_before(last_id), page_size(size)
        async with self._reads() as repo:
            return await repo.businesses(before_id=before, limit=limit)

    async def _good_businesses(self) -> list[Business]:
        async def load() -> list[Business]:
            async with self._reads() as repo:
                return await repo.good_businesses(limit=GOOD_BOSS_SIZE)

        generation = await self._caches.generation()
        return await self._caches.business_pages.get(f"good:{generation}", load) or []

    async def good_bosses(self) -> list[Boss]:
        """Bosses of active `goodBusiness` activities, ranked in activity order (first featured
        is rank 1)."""
        good = await self._good_businesses()
        profiles = await self._profiles.profiles(sorted({b.user_id for b in good}))
        return rank_bosses(good, profiles)

    async def business_boss(self, *, business_id: int) -> Boss:
        """A business shown as its boss; rank is its place among the good businesses, else 0."""
        business = await self.find_business(require_id(business_id))
        if business is None or not business.on_shelf:
            raise BusinessNotFound()
        good_ids = [b.id for b in await self._good_businesses()]
        rank = good_ids.index(business.id) + 1 if business.id in good_ids else 0
        profiles = await self._profiles.profiles([business.user_id])
        return make_boss(business, profiles.get(business.user_id, UNKNOWN_PROFILE), rank)

    async def comments(self, *, homestay_id: int, last_id: int | None,
                       size: int | None) -> list[CommentView]:
        """A homestay's comments, newest first (keyset), with their authors' names."""
        require_id(homestay_id, "homestayId")
        before, limit = keyset_before(last_id), page_size(size)
        async with self._reads() as repo:
            found = await repo.comments(homestay_id, before_id=before, limit=limit)
        profiles = await self._profiles.profiles(sorted({c.user_id for c in found}))
        return attach_authors(found, profiles)
