import asyncio

import pytest


@pytest.mark.mariadb
def test_throwaway_database_is_reachable(mariadb_url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    async def check() -> int:
        engine = create_async_engine(mariadb_url)
        async with engine.connect() as conn:
            value = (await conn.execute(text("SELECT 1"))).scalar_one()
        await engine.dispose()
        return int(value)

    assert asyncio.run(check()) == 1


@pytest.mark.kafka
async def test_tansu_accepts_a_produce(kafka_bootstrap: str) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        meta = await producer.send_and_wait("smoke", b"hello")
    finally:
        await producer.stop()
    assert meta.offset >= 0
