"""mqueue's own Prometheus metrics (declarations on the default registry; no I/O)."""

from __future__ import annotations

from prometheus_client import Counter

NOTIFICATIONS_SENT = Counter(
    "yys_notifications_sent_total",
    "User notifications handed to a channel, by channel and result (ok, failed). A channel "
    "that already took a notification is not asked again when its job is retried.",
    ["channel", "result"],
)
