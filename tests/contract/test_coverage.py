"""Every method of every client interface has a remote binding and a servicer method, so a new
Protocol method cannot silently fall back to UNIMPLEMENTED over the wire."""

from __future__ import annotations

import importlib
import inspect

import pytest

from yys.clients.grpc import REMOTE_SERVICES, remote_binding
from yys.runtime.rpc import SERVICERS

PROTOCOLS = {
    "usercenter": ("yys.clients.usercenter", "UsercenterClient"),
    "travel": ("yys.clients.travel", "TravelClient"),
    "order": ("yys.clients.order", "OrderClient"),
    "payment": ("yys.clients.payment", "PaymentClient"),
    "mqueue": ("yys.clients.mqueue", "MqueueClient"),
    "admin": ("yys.clients.admin", "AdminClient"),
}


def _methods(cls: type) -> set[str]:
    return {n for n, f in inspect.getmembers(cls, inspect.isfunction) if not n.startswith("_")}


def test_every_service_with_a_client_interface_has_both_sides() -> None:
    assert set(PROTOCOLS) == set(REMOTE_SERVICES) == set(SERVICERS)


@pytest.mark.parametrize("name", sorted(PROTOCOLS))
def test_remote_client_implements_the_whole_interface(name: str) -> None:
    module, protocol = PROTOCOLS[name]
    wanted = _methods(getattr(importlib.import_module(module), protocol))
    remote = remote_binding(name).client_class
    assert wanted <= _methods(remote), f"{remote.__name__} lacks {wanted - _methods(remote)}"
    for method in wanted:
        assert inspect.iscoroutinefunction(getattr(remote, method))


@pytest.mark.parametrize("name", sorted(SERVICERS))
def test_servicer_overrides_every_rpc(name: str) -> None:
    servicer = importlib.import_module(SERVICERS[name]).Servicer
    (base,) = servicer.__bases__
    rpcs = _methods(base)
    assert rpcs, base
    missing = {m for m in rpcs if getattr(servicer, m) is getattr(base, m)}
    assert not missing, f"{servicer.__module__}.Servicer does not implement {missing}"
