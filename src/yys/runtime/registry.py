"""Which services exist and where their composition roots live (imported lazily)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any

from yys.clients import Clients
from yys.kit.hosting import HostedService, Platform

# Order matters only for startup/shutdown hooks; calls between services are late-bound.
SERVICES: dict[str, str] = {
    "usercenter": "yys.services.usercenter.wiring",
    "travel": "yys.services.travel.wiring",
    "order": "yys.services.order.wiring",
    "payment": "yys.services.payment.wiring",
    "paysandbox": "yys.services.paysandbox.wiring",
    "mqueue": "yys.services.mqueue.wiring",
    "admin": "yys.services.admin.wiring",
    # Last: it calls the others only over HTTP, so it needs nothing bound in-process.
    "web": "yys.services.web.wiring",
}

Builder = Callable[[Platform, Clients], HostedService]


def builder(name: str) -> Builder:
    module: Any = importlib.import_module(SERVICES[name])
    build: Builder = module.build
    return build


def parse_services(spec: str | Iterable[str] | None) -> list[str]:
    if spec is None or spec == "all":
        return list(SERVICES)
    names = [s.strip() for s in (spec.split(",") if isinstance(spec, str) else spec) if s.strip()]
    unknown = [n for n in names if n not in SERVICES]
    if unknown:
        raise ValueError(f"unknown service(s): {', '.join(unknown)}; known: {', '.join(SERVICES)}")
    return names
