"""mqueue against real databases and a real webhook receiver."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from yys.contracts.mqueue import UserNotification
from yys.kit.db import Database
from yys.kit.migrations import upgrade
from yys.services.mqueue.channels import LogChannel, WebhookChannel
from yys.services.mqueue.local_client import LocalMqueueClient
from yys.services.mqueue.repository import SqlNotificationRepository
from yys.services.mqueue.service import MqueueService
from yys.services.mqueue.wiring import MIGRATIONS


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    url = (f"sqlite+aiosqlite:///{tmp_path / 'mq.db'}" if request.param == "sqlite"
           else request.getfixturevalue("mariadb_url"))
    database = Database(url)
    await upgrade(database.engine, MIGRATIONS)
    yield database
    await database.dispose()


class Receiver:
    def __init__(self) -> None:
        self.received: list[dict[str, object]] = []
        self.fail_next = 0

    async def handle(self, request: web.Request) -> web.Response:
        if self.fail_next:
            self.fail_next -= 1
            return web.Response(status=503)
        self.received.append(await request.json())
        return web.Response(status=204)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/hook", rec.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield rec, f"http://127.0.0.1:{port}/hook"
    await runner.cleanup()


def note(key: str) -> UserNotification:
    return UserNotification(user_id=42, kind="pay_success", title="支付成功", body="订单已支付",
                            dedup_key=key, data={"orderSn": key})


async def test_concurrent_duplicates_store_one_record(db: Database) -> None:
    client = LocalMqueueClient(db, MqueueService(channels=[LogChannel()]))
    ids = await asyncio.gather(*(client.notify_user(note("notify:A")) for _ in range(5)))
    assert len(set(ids)) == 1
    async with db.read() as conn:
        rows = await SqlNotificationRepository(conn).list_for_user(42, limit=10)
    assert [r.dedup_key for r in rows] == ["notify:A"]
    assert rows[0].title == "支付成功" and rows[0].delivered == "log"


async def test_webhook_failure_is_retried_and_delivered_once(
        db: Database, receiver: tuple[Receiver, str]) -> None:
    rec, url = receiver
    hook = WebhookChannel(url, timeout=2)
    client = LocalMqueueClient(db, MqueueService(channels=[LogChannel(), hook]))
    rec.fail_next = 1
    with pytest.raises(Exception, match="503"):
        await client.notify_user(note("notify:B"))
    assert rec.received == []
    await client.notify_user(note("notify:B"))   # the job's retry
    await client.notify_user(note("notify:B"))   # a redelivered job
    await hook.close()
    assert len(rec.received) == 1
    assert rec.received[0]["kind"] == "pay_success" and rec.received[0]["userId"] == 42


async def test_migration_downgrades_cleanly(db: Database) -> None:
    from yys.kit.migrations import downgrade

    await downgrade(db.engine, MIGRATIONS)
    await upgrade(db.engine, MIGRATIONS)


async def test_a_repeat_in_the_same_transaction_returns_the_record_and_keeps_it_usable(
        db: Database) -> None:
    async with db.unit_of_work() as conn:
        repo = SqlNotificationRepository(conn)
        first, created = await repo.insert_if_absent(note("notify:C"), now=100)
        again, created_again = await repo.insert_if_absent(note("notify:C"), now=200)
        await repo.mark_delivered(first.id, "log")  # after the failed insert: still usable
    assert created and not created_again
    assert again == first and first.created_at == 100 and first.data == {"orderSn": "notify:C"}
    async with db.read() as conn:
        (stored,) = await SqlNotificationRepository(conn).list_for_user(42, limit=10)
    assert stored.id == first.id and stored.delivered == "log"
    assert (stored.title, stored.body, stored.kind, stored.created_at, stored.data) == (
        first.title, first.body, first.kind, 100, first.data)
