"""SQL client metrics from SQLAlchemy's dialect events, cheap enough for the payment hot path.

The dialect's `do_execute` family is hooked, not the engine's `before/after_cursor_execute`:
any cursor-execute listener sends every statement of the engine down SQLAlchemy's evented path,
which measured 8 µs more CPU per statement than the statement itself costs; a `do_execute`
listener that runs the driver call itself adds about 1 µs all in (`bench/db_metrics.py`). It
times the call, observes a cached histogram child and counts the driver's exceptions.
The `service` label comes from the `yys_service` execution option that `Database.for_service`
puts on its engine view: services sharing a database URL share one pool, yet each statement is
attributed to the service that ran it. Pool occupancy is read at scrape time by a collector.
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
from sqlalchemy.exc import DBAPIError

from yys.kit.observability.metrics import DB_CONNECTIONS, DB_DURATION, DB_ERRORS

SERVICE_OPTION = "yys_service"
UNATTRIBUTED = "other"  # statements on an engine no service view was taken from

_OPERATIONS = {"select": "select", "insert": "insert", "update": "update", "delete": "delete",
               "replac": "insert"}
# Driver error numbers that mean "gave up waiting": MySQL/MariaDB lock wait timeout, statement
# max execution time, InnoDB lock-wait kill.
_TIMEOUT_CODES = frozenset({1205, 3024, 1969})

ERROR_TYPES = ("integrity", "operational", "timeout", "other")
_durations: dict[tuple[str, str], Any] = {}
_errors: dict[tuple[str, str], Any] = {}


def operation_of(statement: str) -> str:
    """`select`, `insert`, `update`, `delete` or `other`, from the statement's first keyword."""
    return _OPERATIONS.get(statement.lstrip()[:6].lower(), "other")


def error_type_of(exc: BaseException, dbapi: Any = None) -> str:
    """`integrity`, `timeout`, `operational` or `other` for a statement's exception: a driver
    exception (classified by the PEP 249 classes of `dbapi`) or SQLAlchemy's wrapper of one."""
    raw = exc.orig if isinstance(exc, DBAPIError) else exc
    names = {cls.__name__ for cls in type(exc).__mro__} | {cls.__name__ for cls in type(raw).__mro__}
    if dbapi is not None:
        names |= {n for n in ("IntegrityError", "OperationalError")
                  if isinstance(raw, getattr(dbapi, n, ()))}
    if "IntegrityError" in names:
        return "integrity"
    if "OperationalError" in names:
        args = getattr(raw, "args", ())
        if (args and args[0] in _TIMEOUT_CODES) or "locked" in str(raw).lower():
            return "timeout"  # SQLite's "database is locked" is its busy timeout running out
        return "operational"
    return "other"


def _service(context: Any) -> str:
    return str(context.execution_options.get(SERVICE_OPTION, UNATTRIBUTED))


def _observe(context: Any, statement: str, seconds: float) -> None:
    key = (_service(context), operation_of(statement))
    child = _durations.get(key)
    if child is None:
        child = _durations[key] = DB_DURATION.labels(*key)
    child.observe(seconds)


def _failed(context: Any, exc: BaseException) -> None:
    key = (_service(context), error_type_of(exc, getattr(context.dialect, "loaded_dbapi", None)))
    child = _errors.get(key)
    if child is None:
        child = _errors[key] = DB_ERRORS.labels(*key)
    child.inc()


def _do_execute(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
    started = time.perf_counter()
    try:
        context.dialect.do_execute(cursor, statement, parameters, context)
    except Exception as exc:
        _failed(context, exc)
        raise
    _observe(context, statement, time.perf_counter() - started)
    return True  # executed here: SQLAlchemy must not run it again


def _do_executemany(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
    started = time.perf_counter()
    try:
        context.dialect.do_executemany(cursor, statement, parameters, context)
    except Exception as exc:
        _failed(context, exc)
        raise
    _observe(context, statement, time.perf_counter() - started)
    return True


def _do_execute_no_params(cursor: Any, statement: str, context: Any) -> bool:
    started = time.perf_counter()
    try:
        context.dialect.do_execute_no_params(cursor, statement, context)
    except Exception as exc:
        _failed(context, exc)
        raise
    _observe(context, statement, time.perf_counter() - started)
    return True


def instrument(engine: Engine) -> None:
    """Time every statement of `engine` and count its errors (call once per engine)."""
    event.listen(engine, "do_execute", _do_execute)
    event.listen(engine, "do_executemany", _do_executemany)
    event.listen(engine, "do_execute_no_params", _do_execute_no_params)


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
