"""Processes the harness starts, a tiny keep-alive HTTP client, and CPU accounting.

Every process is started in its own session (so its process group id is its pid) and recorded;
`Reaper.stop_all()` stops exactly those groups — SIGINT, then SIGKILL after a grace period — and
runs on normal exit, on errors and on Ctrl-C / SIGTERM. Standard library only.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Reaper:
    """Owns the processes the harness started and stops them by process group id."""

    _procs: ClassVar[list[subprocess.Popen[bytes]]] = []

    @classmethod
    def spawn(cls, argv: Sequence[str], *, env: Mapping[str, str], log_path: Path | None,
              cwd: Path | None = None) -> subprocess.Popen[bytes]:
        """Start `argv` in a new session; output to `log_path`, or to our terminal if None."""
        if log_path is None:
            proc = subprocess.Popen(list(argv), env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        else:
            with log_path.open("ab") as out:
                proc = subprocess.Popen(list(argv), env=dict(env), cwd=cwd, stdout=out,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True)
        cls._procs.append(proc)
        return proc

    @classmethod
    def stop(cls, proc: subprocess.Popen[bytes], *, grace: float = 15.0) -> None:
        if proc.poll() is None:
            _signal_group(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        # Whatever the leader left behind in its own group (e.g. server workers).
        _signal_group(proc.pid, signal.SIGKILL)
        if proc in cls._procs:
            cls._procs.remove(proc)

    @classmethod
    def stop_all(cls) -> None:
        for proc in list(reversed(cls._procs)):
            try:
                cls.stop(proc)
            except Exception as exc:  # keep stopping the others
                log(f"could not stop pid {proc.pid}: {exc}")

    @staticmethod
    def install_signal_handlers() -> None:
        def on_term(signum: int, _frame: Any) -> None:
            raise KeyboardInterrupt(f"signal {signum}")

        signal.signal(signal.SIGTERM, on_term)
        signal.signal(signal.SIGHUP, on_term)


def raise_priority(pid: int, nice: int) -> None:
    """Apply `nice` to the process's scheduling group too: with autogroup scheduling (Linux
    default on desktops and many VMs) every session is one group and plain nice only ranks tasks
    inside it, so a process in its own session needs its autogroup's nice set as well."""
    if not nice:
        return
    try:
        with open(f"/proc/{pid}/autogroup", "w") as f:
            f.write(str(nice))
    except OSError:
        pass  # no autogroup support or no permission: plain nice still applies


def group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat[stat.rfind(")") + 2:].split()[2]) == pgid:
            pids.append(int(entry))
    return pids


def set_realtime(pgid: int, priority: int | None) -> bool:
    """SCHED_FIFO at `priority` (None: back to SCHED_OTHER) for every thread of every process
    in the group. Needs root; returns False when it could not be applied."""
    policy = os.SCHED_OTHER if priority is None else os.SCHED_FIFO
    param = os.sched_param(0 if priority is None else priority)
    ok = True
    for pid in group_pids(pgid):
        try:
            tids = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
        except OSError:
            continue
        for tid in tids:
            try:
                os.sched_setscheduler(tid, policy, param)
            except OSError:
                ok = False
    return ok


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class Http:
    """One keep-alive connection to 127.0.0.1 (no proxies, no dependencies)."""

    def __init__(self, port: int, *, timeout: float = 10.0) -> None:
        self._port = port
        self._timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        payload = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection("127.0.0.1", self._port,
                                                        timeout=self._timeout)
            try:
                self._conn.request(method, path, body=payload, headers=headers)
                resp = self._conn.getresponse()
                return resp.status, resp.read()
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        status, raw = self.request(method, path, body)
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode(errors="replace")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def wait_ready(proc: subprocess.Popen[bytes], port: int, *, timeout: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    client = Http(port, timeout=2.0)
    last = "no answer"
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}:\n{tail(log_path)}")
            try:
                status, body = client.json("GET", "/readyz")
                if status == 200:
                    return
                last = f"{status} {body}"
            except OSError as exc:
                last = str(exc)
            time.sleep(0.2)
    finally:
        client.close()
    raise RuntimeError(f"server not ready after {timeout:.0f}s ({last}):\n{tail(log_path)}")


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(line[:400] for line in
                         path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""


# --- CPU accounting: how much of the machine did something else during a run -----------------

_CLK = os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds spent not idle (all cores) since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / _CLK


def group_cpu_seconds(pgid: int) -> float:
    """user+system CPU seconds of every live process in the process group `pgid`."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        rest = stat[stat.rfind(")") + 2:].split()
        # fields after the command: state(0) ppid(1) pgrp(2) ... utime(11) stime(12)
        if int(rest[2]) == pgid:
            total += (int(rest[11]) + int(rest[12])) / _CLK
    return total


def children_cpu_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime + own.ru_utime + own.ru_stime


@dataclass
class CpuSample:
    machine: float
    server: float
    harness: float
    wall: float

    @classmethod
    def take(cls, server_pgid: int) -> CpuSample:
        return cls(machine_busy_seconds(), group_cpu_seconds(server_pgid),
                   children_cpu_seconds(), time.monotonic())

    def since(self, earlier: CpuSample) -> dict[str, float]:
        wall = self.wall - earlier.wall
        server = self.server - earlier.server
        ours = server + (self.harness - earlier.harness)  # + wrk and this harness
        foreign = max(0.0, (self.machine - earlier.machine) - ours)
        cores = os.cpu_count() or 1
        return {
            "server_cpu_s": round(server, 3),
            "server_cpu_fraction_of_core": round(server / wall, 3) if wall else 0.0,
            "foreign_cpu_s": round(foreign, 2),
            "foreign_cpu_fraction_of_machine": round(foreign / (wall * cores), 3) if wall else 0.0,
        }


def wait_quiet(*, threshold: float, max_wait: float) -> float:
    """Wait (at most `max_wait` s) until other processes use less than `threshold` of one core
    over a 1 s window; return the last measured busy fraction (of one core)."""
    deadline = time.monotonic() + max_wait
    while True:
        start_busy, start = machine_busy_seconds(), time.monotonic()
        time.sleep(1.0)
        busy = (machine_busy_seconds() - start_busy) / (time.monotonic() - start)
        if busy < threshold or time.monotonic() >= deadline:
            return round(busy, 3)
