"""How a split process picks remote clients and what its gRPC server serves."""

from __future__ import annotations

import pytest

from yys.clients import ClientNotBoundError, Clients
from yys.clients.grpc.travel import RemoteTravelClient
from yys.clients.grpc.usercenter import RemoteUsercenterClient
from yys.kit.hosting import HostedService
from yys.kit.settings import Settings
from yys.runtime.rpc import MissingTargetError, attach_rpc, bind_remote_clients, build_server


class _Local:
    pass


def test_a_needed_service_without_target_refuses_to_start() -> None:
    travel = HostedService("travel", local_client=_Local(), needs=("usercenter",))
    with pytest.raises(MissingTargetError, match="YYS_USERCENTER_GRPC_TARGET"):
        bind_remote_clients(Settings(), [travel], Clients())


def test_remote_clients_for_configured_services_not_hosted_here() -> None:
    settings = Settings(usercenter_grpc_target="dns:///usercenter:9090",
                        travel_grpc_target="127.0.0.1:1")
    clients = Clients()
    travel = HostedService("travel", local_client=_Local(), needs=("usercenter",))
    clients.bind("travel", travel.local_client)
    remotes = bind_remote_clients(settings, [travel], clients)
    assert set(remotes) == {"usercenter"}  # travel is hosted here: its own target is ignored
    assert isinstance(clients.usercenter, RemoteUsercenterClient)
    assert not isinstance(clients.travel, RemoteTravelClient)
    with pytest.raises(ClientNotBoundError):
        _ = clients.order  # not configured, not needed: simply absent


def test_a_needed_service_hosted_here_needs_no_target() -> None:
    services = [HostedService("usercenter", local_client=_Local()),
                HostedService("travel", local_client=_Local(), needs=("usercenter",))]
    assert bind_remote_clients(Settings(), services, Clients()) == {}


def test_server_only_for_services_with_a_servicer_and_only_when_serving() -> None:
    services = [HostedService("usercenter", local_client=_Local()),
                HostedService("paysandbox", local_client=_Local()),  # no gRPC face
                HostedService("web")]
    server = build_server(Settings(), services)
    assert server is not None and server.service_names == ["yys.usercenter.v1.UsercenterService"]
    assert build_server(Settings(), [HostedService("web")]) is None
    assert attach_rpc(Settings(), services, Clients(), serve=False).server is None
