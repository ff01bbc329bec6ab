"""`UsercenterClient` over gRPC, and the protobuf ↔ contract conversions its servicer shares."""

from __future__ import annotations

from collections.abc import Sequence

from yys.contracts.grpc.usercenter.v1 import usercenter_pb2 as pb
from yys.contracts.grpc.usercenter.v1.usercenter_pb2_grpc import UsercenterServiceStub
from yys.contracts.usercenter import UserProfile
from yys.kit.rpc import RemoteService, ServiceSpec

SPEC = ServiceSpec("yys.usercenter.v1.UsercenterService",
                   idempotent=frozenset({"GetProfiles", "GetProfile"}))


def profile_to_pb(p: UserProfile) -> pb.UserProfile:
    return pb.UserProfile(id=p.id, nickname=p.nickname, avatar=p.avatar, info=p.info, sex=p.sex,
                          disabled=p.disabled)


def profile_from_pb(m: pb.UserProfile) -> UserProfile:
    return UserProfile(id=m.id, nickname=m.nickname, avatar=m.avatar, info=m.info, sex=m.sex,
                       disabled=m.disabled)


class RemoteUsercenterClient:
    remote = True  # each call is a hop: the active-user check remembers answers briefly

    def __init__(self, remote: RemoteService[UsercenterServiceStub]) -> None:
        self._remote = remote

    async def get_profiles(self, user_ids: Sequence[int]) -> dict[int, UserProfile]:
        if not user_ids:
            return {}
        reply = await self._remote.call(self._remote.stub.GetProfiles,
                                        pb.GetProfilesRequest(user_ids=list(user_ids)))
        return {m.id: profile_from_pb(m) for m in reply.profiles}

    async def get_profile(self, user_id: int) -> UserProfile | None:
        reply = await self._remote.call(self._remote.stub.GetProfile,
                                        pb.GetProfileRequest(user_id=user_id))
        return profile_from_pb(reply.profile) if reply.found else None
