"""Notifications: what is recorded and how a channel outcome is summarised. Pure Python."""

from __future__ import annotations

from dataclasses import dataclass

from yys.kit.errors import BadRequest

MAX_TITLE = 128
MAX_BODY = 1024
MAX_KIND = 32
MAX_DEDUP_KEY = 128


@dataclass(frozen=True, slots=True)
class Notification:
    id: int
    user_id: int
    kind: str
    title: str
    body: str
    dedup_key: str
    data: dict[str, str]
    created_at: int
    delivered: str  # comma-separated channel names that accepted it


class InvalidNotificationError(BadRequest):
    code = 600001
    default_msg = "invalid notification"


def validate(*, user_id: int, kind: str, title: str, body: str, dedup_key: str) -> None:
    """Reject what could not be stored faithfully rather than truncating it silently."""
    if user_id <= 0:
        raise InvalidNotificationError("user id must be positive")
    if not kind or len(kind) > MAX_KIND:
        raise InvalidNotificationError(f"kind must be 1..{MAX_KIND} characters")
    if not dedup_key or len(dedup_key) > MAX_DEDUP_KEY:
        raise InvalidNotificationError(f"dedup key must be 1..{MAX_DEDUP_KEY} characters")
    if len(title) > MAX_TITLE or len(body) > MAX_BODY:
        raise InvalidNotificationError("title or body too long")
