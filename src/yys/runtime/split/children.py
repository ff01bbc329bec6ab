"""One supervised child process: start it, restart it with back-off when it dies, stop it.

Children run in their own sessions, so a Ctrl-C in the terminal reaches only the supervisor,
which then stops them in order (edge, API processes, background roles, broker). On Linux each
child also asks the kernel for SIGTERM when the supervisor dies (PR_SET_PDEATHSIG): a supervisor
killed with SIGKILL leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import structlog

from yys.runtime.split.layout import ChildSpec

log = structlog.get_logger("yys.split")

_PR_SET_PDEATHSIG = 1


def _death_signal_preexec() -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # resolved here, before any fork
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # the supervisor died before prctl took effect
            os._exit(1)

    return preexec


@dataclass(frozen=True)
class RestartPolicy:
    initial: float = 0.5
    maximum: float = 10.0
    # A child that ran at least this long before dying starts again at `initial`.
    reset_after: float = 30.0


def log_tail(path: Path, lines: int = 15) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 8192))
            text = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


class Child:
    def __init__(self, spec: ChildSpec, log_path: Path, policy: RestartPolicy,
                 stopping: asyncio.Event) -> None:
        self.spec = spec
        self.log_path = log_path
        self.policy = policy
        self._stopping = stopping
        self.proc: asyncio.subprocess.Process | None = None
        self.started_at = 0.0
        self.restarts = 0
        # Consecutive deaths that came soon after a start: a child that cannot start at all.
        self.quick_exits = 0
        self.last_exit: int | None = None
        self._delay = policy.initial
        self._preexec = _death_signal_preexec()

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.running and self.proc is not None else None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def _spawn(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as out:
            out.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S')} starting {self.name}\n".encode())
            out.flush()
            self.proc = await asyncio.create_subprocess_exec(
                *self.spec.argv, env=None if self.spec.env is None else dict(self.spec.env),
                stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out,
                start_new_session=True, preexec_fn=self._preexec)
        self.started_at = time.monotonic()
        log.info("process started", process=self.name, pid=self.proc.pid)

    async def supervise(self) -> None:
        """Run until the supervisor stops: every unexpected exit is followed by a restart after
        a back-off that doubles up to the policy's maximum."""
        while not self._stopping.is_set():
            try:
                await self._spawn()
            except OSError as exc:
                log.error("process could not start", process=self.name, error=str(exc))
                self.quick_exits += 1
            else:
                assert self.proc is not None
                code = await self.proc.wait()
                self.last_exit = code
                if self._stopping.is_set():
                    return
                ran = time.monotonic() - self.started_at
                if ran >= self.policy.reset_after:
                    self._delay = self.policy.initial
                    self.quick_exits = 0
                else:
                    self.quick_exits += 1
                log.warning("process exited unexpectedly; restarting", process=self.name,
                            exit_code=code, ran_seconds=round(ran, 1),
                            restart_in_seconds=self._delay, log=str(self.log_path))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._delay)
            self._delay = min(self._delay * 2, self.policy.maximum)
            if not self._stopping.is_set():
                self.restarts += 1

    async def stop(self, grace: float) -> None:
        """Ask the child to stop with its stop signal, SIGKILL it after `grace` seconds."""
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(self.spec.stop_signal)
        try:
            await asyncio.wait_for(proc.wait(), grace)
        except TimeoutError:
            log.warning("process did not stop in time; killing it", process=self.name,
                        pid=proc.pid, grace_seconds=grace)
            self.kill()
            await proc.wait()

    def kill(self) -> None:
        """SIGKILL the child's whole session (nginx's workers, anything it spawned)."""
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
