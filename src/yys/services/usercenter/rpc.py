"""gRPC face of usercenter: delegates to the service's client binding, no logic of its own."""

from __future__ import annotations

from typing import Any

from yys.clients.grpc.usercenter import SPEC, profile_to_pb
from yys.clients.usercenter import UsercenterClient
from yys.contracts.grpc.usercenter.v1 import usercenter_pb2 as pb
from yys.contracts.grpc.usercenter.v1.usercenter_pb2_grpc import (
    UsercenterServiceServicer,
    add_UsercenterServiceServicer_to_server,
)

SERVICE_NAME = SPEC.name
add_to_server = add_UsercenterServiceServicer_to_server


class Servicer(UsercenterServiceServicer):
    def __init__(self, client: UsercenterClient) -> None:
        self._client = client

    async def GetProfiles(self, request: pb.GetProfilesRequest, context: Any) -> pb.GetProfilesResponse:
        found = await self._client.get_profiles(list(request.user_ids))
        return pb.GetProfilesResponse(profiles=[profile_to_pb(p) for p in found.values()])

    async def GetProfile(self, request: pb.GetProfileRequest, context: Any) -> pb.GetProfileResponse:
        found = await self._client.get_profile(request.user_id)
        if found is None:
            return pb.GetProfileResponse(found=False)
        return pb.GetProfileResponse(found=True, profile=profile_to_pb(found))
