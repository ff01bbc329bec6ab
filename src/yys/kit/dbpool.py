"""Pool round trips spent only where they pay: the liveness ping and the reset on return.

SQLAlchemy's `pool_pre_ping` pings the server on every checkout: one extra round trip per
transaction, which on a busy service is a large share of a short transaction's cost (the payment
callback runs four statements). A connection that was just returned to the pool is as alive as
it was a moment ago, though; the ones that go stale are those that sat idle (the server's
`wait_timeout`, a restart, a firewall dropping quiet sockets). So the ping runs only when a
connection was idle for longer than `idle_seconds`; `pool_recycle` bounds every connection's age.

What is left uncovered: the server restarting within `idle_seconds` of a connection's last use.
The first statement on such a connection then fails as a disconnect, SQLAlchemy invalidates the
whole pool (every connection older than the failure), and the caller sees one `Unavailable`
(503) that it retries like any other outage: the provider re-sends notifies, the bus redelivers,
the delay queue retries the job.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

_IDLE_SINCE = "yys_idle_since"


def ping_after_idle(engine: Engine, *, idle_seconds: float = 10.0) -> None:
    """Ping a connection at checkout when it sat in the pool for more than `idle_seconds`;
    a failed ping makes the pool discard it and hand out a fresh one."""
    dialect = engine.dialect

    def checkin(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = time.monotonic()

    def checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since <= idle_seconds:
            return  # new, or back in the pool only a moment ago
        try:
            alive = dialect.do_ping(dbapi_conn)
        except Exception as exc:  # any failure: the pool retries with a new connection
            raise DisconnectionError("idle pooled connection is gone") from exc
        if not alive:
            raise DisconnectionError("idle pooled connection is gone")

    event.listen(engine, "checkin", checkin)
    event.listen(engine, "checkout", checkout)


def reset_only_open_transactions(engine: Engine) -> None:
    """Roll a returned connection back only when it is inside a transaction. The engine must
    be created with `pool_reset_on_return=None`; this listener then does the pool's reset.

    SQLAlchemy rolls back every connection returned to the pool unless the `Connection` itself
    just ended a transaction by closing it; after `engine.begin()` committed, it does not know,
    and a write transaction paid an extra ROLLBACK round trip (on SQLite a hop to the driver's
    thread). The driver knows: MySQL's protocol reports "in transaction" in every reply
    (asyncmy `get_transaction_status()`), sqlite3 has `in_transaction`. Unknown drivers, and
    connections still inside a transaction, are rolled back as before."""
    dialect = engine.dialect

    def reset(dbapi_conn: Any, _record: Any, state: Any) -> None:
        if state.transaction_was_reset or not state.asyncio_safe:
            return  # rolled back already / outside the event loop: the pool only discards it
        if _in_transaction(dbapi_conn) is False:
            return
        dialect.do_rollback(dbapi_conn)

    event.listen(engine, "reset", reset)


def _in_transaction(dbapi_conn: Any) -> bool | None:
    driver = getattr(dbapi_conn, "_connection", dbapi_conn)  # under SQLAlchemy's async adapter
    status = getattr(driver, "get_transaction_status", None)
    if callable(status):
        return bool(status())
    flag = getattr(driver, "in_transaction", None)
    return flag if isinstance(flag, bool) else None
