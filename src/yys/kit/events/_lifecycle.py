"""Run-once lifecycle of the long-running loops here: graceful stop, then cancel after a grace."""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)


class Lifecycle:
    """Tracks the task running a loop (consumer member, relay).

    `stop()` waits for it to finish its current unit of work, or cancels it after the grace.
    """

    def __init__(self, stop_grace: float) -> None:
        self.stopping = asyncio.Event()
        self._stop_grace = stop_grace
        self._task: asyncio.Task[object] | None = None
        self._done = asyncio.Event()

    def enter(self) -> None:
        if self._task is not None:
            raise RuntimeError("this loop runs once; create a new instance to restart")
        self._task = asyncio.current_task()

    def exit(self) -> None:
        self._done.set()

    async def stop(self) -> None:
        """Ask the loop to stop; cancel it if it has not finished within the grace period."""
        self.stopping.set()
        if self._task is None or self._done.is_set():
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._done.wait()), timeout=self._stop_grace)
        except TimeoutError:
            # Something stuck must not block shutdown; its unit of work stays unacknowledged.
            log.warning("loop did not stop within its grace period; cancelling it")
            self._task.cancel()
            await self._done.wait()
