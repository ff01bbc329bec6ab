"""Composition root of order: repository, job queue, use cases, routes, consumer, worker and
scheduler. Nothing here runs at import time."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from yys.clients import Clients, active_user
from yys.kit.db import Database
from yys.kit.delayqueue import DelayQueue, PeriodicTask, Scheduler, Worker
from yys.kit.delayqueue.sql import SqlDelayQueue
from yys.kit.events import OutboxRelay
from yys.kit.hosting import BackgroundTask, HostedService, MigrationSpec, Platform
from yys.kit.http.admin import admin_guards
from yys.services.order import tables
from yys.services.order.actions import OrderActions
from yys.services.order.admin_api import OrderAdmin, admin_router
from yys.services.order.api import router
from yys.services.order.backoffice import OrderBackoffice
from yys.services.order.consumers import PaymentConsumer, PaymentStatusHandler
from yys.services.order.jobs import DeferredJobs, TransactionalJobs, job_handlers, settle_entry
from yys.services.order.lifecycle import OrderLifecycle
from yys.services.order.local_client import LocalOrderClient
from yys.services.order.ports import (
    OrderQueries,
    OrderRepository,
    OrderUnit,
    QueriesFactory,
    ReadsFactory,
    WritesFactory,
)
from yys.services.order.queries import SqlOrderQueries
from yys.services.order.repository import SqlOrderRepository
from yys.services.order.service import OrderService
from yys.services.order.settings import OrderSettings
from yys.services.order.settlement_api import Settlements, settlement_router

NAME = "order"
MIGRATIONS = MigrationSpec(NAME, tables.metadata,
                           versions=Path(__file__).parent / "migrations" / "versions")


def order_queue(platform: Platform) -> DelayQueue:
    return platform.jobs.queue(NAME, tables.delay_job)


def unit_factories(db: Database, queue: DelayQueue) -> tuple[ReadsFactory, WritesFactory]:
    """Reads on a plain connection; writes in one transaction that also carries the jobs."""

    @asynccontextmanager
    async def reads() -> AsyncIterator[OrderRepository]:
        async with db.read() as conn:
            yield SqlOrderRepository(conn)

    @asynccontextmanager
    async def writes() -> AsyncIterator[OrderUnit]:
        if isinstance(queue, SqlDelayQueue):
            # The SQL adapter keeps order's jobs in order's own database (see JobQueues), so
            # the job row commits atomically with the order change.
            async with db.unit_of_work() as conn:
                jobs = TransactionalJobs(queue, conn)
                yield OrderUnit(SqlOrderRepository(conn), jobs)
            jobs.committed()
            return
        deferred = DeferredJobs(queue)
        async with db.unit_of_work() as conn:
            yield OrderUnit(SqlOrderRepository(conn), deferred)
        await deferred.flush()

    return reads, writes


def queries_factory(db: Database) -> QueriesFactory:
    @asynccontextmanager
    async def queries() -> AsyncIterator[OrderQueries]:
        async with db.read() as conn:
            yield SqlOrderQueries(conn)

    return queries


def build(platform: Platform, clients: Clients) -> HostedService:
    settings = platform.settings
    own = OrderSettings()
    queue = order_queue(platform)
    db = platform.database(NAME)
    reads, writes = unit_factories(db, queue)
    service = OrderService(reads=reads, writes=writes, clients=clients, clock=time.time,
                           close_delay=settings.order_close_delay_seconds)
    lifecycle = OrderLifecycle(reads=reads, writes=writes, clients=clients, clock=time.time,
                               close_delay=settings.order_close_delay_seconds,
                               commission_bps=own.commission_bps, settle_tz=own.settle_tz,
                               expire_grace=own.expire_grace_seconds)
    # Publishes the audit entries of back-office actions; kicked right after their commit.
    relay = OutboxRelay(db.engine, tables.outbox, platform.bus)
    actions = OrderActions(reads=reads, writes=writes, clients=clients, clock=time.time,
                           audited=relay.kick, retry_after=own.refund_retry_after_seconds)
    backoffice = OrderBackoffice(reads=reads, queries=queries_factory(db), clients=clients,
                                 clock=time.time, tz=own.settle_tz)
    reader, writer, _ = admin_guards(platform, clients)
    consumer = PaymentConsumer(platform.bus, PaymentStatusHandler(lifecycle))
    worker = Worker(queue, job_handlers(lifecycle, settle_tz=own.settle_tz),
                    concurrency=own.worker_concurrency, service=NAME,
                    poll_interval=settings.job_poll_interval_seconds)

    async def sweep() -> None:
        await lifecycle.sweep_unpaid()

    async def expire() -> None:
        await lifecycle.expire_ended()

    async def retry_refunds() -> None:
        await actions.retry_pending()

    scheduler = Scheduler(
        queue,
        [settle_entry(daily_at=own.settle_daily_at, tz=own.settle_tz)],
        tasks=[PeriodicTask("order-close-sweep", settings.order_sweep_interval_seconds, sweep),
               PeriodicTask("order-expire", own.expire_interval_seconds, expire),
               PeriodicTask("order-refund-retry", own.refund_retry_interval_seconds,
                            retry_refunds)],
        lease=platform.jobs.lease(NAME, tables.leader_lease, "order-scheduler"),
    )
    return HostedService(
        name=NAME,
        route_handlers=[router(service, platform.tokens, actions, user_check=active_user(clients)),
                        admin_router(OrderAdmin(backoffice, actions), reader=reader,
                                     writer=writer),
                        settlement_router(Settlements(db, lifecycle, relay.kick), reader=reader,
                                          writer=writer)],
        migrations=MIGRATIONS,
        background=[
            BackgroundTask("order-relay", "api", relay.run, relay.stop),
            BackgroundTask("order-consumer", "consumer", consumer.run, consumer.stop,
                           ready=consumer.joined),
            BackgroundTask("order-worker", "worker", worker.run, worker.stop),
            BackgroundTask("order-scheduler", "scheduler", scheduler.run, scheduler.stop),
        ],
        local_client=LocalOrderClient(service),
        needs=("usercenter", "travel", "payment", "mqueue", "admin"),
    )
