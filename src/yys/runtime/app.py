"""Composes hosted services into one Litestar application for this process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import structlog
from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin

from yys.clients import Clients
from yys.kit.hosting import ROLES, BackgroundTask, HostedService, Platform, Role
from yys.kit.http import clientaddr
from yys.kit.http.access import request_context_middleware
from yys.kit.http.errors import EXCEPTION_HANDLERS, negotiated_not_found
from yys.kit.http.health import Check, health_handlers
from yys.kit.http.middleware import SERVICE_OPT, empty_body_as_object, metrics_middleware, success_is_200
from yys.kit.migrations import upgrade
from yys.kit.observability import tracing
from yys.kit.observability.metrics import publish_build_info
from yys.runtime.platform import close_platform
from yys.runtime.registry import SERVICES, builder

if TYPE_CHECKING:  # grpc is imported only by processes that use it (never by `yys up`)
    from yys.runtime.rpc import RpcRuntime

log = structlog.get_logger("yys.runtime")

# Paths every process serves itself; with each service's own prefix (`/travel`, `/admin`…) they
# are the API: an unknown path under them is the JSON 404 even for a browser.
_PLATFORM_PREFIXES = ("/docs", "/healthz", "/readyz", "/metrics", "/.well-known")


@dataclass
class Process:
    """Everything one OS process hosts: services, their clients and background roles."""

    platform: Platform
    services: list[HostedService]
    clients: Clients
    roles: tuple[Role, ...] = ROLES
    # gRPC server and remote clients of a split process (`yys serve`); None in `yys up`.
    rpc: RpcRuntime | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def readiness(self) -> dict[str, Check]:
        checks: dict[str, Check] = {}
        for db in {self.platform.database(s.name).url: self.platform.database(s.name)
                   for s in self.services if s.migrations}.values():
            checks[f"db:{db.dialect}"] = db.ping
        if self.platform.settings.redis_url:
            checks["redis"] = self.platform.cache.ping
        for svc in self.services:
            checks.update(svc.readiness)
            for task in svc.background:
                if task.role in self.roles and task.ready is not None:
                    checks[f"task:{task.name}"] = _task_ready(task)
        return checks

    def dependencies(self) -> dict[str, Check]:
        """Health of the remote services this process calls (reported, not gating)."""
        return self.rpc.readiness() if self.rpc is not None else {}

    async def migrate(self) -> None:
        for svc in self.services:
            if svc.migrations is not None:
                await upgrade(self.platform.database(svc.name).engine, svc.migrations)

    async def start(self) -> None:
        await self.platform.bus.start()
        for svc in self.services:
            for hook in svc.on_startup:
                await hook()
        for svc in self.services:
            for task in svc.background:
                if task.role in self.roles:
                    self._tasks.append(asyncio.create_task(task.run(), name=task.name))
        if self.rpc is not None:
            await self.rpc.start()

    async def stop(self) -> None:
        if self.rpc is not None:
            await self.rpc.stop_serving()
        for svc in reversed(self.services):
            for task in svc.background:
                if task.role in self.roles:
                    await task.stop()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=10)
            for t in pending:
                t.cancel()
        for svc in reversed(self.services):
            for hook in svc.on_shutdown:
                await hook()
        if self.rpc is not None:
            await self.rpc.close_clients()
        await close_platform(self.platform)


def _task_ready(task: BackgroundTask) -> Check:
    is_ready = task.ready
    assert is_ready is not None

    async def check() -> None:
        if not is_ready():
            raise RuntimeError(f"{task.name} not ready")

    return check


def build_process(platform: Platform, names: Iterable[str], *,
                  roles: tuple[Role, ...] = ROLES) -> Process:
    clients = Clients()
    services = [builder(name)(platform, clients) for name in names]
    for svc in services:
        if svc.local_client is not None:
            clients.bind(svc.name, svc.local_client)
    return Process(platform=platform, services=services, clients=clients, roles=roles)


def process_label(process: Process) -> str:
    """`process` of `yys_build_info`: `yys` for the whole platform in one process, else what the
    split topology names the child: the service of an API process, the role of a background one."""
    if set(process.roles) == set(ROLES) and len(process.services) > 1:
        return "yys"
    if "api" in process.roles:
        return ",".join(s.name for s in process.services)
    return ",".join(process.roles)


def _exception_handlers(process: Process) -> dict[Any, Any]:
    """The contract's JSON errors; an unknown path answers a browser with the page service's
    HTML 404 when this process hosts one (the web service) and serves its routes."""
    pages = [s for s in process.services if s.not_found_page is not None]
    if not pages or "api" not in process.roles:
        return EXCEPTION_HANDLERS
    page = pages[0].not_found_page
    assert page is not None
    owners = {s.name for s in pages}
    api = tuple(f"/{name}" for name in SERVICES if name not in owners) + _PLATFORM_PREFIXES
    return {**EXCEPTION_HANDLERS, NotFoundException: negotiated_not_found(page, api_prefixes=api)}


def create_app(process: Process, *, migrate_on_start: bool = False, title: str = "yys") -> Litestar:
    publish_build_info(process_label(process))
    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        if migrate_on_start:
            await process.migrate()
        await process.start()
        try:
            yield
        finally:
            await process.stop()

    # Consumer/worker/scheduler processes keep only the health and metrics routes (for probes).
    # Each service's handlers under a Router that names it: the HTTP metrics' `service` label.
    handlers = ([Router(path="/", route_handlers=list(svc.route_handlers), opt={SERVICE_OPT: svc.name})
                 for svc in process.services if svc.route_handlers]
                if "api" in process.roles else [])
    settings = process.platform.settings
    # Outermost first: the trace span wraps everything, so the access log line and the
    # duration histogram's exemplar carry its trace id.
    middleware: list[Any] = [
        request_context_middleware(access_log=settings.access_log, sample=settings.access_log_sample),
        empty_body_as_object, metrics_middleware(title)]
    if tracing.enabled():
        middleware.insert(0, tracing.asgi_middleware)
    health = health_handlers(process.readiness(), informational=process.dependencies())
    trusted = clientaddr.TrustedProxies.parse(settings.trusted_proxies)
    return Litestar(
        route_handlers=[*health, *handlers],
        exception_handlers=_exception_handlers(process),
        state=State({clientaddr.STATE_KEY: trusted}),
        middleware=middleware,
        lifespan=[lifespan],
        after_request=success_is_200,
        request_max_body_size=settings.request_max_body_bytes,
        # Litestar's default config would put a plain-text stderr handler on the root logger;
        # `configure_logging` owns logging (JSON on stdout) for every library.
        logging_config=None,
        openapi_config=OpenAPIConfig(
            title="yys API",
            version="1.0.0",
            path="/docs",
            render_plugins=[ScalarRenderPlugin()],
        ),
        debug=False,
    )
