"""Composition root of travel: repository, caches, use cases, routes, migrations."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import structlog

from yys.clients import Clients
from yys.kit.db import Database
from yys.kit.hosting import HostedService, MigrationSpec, Platform
from yys.kit.settings import Settings
from yys.services.travel.api import router
from yys.services.travel.caching import CachePolicy, TravelCaches
from yys.services.travel.catalogue import CatalogueService
from yys.services.travel.domain import Profile
from yys.services.travel.local_client import LocalTravelClient
from yys.services.travel.ports import TravelReads, TravelRepository
from yys.services.travel.repository import SqlTravelRepository
from yys.services.travel.service import TravelService
from yys.services.travel.tables import metadata

log = structlog.get_logger("yys.travel")

MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


class UsercenterProfiles:
    """Profiles through the usercenter client. Names and avatars only decorate a page, so when
    usercenter is down the page is still served, without them."""

    def __init__(self, clients: Clients) -> None:
        self._clients = clients

    async def profiles(self, user_ids: Sequence[int]) -> dict[int, Profile]:
        if not user_ids:
            return {}
        try:
            found = await self._clients.usercenter.get_profiles(list(user_ids))
        except Exception as exc:  # any failure of the callee degrades, never fails the page
            log.warning("usercenter profiles unavailable", error=type(exc).__name__)
            return {}
        return {uid: Profile(nickname=p.nickname, avatar=p.avatar, info=p.info)
                for uid, p in found.items()}


def cache_policy(settings: Settings) -> CachePolicy:
    return CachePolicy(ttl=settings.cache_ttl_seconds,
                       negative_ttl=settings.cache_negative_ttl_seconds,
                       jitter=settings.cache_ttl_jitter, enabled=settings.cache_enabled)


def migration_spec() -> MigrationSpec:
    return MigrationSpec(service="travel", metadata=metadata, versions=MIGRATIONS)


def build_catalogue(db: Database, caches: TravelCaches) -> CatalogueService:
    @asynccontextmanager
    async def writes() -> AsyncIterator[TravelRepository]:
        async with db.unit_of_work() as conn:
            yield SqlTravelRepository(conn)

    return CatalogueService(writes=writes, caches=caches)


def build_service(db: Database, caches: TravelCaches, clients: Clients) -> TravelService:
    @asynccontextmanager
    async def reads() -> AsyncIterator[TravelReads]:
        async with db.read() as conn:
            yield SqlTravelRepository(conn)

    return TravelService(reads=reads, caches=caches, profiles=UsercenterProfiles(clients))


def build(platform: Platform, clients: Clients) -> HostedService:
    db = platform.database("travel")
    caches = TravelCaches(platform.cache, cache_policy(platform.settings))
    service = build_service(db, caches, clients)
    return HostedService(
        name="travel",
        route_handlers=[router(service)],
        migrations=migration_spec(),
        local_client=LocalTravelClient(service),
        needs=("usercenter",),
    )
