"""Composition root of travel: repository, caches, use cases, routes, migrations."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import structlog

from yys.clients import ClientNotBoundError, Clients, active_user
from yys.contracts.trade import TradeState
from yys.kit.db import Database
from yys.kit.errors import Unavailable
from yys.kit.events import OutboxRelay
from yys.kit.hosting import BackgroundTask, HostedService, MigrationSpec, Platform
from yys.kit.http.admin import admin_guards
from yys.kit.settings import Settings
from yys.services.travel.admin_api import build_admin_router
from yys.services.travel.admin_repository import SqlAdminQueries
from yys.services.travel.admin_service import TravelAdminService
from yys.services.travel.api import router
from yys.services.travel.caching import CachePolicy, TravelCaches
from yys.services.travel.catalogue import CatalogueService
from yys.services.travel.domain import OrderRef, Profile
from yys.services.travel.local_client import LocalTravelClient
from yys.services.travel.ports import AdminQueries, TravelReads, TravelRepository
from yys.services.travel.repository import SqlTravelRepository
from yys.services.travel.reviews import ReviewService
from yys.services.travel.service import TravelService
from yys.services.travel.tables import metadata, outbox

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


class ClientOrders:
    """Orders through the order client, for comments. Not a declared need of travel: the
    catalogue serves without order; only addComment answers 503 where order is unreachable."""

    def __init__(self, clients: Clients) -> None:
        self._clients = clients

    async def order(self, sn: str) -> OrderRef | None:
        try:
            client = self._clients.order
        except ClientNotBoundError:
            raise Unavailable("orders are not reachable from this process") from None
        found = await client.get_order(sn)
        if found is None:
            return None
        return OrderRef(sn=found.sn, user_id=found.user_id, homestay_id=found.homestay_id,
                        used=found.trade_state == TradeState.USED)


def cache_policy(settings: Settings) -> CachePolicy:
    return CachePolicy(ttl=settings.cache_ttl_seconds,
                       negative_ttl=settings.cache_negative_ttl_seconds,
                       jitter=settings.cache_ttl_jitter, enabled=settings.cache_enabled)


def migration_spec() -> MigrationSpec:
    return MigrationSpec(service="travel", metadata=metadata, versions=MIGRATIONS)


def build_catalogue(db: Database, caches: TravelCaches,
                    on_commit: Callable[[], None] | None = None) -> CatalogueService:
    @asynccontextmanager
    async def writes() -> AsyncIterator[TravelRepository]:
        async with db.unit_of_work() as conn:
            yield SqlTravelRepository(conn)

    return CatalogueService(writes=writes, caches=caches, on_commit=on_commit)


def build_admin(db: Database, catalogue: CatalogueService) -> TravelAdminService:
    @asynccontextmanager
    async def reads() -> AsyncIterator[AdminQueries]:
        async with db.read() as conn:
            yield SqlAdminQueries(conn)

    return TravelAdminService(catalogue=catalogue, reads=reads)


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
    relay = OutboxRelay(db.engine, outbox, platform.bus)
    catalogue = build_catalogue(db, caches, on_commit=relay.kick)
    reviews = ReviewService(catalogue=catalogue, orders=ClientOrders(clients))
    reader, writer, _ = admin_guards(platform, clients)
    return HostedService(
        name="travel",
        route_handlers=[router(service, reviews, platform.tokens, user_check=active_user(clients)),
                        build_admin_router(build_admin(db, catalogue), reader=reader,
                                           writer=writer)],
        migrations=migration_spec(),
        # With the API role: `kick()` after an admin write publishes its audit entry at once.
        background=[BackgroundTask("travel-relay", "api", relay.run, relay.stop)],
        local_client=LocalTravelClient(service),
        needs=("usercenter",),
    )
