"""The loop that keeps a query-backed gauge fresh, run by the component that owns the data."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

REFRESH_SECONDS = 5.0


async def refresh_every(seconds: float, refresh: Callable[[], Awaitable[None]],
                        stopping: asyncio.Event, *, what: str) -> None:
    """Call `refresh` now and then every `seconds` until `stopping` is set. Failures are logged
    (at most once a minute) and never end the loop: a metric must not take its owner down."""
    last_warning = 0.0
    while not stopping.is_set():
        # Shielded: the owner cancels this loop when it stops or dies, and a query cancelled
        # half-way leaves its connection outside the pool (on SQLite an open reader keeps the
        # file's lock). The refresh in flight finishes on its own; only the wait is cancelled.
        current = asyncio.ensure_future(refresh())
        current.add_done_callback(_retrieve)
        try:
            await asyncio.shield(current)
        except Exception as exc:
            if time.monotonic() - last_warning > 60:
                last_warning = time.monotonic()
                log.warning("metrics refresh failed", extra={"what": what, "error": repr(exc)})
        try:
            await asyncio.wait_for(stopping.wait(), timeout=seconds)
        except TimeoutError:
            pass


def _retrieve(task: asyncio.Future[None]) -> None:
    # A shielded refresh that outlived its loop may fail unobserved; fetch its outcome so asyncio
    # does not report "exception never retrieved" (the loop logs failures while it runs).
    if not task.cancelled():
        task.exception()
