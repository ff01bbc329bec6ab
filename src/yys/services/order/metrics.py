"""order's own Prometheus metrics (declarations on the default registry; no I/O).

The counters are incremented by the use cases after the unit of work that made the change
committed, and only when this call made it (a conditional update that matched), so retries,
redeliveries and races never count one order twice."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# Fine buckets around the 100 ms objective: the share of observations at or below 0.1 s is read
# exactly from the `le="0.1"` bucket, the rest only bound a quantile.
SETTLE_BUCKETS = (0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0)

PAYMENT_SETTLE = Histogram(
    "yys_order_payment_settle_seconds",
    "Payment callback to order paid: wall-clock seconds from the payment event's created_at "
    "(stamped by payment in the callback's transaction) to the commit that moved the order "
    "from wait-pay to paid. Observed once per order, by the consumer that paid it.",
    buckets=SETTLE_BUCKETS,
)

ORDERS_CREATED = Counter("yys_orders_created_total", "Homestay orders created.")
ORDERS_PAID = Counter("yys_orders_paid_total", "Orders moved from wait-pay to wait-use by a payment.")
ORDERS_CLOSED = Counter(
    "yys_orders_closed_total",
    "Orders closed unpaid, by reason: timeout (close job), sweep (safety-net sweeper), user, admin.",
    ["reason"],
)
CLOSE_REASONS = ("timeout", "sweep", "user", "admin")
# Every series exists from the start, so rate() sees the first close; children kept for reuse.
CLOSED_BY = {reason: ORDERS_CLOSED.labels(reason) for reason in CLOSE_REASONS}
ORDERS_REFUNDED = Counter("yys_orders_refunded_total", "Orders refunded (moved to refunded).")
ORDERS_EXPIRED = Counter(
    "yys_orders_expired_total", "Paid orders that expired: the stay ended without a check-in.")
OVERDUE_UNPAID = Gauge(
    "yys_order_overdue_unpaid",
    "Wait-pay orders older than the close delay + 5 min: their close job did not run (should be "
    "0). Counted by the close sweep before it closes them.",
)
OVERDUE_GRACE_SECONDS = 300
