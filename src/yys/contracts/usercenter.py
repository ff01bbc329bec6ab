"""What other services may know about a user."""

from __future__ import annotations

import msgspec


class UserProfile(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    nickname: str
    avatar: str
    info: str
    sex: int = 0
    # Disabled by an operator: every service refuses the user's tokens (kit/http/auth.py).
    disabled: bool = False
