"""Composition root of payment: provider adapter, repository, outbox relay, routes, client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from yys.clients import Clients, active_user
from yys.contracts.trade import OrderView
from yys.kit.db import Database
from yys.kit.events import OutboxRelay
from yys.kit.hosting import BackgroundTask, HostedService, MigrationSpec, Platform
from yys.kit.http.admin import admin_guards
from yys.kit.wechatpay.settings import WxPayKeyring, WxPaySettings
from yys.services.payment.admin_api import admin_router
from yys.services.payment.api import PaymentApi, build_router
from yys.services.payment.backoffice import PaymentBackoffice, PaymentQueries
from yys.services.payment.local_client import LocalPaymentClient
from yys.services.payment.ports import PaymentProvider, PaymentRepository
from yys.services.payment.queries import SqlPaymentQueries
from yys.services.payment.repository import SqlPaymentRepository
from yys.services.payment.service import PaymentService
from yys.services.payment.tables import metadata, outbox
from yys.services.payment.wechat import WechatPayProvider

NAME = "payment"
MIGRATIONS = MigrationSpec(NAME, metadata, versions=Path(__file__).parent / "migrations" / "versions")


class ClientOrders:
    """Orders through the order client, looked up at call time (late-bound)."""

    def __init__(self, clients: Clients) -> None:
        self._clients = clients

    async def get_order(self, sn: str) -> OrderView | None:
        return await self._clients.order.get_order(sn)


class UserIdPayers:
    """A stable pseudo openid per user. The sandbox accepts it; the real provider needs the
    user's mini-program openid, which the usercenter client does not expose yet."""

    async def openid(self, user_id: int) -> str:
        return f"yys-user-{user_id}"


def build_service(db: Database, provider: PaymentProvider, clients: Clients) -> PaymentService:
    @asynccontextmanager
    async def writes() -> AsyncIterator[PaymentRepository]:
        async with db.unit_of_work() as conn:
            yield SqlPaymentRepository(conn)

    @asynccontextmanager
    async def reads() -> AsyncIterator[PaymentRepository]:
        async with db.read() as conn:
            yield SqlPaymentRepository(conn)

    return PaymentService(writes=writes, reads=reads, provider=provider,
                          orders=ClientOrders(clients), payers=UserIdPayers())


def build_backoffice(db: Database) -> PaymentBackoffice:
    @asynccontextmanager
    async def queries() -> AsyncIterator[PaymentQueries]:
        async with db.read() as conn:
            yield SqlPaymentQueries(conn)

    return PaymentBackoffice(queries=queries)


def build(platform: Platform, clients: Clients) -> HostedService:
    return build_with(platform, clients, WxPaySettings())


def build_with(platform: Platform, clients: Clients, wx: WxPaySettings) -> HostedService:
    db = platform.database(NAME)
    provider = WechatPayProvider(WxPayKeyring(wx, platform.settings))
    service = build_service(db, provider, clients)
    relay = OutboxRelay(db.engine, outbox, platform.bus)
    reader, _, _ = admin_guards(platform, clients)
    return HostedService(
        name=NAME,
        route_handlers=[build_router(PaymentApi(service, platform.tokens, relay.kick),
                                     user_check=active_user(clients)),
                        admin_router(build_backoffice(db), reader=reader)],
        migrations=MIGRATIONS,
        on_startup=[provider.load_keys],
        on_shutdown=[provider.close],
        # With the API role: `kick()` right after a commit publishes at once; replicas are safe.
        background=[BackgroundTask("payment-relay", "api", relay.run, relay.stop)],
        local_client=LocalPaymentClient(service),
        needs=("usercenter", "order", "admin"),
    )
