"""Liveness check of pooled connections, only where it pays.

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

