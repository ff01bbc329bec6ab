"""Remote bindings of the client interfaces in `yys.clients`, over gRPC.

Each module holds the remote client, its `ServiceSpec` (which methods are idempotent, hence
retried) and the protobuf ↔ contract conversions the service's servicer reuses, so both ends
convert the same way. The runtime picks these or the in-process bindings by configuration.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from yys.kit.rpc import RemoteService, RetryPolicy, ServiceSpec


@dataclass(frozen=True)
class RemoteBinding:
    spec: ServiceSpec
    client_class: Any
    stub_class: Any


# service name → (module, client class, stub class); imported on demand so `yys up` never loads
# grpc stubs it does not use.
_REMOTES: dict[str, tuple[str, str, str]] = {
    "usercenter": ("yys.clients.grpc.usercenter", "RemoteUsercenterClient", "UsercenterServiceStub"),
    "travel": ("yys.clients.grpc.travel", "RemoteTravelClient", "TravelServiceStub"),
    "order": ("yys.clients.grpc.order", "RemoteOrderClient", "OrderServiceStub"),
    "payment": ("yys.clients.grpc.payment", "RemotePaymentClient", "PaymentServiceStub"),
    "mqueue": ("yys.clients.grpc.mqueue", "RemoteMqueueClient", "MqueueServiceStub"),
    "admin": ("yys.clients.grpc.admin", "RemoteAdminClient", "AdminServiceStub"),
}

REMOTE_SERVICES = tuple(_REMOTES)


def remote_binding(name: str) -> RemoteBinding:
    module_name, client, stub = _REMOTES[name]
    module: Any = importlib.import_module(module_name)
    return RemoteBinding(spec=module.SPEC, client_class=getattr(module, client),
                         stub_class=getattr(module, stub))


def remote_client(name: str, target: str, *, default_timeout: float, max_message_bytes: int,
                  retry: RetryPolicy | None = None) -> tuple[Any, RemoteService[Any]]:
    """The remote client of `name` at `target`, and the channel holder to check and close."""
    binding = remote_binding(name)
    remote: RemoteService[Any] = RemoteService(target, binding.spec, binding.stub_class,
                                               default_timeout=default_timeout,
                                               max_message_bytes=max_message_bytes, retry=retry)
    return binding.client_class(remote), remote
