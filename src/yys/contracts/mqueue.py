"""Notifications sent to users (the original's `msg:pay_success:notify_user` job)."""

from __future__ import annotations

import msgspec


class UserNotification(msgspec.Struct, frozen=True, kw_only=True):
    """`dedup_key` makes a redelivered job harmless: one record per key."""

    user_id: int
    kind: str  # e.g. "pay_success"
    title: str
    body: str
    dedup_key: str
    data: dict[str, str] = {}
