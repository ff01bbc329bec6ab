"""Notification use cases with in-memory fakes: recorded once, delivered per channel."""

from __future__ import annotations

from dataclasses import replace

import pytest

from yys.contracts.mqueue import UserNotification
from yys.services.mqueue.domain import InvalidNotificationError, Notification
from yys.services.mqueue.service import MqueueService


class FakeRepo:
    def __init__(self) -> None:
        self.rows: dict[str, Notification] = {}

    async def insert_if_absent(self, item: UserNotification, *, now: int, delivered: str = ""
                               ) -> tuple[Notification, bool]:
        if item.dedup_key in self.rows:
            return self.rows[item.dedup_key], False
        row = Notification(id=len(self.rows) + 1, user_id=item.user_id, kind=item.kind,
                           title=item.title, body=item.body, dedup_key=item.dedup_key,
                           data=dict(item.data), created_at=now, delivered=delivered)
        self.rows[item.dedup_key] = row
        return row, True

    async def mark_delivered(self, notification_id: int, channels: str) -> None:
        for key, row in self.rows.items():
            if row.id == notification_id:
                self.rows[key] = replace(row, delivered=channels)

    async def list_for_user(self, user_id: int, *, limit: int) -> list[Notification]:
        return [r for r in self.rows.values() if r.user_id == user_id][:limit]


class RecordingChannel:
    def __init__(self, name: str, failures: int = 0) -> None:
        self.name = name
        self.failures = failures
        self.sent: list[int] = []

    async def send(self, notification: Notification) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("down")
        self.sent.append(notification.id)


def item(key: str = "notify:SN1") -> UserNotification:
    return UserNotification(user_id=7, kind="pay_success", title="Paid", body="Your order is paid",
                            dedup_key=key, data={"orderSn": "SN1"})


async def test_recording_twice_keeps_one_record() -> None:
    repo = FakeRepo()
    service = MqueueService(channels=[], clock=lambda: 1000.0)
    first, created = await service.record(repo, item=item())
    again, created_again = await service.record(repo, item=item())
    assert created and not created_again
    assert first.id == again.id and len(repo.rows) == 1
    assert first.created_at == 1000


async def test_a_failing_channel_is_retried_without_resending_the_others() -> None:
    log, hook = RecordingChannel("log"), RecordingChannel("webhook", failures=1)
    service = MqueueService(channels=[log, hook])
    record, _ = await service.record(FakeRepo(), item=item())

    delivered, error = await service.deliver(record)
    assert delivered == "log" and isinstance(error, ConnectionError)

    delivered, error = await service.deliver(replace(record, delivered=delivered))
    assert delivered == "log,webhook" and error is None
    assert log.sent == [record.id] and hook.sent == [record.id]
    assert service.fully_delivered(replace(record, delivered=delivered))


@pytest.mark.parametrize("bad", [
    {"user_id": 0}, {"kind": ""}, {"dedup_key": ""}, {"title": "t" * 500}, {"dedup_key": "k" * 200},
])
async def test_invalid_notifications_are_rejected(bad: dict[str, object]) -> None:
    fields = {"user_id": 1, "kind": "k", "title": "t", "body": "b", "dedup_key": "d"} | bad
    with pytest.raises(InvalidNotificationError):
        await MqueueService(channels=[]).record(FakeRepo(), item=UserNotification(**fields))  # type: ignore[arg-type]


class InlineChannel(RecordingChannel):
    inline = True


async def test_inline_channels_are_sent_when_recording_and_stored_as_delivered() -> None:
    log, hook = InlineChannel("log"), RecordingChannel("webhook")
    service = MqueueService(channels=[log, hook])
    repo = FakeRepo()
    record, created = await service.record(repo, item=item())
    assert created and record.delivered == "log" and repo.rows[record.dedup_key].delivered == "log"
    assert log.sent == [record.id] and hook.sent == []  # the webhook waits for deliver()
    assert not service.fully_delivered(record)

    again, created_again = await service.record(repo, item=item())  # a redelivered job
    assert not created_again and log.sent == [record.id]  # not logged twice
    delivered, error = await service.deliver(again)
    assert (delivered, error) == ("log,webhook", None) and hook.sent == [record.id]


async def test_a_failing_inline_channel_fails_the_recording() -> None:
    service = MqueueService(channels=[InlineChannel("log", failures=1)])
    with pytest.raises(ConnectionError):
        await service.record(FakeRepo(), item=item())  # the caller's transaction rolls back
