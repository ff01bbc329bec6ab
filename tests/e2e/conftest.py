"""End-to-end fixtures: a real `yys up` process on a free port, embedded or on real servers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from tests.support.process import YysProcess, run_yys
from tests.support.servers import free_port, redis_test_url, throwaway_mariadb_database


def clean_env(**extra: str) -> dict[str, str]:
    """The test runner's environment without any YYS_* setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("YYS_")}
    env.update(extra)
    return env


def start_up(data_dir: Path, env: dict[str, str], *, port: int | None = None,
             timeout: float = 60.0) -> AbstractContextManager[YysProcess]:
    port = port or free_port()
    return run_yys(["up", "--port", str(port), "--data-dir", str(data_dir)], env,
                   ready_url=f"http://127.0.0.1:{port}/readyz", timeout=timeout, inherit_env=False)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[YysProcess]:
    data_dir = tmp_path_factory.mktemp("yys-embedded")
    with start_up(data_dir, clean_env()) as proc:
        yield proc


@pytest.fixture(scope="module")
def on_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[YysProcess]:
    """`yys up` configured for the real MariaDB and Redis."""
    import asyncio

    import redis.asyncio as aioredis

    async def flush() -> None:
        client = aioredis.from_url(redis_test_url())
        await client.flushdb()
        await client.aclose()

    data_dir = tmp_path_factory.mktemp("yys-servers")
    with throwaway_mariadb_database() as url:
        asyncio.run(flush())
        env = clean_env(YYS_DATABASE_URL=url, YYS_REDIS_URL=redis_test_url())
        with start_up(data_dir, env) as proc:
            yield proc
        asyncio.run(flush())


@pytest.fixture(scope="module", params=["embedded", pytest.param("on_servers", marks=[
    pytest.mark.mariadb, pytest.mark.redis])])
def yys(request: pytest.FixtureRequest) -> YysProcess:
    """The same flows against both topologies of storage."""
    proc: YysProcess = request.getfixturevalue(request.param)
    return proc
