"""Fixtures for the real servers. Unit tests use none of them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.support import servers


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    """A fresh, empty MariaDB database for one test (asyncmy URL)."""
    with servers.throwaway_mariadb_database() as url:
        yield url


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """A Redis database reserved for tests, flushed before and after each test."""
    import redis.asyncio as aioredis

    url = servers.redis_test_url()
    client = aioredis.from_url(url)
    await client.flushdb()
    try:
        yield url
    finally:
        await client.flushdb()
        await client.aclose()


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """A memory-only Kafka-protocol broker (tansu) shared by the session."""
    with servers.tansu_broker() as addr:
        yield addr
