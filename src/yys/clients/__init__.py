"""Typed client interfaces, one per service, and the registry a process binds them in.

A service depends on `Clients`, never on another service's package. The runtime binds each
attribute to the in-process implementation (same process) or a remote one (gRPC), so business
code does not know where the callee lives.
"""

from __future__ import annotations

from typing import Any

# Defined beside its short memory; re-exported here, where the services import it from.
from yys.clients.active_user import active_user as active_user
from yys.clients.admin import AdminClient
from yys.clients.mqueue import MqueueClient
from yys.clients.order import OrderClient
from yys.clients.payment import PaymentClient
from yys.clients.travel import TravelClient
from yys.clients.usercenter import UsercenterClient


class ClientNotBoundError(RuntimeError):
    pass


class Clients:
    """Late-bound: services keep a reference and look the client up at call time."""

    _names = ("usercenter", "travel", "order", "payment", "paysandbox", "mqueue", "admin")

    def __init__(self) -> None:
        self._bound: dict[str, Any] = {}

    def bind(self, name: str, client: Any) -> None:
        if name not in self._names:
            raise ValueError(f"unknown service client {name!r}")
        self._bound[name] = client

    def _get(self, name: str) -> Any:
        try:
            return self._bound[name]
        except KeyError:
            raise ClientNotBoundError(f"no client bound for {name!r}") from None

    @property
    def usercenter(self) -> UsercenterClient:
        client: UsercenterClient = self._get("usercenter")
        return client

    @property
    def travel(self) -> TravelClient:
        client: TravelClient = self._get("travel")
        return client

    @property
    def order(self) -> OrderClient:
        client: OrderClient = self._get("order")
        return client

    @property
    def payment(self) -> PaymentClient:
        client: PaymentClient = self._get("payment")
        return client

    @property
    def mqueue(self) -> MqueueClient:
        client: MqueueClient = self._get("mqueue")
        return client

    @property
    def admin(self) -> AdminClient:
        client: AdminClient = self._get("admin")
        return client
