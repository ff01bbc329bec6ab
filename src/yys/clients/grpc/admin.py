"""`AdminClient` over gRPC, and the protobuf ↔ contract conversions its servicer shares."""

from __future__ import annotations

from yys.contracts.admin import ManagerView
from yys.contracts.grpc.admin.v1 import admin_pb2 as pb
from yys.contracts.grpc.admin.v1.admin_pb2_grpc import AdminServiceStub
from yys.kit.rpc import RemoteService, ServiceSpec

SPEC = ServiceSpec("yys.admin.v1.AdminService", idempotent=frozenset({"GetManager"}))


def manager_to_pb(view: ManagerView) -> pb.Manager:
    return pb.Manager(id=view.id, username=view.username, role=view.role, disabled=view.disabled)


def manager_from_pb(m: pb.Manager) -> ManagerView:
    return ManagerView(id=m.id, username=m.username, role=m.role, disabled=m.disabled)


class RemoteAdminClient:
    def __init__(self, remote: RemoteService[AdminServiceStub]) -> None:
        self._remote = remote

    async def get_manager(self, manager_id: int) -> ManagerView | None:
        reply = await self._remote.call(self._remote.stub.GetManager,
                                        pb.GetManagerRequest(manager_id=manager_id))
        return manager_from_pb(reply.manager) if reply.found else None
