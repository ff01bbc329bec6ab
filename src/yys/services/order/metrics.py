"""order's own Prometheus metrics (declarations on the default registry; no I/O)."""

from __future__ import annotations

from prometheus_client import Histogram

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
