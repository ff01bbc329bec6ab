"""Prometheus metrics shared by every service.

Metric objects are declarations on the default registry (the idiom of prometheus-client); they do
no I/O. Names follow Prometheus conventions: base units, `_total` for counters.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "yys_http_server_requests_total",
    "HTTP requests served, by route template and status code.",
    ["service", "method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "yys_http_server_request_duration_seconds",
    "HTTP request duration from first byte in to last byte out.",
    ["service", "method", "route"],
    buckets=LATENCY_BUCKETS,
)
CACHE_REQUESTS = Counter(
    "yys_cache_requests_total",
    "Cache-aside lookups by result (hit, negative_hit, miss, bypass).",
    ["cache", "result"],
)
CACHE_LOADS = Counter(
    "yys_cache_loads_total",
    "Loader calls made on a cache miss (after singleflight).",
    ["cache"],
)
CACHE_ERRORS = Counter(
    "yys_cache_backend_errors_total",
    "Cache backend operations that failed; requests fell back to the database.",
    ["backend"],
)
