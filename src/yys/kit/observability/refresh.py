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
        try:
            await refresh()
        except Exception as exc:
            if time.monotonic() - last_warning > 60:
                last_warning = time.monotonic()
                log.warning("metrics refresh failed", extra={"what": what, "error": repr(exc)})
        try:
            await asyncio.wait_for(stopping.wait(), timeout=seconds)
        except TimeoutError:
            pass
