"""The usercenter client interface used by other services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from yys.contracts.usercenter import UserProfile


class UsercenterClient(Protocol):
    async def get_profiles(self, user_ids: Sequence[int]) -> dict[int, UserProfile]:
        """Profiles of the given users; unknown ids are simply absent from the result."""
        ...

    async def get_profile(self, user_id: int) -> UserProfile | None: ...
