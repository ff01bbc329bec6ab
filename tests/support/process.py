"""Run a real `yys` process for end-to-end tests.

    from tests.support.process import run_yys
    from tests.support.servers import free_port

    port = free_port()
    with run_yys(["up", "--port", str(port), "--data-dir", str(tmp_path)], env={},
                 ready_url=f"http://127.0.0.1:{port}/readyz") as yys:
        status, body = yys.get("/healthz")
        ...
    # on exit: SIGINT to the process group, wait, SIGKILL if it would not stop

Standard library only (urllib, subprocess), so any test can use it whatever else is installed.
The process runs in its own session (start_new_session=True) with stdout and stderr in one log
file; `log_text()` reads it. If it does not become ready the error carries the log's tail.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

__all__ = ["YysProcess", "YysProcessError", "run_yys", "yys_command"]

# Never send loopback test traffic through a proxy configured in the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class YysProcessError(RuntimeError):
    """The yys process exited early or did not become ready in time."""


def yys_command() -> list[str]:
    """The argv prefix that runs the `yys` CLI of the interpreter running the tests."""
    script = Path(sys.executable).with_name("yys")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    # Not installed as a console script (e.g. a bare PYTHONPATH run): call the entry point.
    return [sys.executable, "-c", "import sys; from yys.runtime.cli import main; sys.exit(main())"]


def _tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


class YysProcess:
    """A running `yys` subprocess (its own process group) and its combined output log."""

    def __init__(self, proc: subprocess.Popen[bytes], log_path: Path, base_url: str, argv: list[str]):
        self.proc = proc
        self.log_path = log_path
        self.base_url = base_url
        self.argv = argv

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def returncode(self) -> int | None:
        return self.proc.poll()

    def log_text(self) -> str:
        """Everything the process wrote to stdout and stderr so far."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 60) -> str:
        return _tail(self.log_text(), lines)

    def url(self, path: str) -> str:
        return urllib.parse.urljoin(self.base_url + "/", path.lstrip("/"))

    def get(
        self, path: str, timeout: float = 10.0, headers: Mapping[str, str] | None = None
    ) -> tuple[int, bytes]:
        """GET base_url + path; returns (status, body) for any HTTP status, raises on no answer."""
        return http_get(self.url(path), timeout=timeout, headers=headers)

    def _signal_group(self, sig: int) -> None:
        if self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        except PermissionError:
            self.proc.send_signal(sig)

    def send_signal(self, sig: int) -> None:
        """Send a signal to the process group without waiting."""
        self._signal_group(sig)

    def stop(self, sig: int = signal.SIGINT, timeout: float = 15.0) -> int:
        """Ask the process to stop (SIGINT by default), wait, SIGKILL if needed; return its code."""
        if self.proc.poll() is None:
            self._signal_group(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        else:
            # The leader is gone; make sure nothing it spawned in its group lingers.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        return self.proc.wait()

    def kill(self) -> int:
        """SIGKILL the whole process group and reap the process."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            if self.proc.poll() is None:
                self.proc.kill()
        return self.proc.wait()

    def wait_ready(self, ready_url: str, timeout: float) -> None:
        """Poll ready_url until it answers 200; raise YysProcessError with the log tail if not."""
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while True:
            code = self.proc.poll()
            if code is not None:
                raise YysProcessError(
                    f"yys exited with code {code} before {ready_url} was ready\n"
                    f"command: {self.argv}\n--- log tail ({self.log_path}) ---\n{self.log_tail()}"
                )
            try:
                status, body = http_get(ready_url, timeout=2.0)
            except OSError as exc:  # refused, reset, timed out
                last = f"{type(exc).__name__}: {exc}"
            else:
                if status == 200:
                    return
                last = f"HTTP {status}: {body[:200]!r}"
            if time.monotonic() >= deadline:
                raise YysProcessError(
                    f"yys not ready at {ready_url} within {timeout}s (last: {last})\n"
                    f"command: {self.argv}\n--- log tail ({self.log_path}) ---\n{self.log_tail()}"
                )
            time.sleep(0.1)


def http_get(url: str, timeout: float = 10.0, headers: Mapping[str, str] | None = None) -> tuple[int, bytes]:
    """GET url without any proxy; returns (status, body) for every HTTP status."""
    request = urllib.request.Request(url, headers=dict(headers or {}), method="GET")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return int(exc.code), exc.read()


@contextmanager
def run_yys(
    args: Sequence[str],
    env: Mapping[str, str] | None,
    ready_url: str,
    timeout: float = 30.0,
    *,
    inherit_env: bool = True,
    cwd: str | os.PathLike[str] | None = None,
    log_path: str | os.PathLike[str] | None = None,
    stop_signal: int = signal.SIGINT,
    stop_timeout: float = 15.0,
) -> Iterator[YysProcess]:
    """Start `yys ARGS...`, wait until GET ready_url answers 200, yield it, stop it on exit.

    env is layered over os.environ (or replaces it with inherit_env=False). base_url is the
    scheme and host:port of ready_url. The log goes to log_path if given, else to a temporary
    file that is deleted afterwards unless the block failed or YYS_KEEP_TEST_LOGS is set.
    """
    argv = [*yys_command(), *args]
    full_env = dict(os.environ) if inherit_env else {}
    full_env.update(env or {})
    full_env.setdefault("PYTHONUNBUFFERED", "1")

    parsed = urllib.parse.urlsplit(ready_url)
    base_url = f"{parsed.scheme}://{parsed.netloc}"

    temporary = log_path is None
    if log_path is None:
        fd, name = tempfile.mkstemp(prefix="yys-e2e-", suffix=".log")
        os.close(fd)
        path = Path(name)
    else:
        path = Path(log_path)
        path.parent.mkdir(parents=True, exist_ok=True)

    failed = True
    ready = False
    with path.open("wb") as log:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=full_env,
            cwd=cwd,
            start_new_session=True,
        )
    handle = YysProcess(proc, path, base_url, argv)
    try:
        handle.wait_ready(ready_url, timeout)  # its error already carries the log tail
        ready = True
        yield handle
        failed = False
    finally:
        handle.stop(stop_signal, stop_timeout)
        if temporary and not failed and not os.environ.get("YYS_KEEP_TEST_LOGS"):
            path.unlink(missing_ok=True)
        elif failed and ready:
            # Shown by pytest next to the failure: what the server said before things went wrong.
            sys.stderr.write(f"--- yys log ({path}), last lines ---\n{handle.log_tail()}\n")
