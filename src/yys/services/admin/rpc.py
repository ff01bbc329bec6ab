"""gRPC face of admin: delegates to the service's client binding, no logic of its own."""

from __future__ import annotations

from typing import Any

from yys.clients.admin import AdminClient
from yys.clients.grpc.admin import SPEC, manager_to_pb
from yys.contracts.grpc.admin.v1 import admin_pb2 as pb
from yys.contracts.grpc.admin.v1.admin_pb2_grpc import (
    AdminServiceServicer,
    add_AdminServiceServicer_to_server,
)

SERVICE_NAME = SPEC.name
add_to_server = add_AdminServiceServicer_to_server


class Servicer(AdminServiceServicer):
    def __init__(self, client: AdminClient) -> None:
        self._client = client

    async def GetManager(self, request: pb.GetManagerRequest, context: Any) -> pb.GetManagerResponse:
        found = await self._client.get_manager(request.manager_id)
        if found is None:
            return pb.GetManagerResponse(found=False)
        return pb.GetManagerResponse(found=True, manager=manager_to_pb(found))
