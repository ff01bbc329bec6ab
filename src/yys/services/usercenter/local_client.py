"""The in-process binding of `yys.clients.usercenter.UsercenterClient`."""

from __future__ import annotations

from collections.abc import Sequence

from yys.contracts.usercenter import UserProfile
from yys.services.usercenter.directory import UserDirectory, UserSnapshot


def _profile(snapshot: UserSnapshot) -> UserProfile:
    return UserProfile(id=snapshot.id, nickname=snapshot.nickname, avatar=snapshot.avatar,
                       info=snapshot.info, sex=snapshot.sex, disabled=snapshot.disabled)


class LocalUsercenterClient:
    def __init__(self, directory: UserDirectory) -> None:
        self._directory = directory

    async def get_profiles(self, user_ids: Sequence[int]) -> dict[int, UserProfile]:
        found = await self._directory.get_many(user_ids)
        return {uid: _profile(s) for uid, s in found.items()}

    async def get_profile(self, user_id: int) -> UserProfile | None:
        snapshot = await self._directory.get(user_id)
        return None if snapshot is None else _profile(snapshot)
