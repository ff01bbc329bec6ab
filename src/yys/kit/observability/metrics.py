"""Prometheus metrics shared by every service.

Metric objects are declarations on the default registry (the idiom of prometheus-client); they do
no I/O. Names follow Prometheus conventions: base units, `_total` for counters.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

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

# -- process -----------------------------------------------------------------------------------
# `process_*` and `python_*` come from prometheus-client's default collectors (default registry).
BUILD_INFO = Gauge(
    "yys_build_info",
    "Always 1: the yys version this process runs and which process it is (`yys` or a split child).",
    ["version", "process"],
)

# -- database (yys.kit.db) ---------------------------------------------------------------------
DB_DURATION = Histogram(
    "yys_db_client_operation_duration_seconds",
    "One SQL statement, cursor execute to result (select, insert, update, delete, other).",
    ["service", "db_operation"],
    buckets=LATENCY_BUCKETS,
)
DB_ERRORS = Counter(
    "yys_db_client_errors_total",
    "SQL statements that raised, by kind (integrity, operational, timeout, other).",
    ["service", "error_type"],
)
DB_CONNECTIONS = "yys_db_client_connections"  # collected at scrape time (yys.kit.db)

# -- outbox relay (yys.kit.events.outbox) ------------------------------------------------------
OUTBOX_BACKLOG = Gauge(
    "yys_outbox_backlog", "Unpublished outbox rows (refreshed by the relay).", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "yys_outbox_oldest_age_seconds",
    "Age of the oldest unpublished outbox row, 0 when there is none (refreshed by the relay).",
    ["service"],
)
OUTBOX_PUBLISHED = Counter(
    "yys_outbox_published_total", "Outbox events the relay published (broker acknowledged).",
    ["service", "messaging_destination"],
)
OUTBOX_FAILURES = Counter(
    "yys_outbox_publish_failures_total", "Outbox publish attempts that failed.", ["service"])

# -- consumers (yys.kit.events) ----------------------------------------------------------------
CONSUMER_LAG = Gauge(
    "yys_messaging_consumer_lag",
    "Messages of a partition not yet committed by the group: end offset - committed offset "
    "(refreshed every few seconds by the member that owns the partition).",
    ["messaging_destination", "group", "partition"],
)
PROCESS_DURATION = Histogram(
    "yys_messaging_process_duration_seconds",
    "Handler time of one delivery attempt of a message.",
    ["messaging_destination", "group"],
    buckets=LATENCY_BUCKETS,
)
PROCESSED = Counter(
    "yys_messaging_processed_total",
    "Handler attempts by result: ok, error (an error is retried, then dead-lettered).",
    ["messaging_destination", "group", "result"],
)

# -- delay queue (yys.kit.delayqueue) ----------------------------------------------------------
JOBS_DEPTH = Gauge(
    "yys_jobs_depth",
    "Delay jobs by state: due (ready, not running), scheduled (future), running "
    "(refreshed every few seconds by the service's worker).",
    ["service", "state"],
)
JOBS_LATENESS = Histogram(
    "yys_jobs_lateness_seconds", "How long after its due time a job was picked up to run.",
    ["service", "task"],
    buckets=(*LATENCY_BUCKETS, 30.0, 60.0, 300.0),
)
JOBS_RUNS = Counter(
    "yys_jobs_total", "Delay job runs by result: ok, retry, failed (gave up).",
    ["service", "task", "result"],
)
JOBS_DURATION = Histogram(
    "yys_jobs_duration_seconds", "Delay job handler time.", ["service", "task"],
    buckets=LATENCY_BUCKETS,
)


def publish_build_info(process: str) -> None:
    """Set `yys_build_info` for this process (replacing any earlier value)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("yys")
    except PackageNotFoundError:  # running from a source tree that was never installed
        release = "unknown"
    BUILD_INFO.clear()
    BUILD_INFO.labels(release, process).set(1)
