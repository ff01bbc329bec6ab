"""Fixtures of the event plumbing suites: each bus adapter, each outbox database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from yys.kit.events import Bus, MemoryBus, outbox_table
from yys.kit.events.kafka import KafkaBus, KafkaConsumerSettings


@pytest.fixture(params=["memory", pytest.param("kafka", marks=pytest.mark.kafka)])
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[Bus]:
    """A started bus of each adapter; closed (with its members) after the test."""
    instance = MemoryBus() if request.param == "memory" else fast_kafka_bus(request)
    await instance.start()
    try:
        yield instance
    finally:
        await instance.close()


@pytest.fixture
async def kafka_bus(request: pytest.FixtureRequest) -> AsyncIterator[KafkaBus]:
    """The Kafka adapter alone, for what only it does."""
    instance = fast_kafka_bus(request)
    await instance.start()
    try:
        yield instance
    finally:
        await instance.close()


def fast_kafka_bus(request: pytest.FixtureRequest) -> KafkaBus:
    bootstrap = request.getfixturevalue("kafka_bootstrap")
    # Small timings keep the group dance (join, rebalance) near a second per member.
    fast = KafkaConsumerSettings(
        session_timeout_ms=1000,
        heartbeat_interval_ms=100,
        rebalance_timeout_ms=1000,
        poll_timeout_ms=50,
        stop_grace=5.0,
    )
    return KafkaBus(bootstrap, num_partitions=3, consumer=fast)


@pytest.fixture
def topic() -> str:
    """A topic name of its own, so tests sharing the session's broker never see each other."""
    return f"test-{uuid.uuid4().hex[:10]}"


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}"
    return str(request.getfixturevalue("mariadb_url"))


@pytest.fixture
async def outbox(database_url: str) -> AsyncIterator[tuple[AsyncEngine, Table]]:
    """An engine and a created `test_outbox` table on each database."""
    engine = create_async_engine(database_url, pool_size=10)
    table = outbox_table(MetaData(), "test_outbox")
    async with engine.begin() as conn:
        await conn.run_sync(table.metadata.create_all)
    try:
        yield engine, table
    finally:
        await engine.dispose()
