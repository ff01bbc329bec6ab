"""SQL client metrics from SQLAlchemy engine events, cheap enough for the payment hot path.

Each statement costs a `perf_counter()` before, one after, and a histogram observation on a
cached child (about 2 µs in all, `bench/db_metrics.py`). The `service` label comes from the
`yys_service` execution option that `Database.for_service` puts on its engine view: services that
share a database URL share one pool, yet each statement is attributed to the service that ran it.
Pool occupancy is read at scrape time by a collector, so it costs nothing per statement.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from yys.kit.observability.metrics import DB_CONNECTIONS, DB_DURATION, DB_ERRORS

SERVICE_OPTION = "yys_service"
UNATTRIBUTED = "other"  # statements on an engine no service view was taken from
_START = "yys_started"

_OPERATIONS = {"select": "select", "insert": "insert", "update": "update", "delete": "delete",
               "replac": "insert"}
# Driver error numbers that mean "gave up waiting": MySQL/MariaDB lock wait timeout, statement
# max execution time, InnoDB lock-wait kill.
_TIMEOUT_CODES = frozenset({1205, 3024, 1969})

_durations: dict[tuple[str, str], Any] = {}
ERROR_TYPES = ("integrity", "operational", "timeout", "other")


def operation_of(statement: str) -> str:
    """`select`, `insert`, `update`, `delete` or `other`, from the statement's first keyword."""
    return _OPERATIONS.get(statement.lstrip()[:6].lower(), "other")


def error_type_of(exc: BaseException) -> str:
    """`integrity`, `timeout`, `operational` or `other` for a statement's exception."""
    if isinstance(exc, IntegrityError):
        return "integrity"
    if isinstance(exc, OperationalError):
        args = getattr(exc.orig, "args", ())
        if (args and args[0] in _TIMEOUT_CODES) or "locked" in str(exc.orig).lower():
            return "timeout"  # SQLite's "database is locked" is its busy timeout running out
        return "operational"
    return "other"


def _before(_conn: Any, _cursor: Any, _statement: str, _params: Any, context: Any,
            _many: bool) -> None:
    if context is not None:
        setattr(context, _START, time.perf_counter())


def _after(_conn: Any, _cursor: Any, statement: str, _params: Any, context: Any,
           _many: bool) -> None:
    started = getattr(context, _START, None)
    if started is None:
        return
    elapsed = time.perf_counter() - started
    service = context.execution_options.get(SERVICE_OPTION, UNATTRIBUTED)
    key = (service, operation_of(statement))
    child = _durations.get(key)
    if child is None:
        child = _durations[key] = DB_DURATION.labels(*key)
    child.observe(elapsed)


def _error(ctx: Any) -> None:
    options: Any = {}
    if ctx.execution_context is not None:
        options = ctx.execution_context.execution_options
    elif ctx.connection is not None:
        options = ctx.connection.get_execution_options()
    exc = ctx.sqlalchemy_exception or ctx.original_exception
    DB_ERRORS.labels(options.get(SERVICE_OPTION, UNATTRIBUTED), error_type_of(exc)).inc()


def instrument(engine: Engine) -> None:
    """Time every statement of `engine` and count its errors (call once per engine)."""
    event.listen(engine, "before_cursor_execute", _before)
    event.listen(engine, "after_cursor_execute", _after)
    event.listen(engine, "handle_error", _error)


class PoolCollector(Collector):
    """`yys_db_client_connections{service,state}` of every live pool, read at scrape time.

    A pool shared by several services (one database URL) is reported once, its `service` label
    naming them all (`order,payment`), so sums over the label stay right."""

    def __init__(self) -> None:
        self._pools: weakref.WeakKeyDictionary[Engine, set[str]] = weakref.WeakKeyDictionary()

    def track(self, engine: Engine, service: str) -> None:
        self._pools.setdefault(engine, set()).add(service)
        for kind in ERROR_TYPES:  # exported as 0 from the start: alerts see the first error
            DB_ERRORS.labels(service, kind)

    def forget(self, engine: Engine) -> None:
        self._pools.pop(engine, None)

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily(DB_CONNECTIONS, "Pool connections by state (idle, used).",
                                   labels=["service", "state"])
        totals: dict[tuple[str, str], float] = {}
        for engine, services in list(self._pools.items()):
            pool = engine.pool
            if not (hasattr(pool, "checkedout") and hasattr(pool, "checkedin")):
                continue  # NullPool/StaticPool keep no count
            name = ",".join(sorted(services))
            for state, value in (("used", pool.checkedout()), ("idle", pool.checkedin())):
                totals[(name, state)] = totals.get((name, state), 0) + value
        for (name, state), value in sorted(totals.items()):
            family.add_metric([name, state], value)
        yield family

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())  # described lazily: nothing to check for clashes at registration


POOLS = PoolCollector()
REGISTRY.register(POOLS)
