"""The gRPC side of a `yys serve` process: serve the hosted services, call the others remotely.

`yys up` never comes here: everything is bound in-process and no gRPC port is opened.
Servicers are built from each hosted service's `local_client` (the same object in-process
callers use), so the remote path runs exactly the code the in-process path runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import structlog

from yys.clients import Clients
from yys.kit.hosting import HostedService
from yys.kit.http.health import Check
from yys.kit.rpc import RemoteService, RpcServer
from yys.kit.settings import Settings

log = structlog.get_logger("yys.runtime.rpc")

# service name → the module with its thin servicer (`Servicer`, `add_to_server`, `SERVICE_NAME`).
# Imported lazily: a process imports only the stubs of what it serves.
SERVICERS: dict[str, str] = {
    "usercenter": "yys.services.usercenter.rpc",
    "travel": "yys.services.travel.rpc",
    "order": "yys.services.order.rpc",
    "payment": "yys.services.payment.rpc",
    "mqueue": "yys.services.mqueue.rpc",
    "admin": "yys.services.admin.rpc",
}


class MissingTargetError(RuntimeError):
    pass


def servicer_module(name: str) -> Any:
    return importlib.import_module(SERVICERS[name])


@dataclass
class RpcRuntime:
    server: RpcServer | None = None
    remotes: dict[str, RemoteService[Any]] = field(default_factory=dict)
    health_timeout: float = 1.0

    def readiness(self) -> dict[str, Check]:
        """One check per remote target: its standard health check for that service."""
        def check(remote: RemoteService[Any]) -> Check:
            async def run() -> None:
                await remote.check_health(self.health_timeout)
            return run

        return {f"grpc:{name}": check(remote) for name, remote in self.remotes.items()}

    async def start(self) -> None:
        if self.server is not None:
            await self.server.start()

    async def stop_serving(self) -> None:
        """Report NOT_SERVING and drain in-flight calls (first, while everything still runs)."""
        if self.server is not None:
            await self.server.stop()

    async def close_clients(self) -> None:
        """Close the channels (last: background tasks may call remote services while stopping)."""
        for remote in self.remotes.values():
            await remote.close()


def build_server(settings: Settings, services: Iterable[HostedService], *,
                 port: int | None = None) -> RpcServer | None:
    """A server for every hosted service that has a servicer (None if there is none)."""
    server = RpcServer(host=settings.host, port=settings.grpc_port if port is None else port,
                       max_message_bytes=settings.grpc_max_message_bytes,
                       grace=settings.grpc_grace_seconds)
    for svc in services:
        if svc.local_client is None or svc.name not in SERVICERS:
            continue
        module = servicer_module(svc.name)
        server.add(module.SERVICE_NAME, module.add_to_server, module.Servicer(svc.local_client))
    return server if server.service_names else None


def bind_remote_clients(settings: Settings, services: list[HostedService],
                        clients: Clients) -> dict[str, RemoteService[Any]]:
    """Bind a remote client for every service not hosted here whose target is configured;
    refuse to start when a hosted service needs one that is not."""
    from yys.clients.grpc import REMOTE_SERVICES, remote_client

    hosted = {s.name for s in services}
    missing = sorted({n for s in services for n in s.needs
                      if n not in hosted and not settings.grpc_target_for(n)})
    if missing:
        needed_by = {n: sorted(s.name for s in services if n in s.needs) for n in missing}
        detail = "; ".join(f"{n} (needed by {', '.join(by)}): set YYS_{n.upper()}_GRPC_TARGET"
                           for n, by in needed_by.items())
        raise MissingTargetError(f"services not hosted here and without a gRPC target: {detail}")
    remotes: dict[str, RemoteService[Any]] = {}
    for name in REMOTE_SERVICES:
        target = settings.grpc_target_for(name)
        if name in hosted or not target:
            continue
        client, remote = remote_client(name, target, default_timeout=settings.grpc_deadline_seconds,
                                       max_message_bytes=settings.grpc_max_message_bytes)
        clients.bind(name, client)
        remotes[name] = remote
        log.info("remote client bound", service=name, target=target)
    return remotes


def attach_rpc(settings: Settings, services: list[HostedService], clients: Clients, *,
               serve: bool) -> RpcRuntime:
    """The gRPC runtime of a split process: remote clients always, a server if `serve`."""
    remotes = bind_remote_clients(settings, services, clients)
    server = build_server(settings, services) if serve else None
    return RpcRuntime(server=server, remotes=remotes)
