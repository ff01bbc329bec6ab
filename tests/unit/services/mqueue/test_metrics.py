"""`yys_notifications_sent_total`: one count per channel send, by result; a channel that already
took the notification is not asked (nor counted) again when the job is retried."""

from __future__ import annotations

import dataclasses

from prometheus_client import REGISTRY

from yys.services.mqueue.domain import Notification
from yys.services.mqueue.service import MqueueService


class Channel:
    def __init__(self, name: str, failures: int = 0) -> None:
        self.name = name
        self.failures = failures

    async def send(self, notification: Notification) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("push gateway down")


def sent(channel: str, result: str) -> float:
    return REGISTRY.get_sample_value("yys_notifications_sent_total",
                                     {"channel": channel, "result": result}) or 0.0


async def test_counts_each_send_by_channel_and_result() -> None:
    service = MqueueService(channels=[Channel("unit-inbox"), Channel("unit-push", failures=1)])
    note = Notification(id=1, user_id=2, kind="pay_success", title="t", body="b", dedup_key="k",
                        data={}, created_at=0, delivered="")
    delivered, error = await service.deliver(note)
    assert delivered == "unit-inbox" and isinstance(error, ConnectionError)
    delivered, error = await service.deliver(
        dataclasses.replace(note, delivered=delivered))
    assert delivered == "unit-inbox,unit-push" and error is None
    assert (sent("unit-inbox", "ok"), sent("unit-push", "failed"), sent("unit-push", "ok")) == (1, 1, 1)
