"""mqueue's own Prometheus metrics (declarations on the default registry; no I/O)."""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter

NOTIFICATIONS_SENT = Counter(
    "yys_notifications_sent_total",
    "User notifications handed to a channel, by channel and result (ok, failed). A channel "
    "that already took a notification is not asked again when its job is retried.",
    ["channel", "result"],
)
_children: dict[tuple[str, str], Any] = {}


def notification_sent(channel: str, *, ok: bool) -> None:
    """One send through `channel` (children cached: a send follows every payment)."""
    key = (channel, "ok" if ok else "failed")
    child = _children.get(key)
    if child is None:
        child = _children[key] = NOTIFICATIONS_SENT.labels(*key)
    child.inc()
