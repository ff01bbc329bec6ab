"""What a service hands the runtime, and the shared resources the runtime hands a service.

A service's `wiring.build(platform, clients)` returns a `HostedService`; the runtime mounts its
routes, runs its startup/shutdown hooks and the background roles this process hosts. Keeping this
contract domain-free lets one runtime host any subset of services (one process or one per pod).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from sqlalchemy import MetaData, Table

from yys.kit.auth.passwords import PasswordHasher
from yys.kit.auth.tokens import TokenService
from yys.kit.cache.ports import CacheBackend
from yys.kit.db import Database, Databases
from yys.kit.delayqueue.ports import DelayQueue, LeaderLease
from yys.kit.events.bus import Bus
from yys.kit.http.errors import NotFoundPage
from yys.kit.ratelimit import RateLimiter
from yys.kit.settings import Settings

Hook = Callable[[], Awaitable[None]]
# Process roles (ARCHITECTURE.md §1): an API process, an event consumer, a delay-queue worker,
# the single scheduler. `yys up` runs all of them in one process.
Role = Literal["api", "consumer", "worker", "scheduler"]
ROLES: tuple[Role, ...] = ("api", "consumer", "worker", "scheduler")


@dataclass(frozen=True)
class MigrationSpec:
    """Alembic revisions of one service (its own `versions` folder and version table
    `alembic_version_<service>`); the environment script is shared (kit/alembic)."""

    service: str
    metadata: MetaData
    versions: Path


@dataclass
class BackgroundTask:
    """A long-running coroutine (relay, consumer loop, worker) tied to a process role."""

    name: str
    role: Role
    run: Callable[[], Coroutine[Any, Any, None]]
    stop: Hook
    # Whether the task is doing its job yet (e.g. a consumer joined its group); the process is
    # not ready until every hosted task says so.
    ready: Callable[[], bool] | None = None


@dataclass
class HostedService:
    name: str
    route_handlers: Sequence[Any] = ()
    readiness: dict[str, Hook] = field(default_factory=dict)
    on_startup: list[Hook] = field(default_factory=list)
    on_shutdown: list[Hook] = field(default_factory=list)
    background: list[BackgroundTask] = field(default_factory=list)
    migrations: MigrationSpec | None = None
    # The in-process binding of this service's client interface (see yys.clients).
    local_client: Any = None
    # Services this one calls (names in yys.clients.Clients). When they are not hosted in the
    # same process their remote target must be configured, or the process refuses to start.
    needs: tuple[str, ...] = ()
    # The HTML page a browser gets for a path no route matches (the web service's); API paths
    # and API clients keep the JSON 404 (kit/http/errors.negotiated_not_found).
    not_found_page: NotFoundPage | None = None


class JobQueues(Protocol):
    """Delay queues and leader leases owned by one service, on the configured backend.

    The SQL adapter keeps them in the service's own tables (declared with
    `yys.kit.delayqueue.sql.delay_jobs_table` / `leader_leases_table` in its metadata, so its
    migrations create them); the Redis adapter ignores the tables and uses a per-service prefix.
    """

    def queue(self, service: str, table: Table) -> DelayQueue: ...

    def lease(self, service: str, table: Table, name: str) -> LeaderLease: ...


@dataclass
class Platform:
    """Shared, already-built infrastructure. Built once per process by the runtime."""

    settings: Settings
    databases: Databases
    cache: CacheBackend
    rate_limiter: RateLimiter
    tokens: TokenService
    # Same signing key, admin audience, shorter lifetime (see kit/http/admin.py).
    admin_tokens: TokenService
    hasher: PasswordHasher
    bus: Bus
    jobs: JobQueues
    redis: Any = None  # redis.asyncio.Redis when configured, for adapters that need it
    extras: dict[str, Any] = field(default_factory=dict)

    def database(self, service: str) -> Database:
        return self.databases.for_service(self.settings.database_url_for(service), service)
