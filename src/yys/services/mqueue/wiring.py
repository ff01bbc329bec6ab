"""Composition root of mqueue (notifications)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from yys.clients import Clients
from yys.kit.hosting import HostedService, MigrationSpec, Platform
from yys.services.mqueue.channels import LogChannel, WebhookChannel
from yys.services.mqueue.local_client import LocalMqueueClient
from yys.services.mqueue.ports import Channel
from yys.services.mqueue.service import MqueueService
from yys.services.mqueue.tables import metadata

NAME = "mqueue"
MIGRATIONS = MigrationSpec(NAME, metadata, versions=Path(__file__).parent / "migrations" / "versions")


class MqueueSettings(BaseSettings):
    """`YYS_MQUEUE_WEBHOOK_URL`: where user notifications are POSTed (unset: log only)."""

    model_config = SettingsConfigDict(env_prefix="YYS_MQUEUE_", extra="ignore", frozen=True)

    webhook_url: str | None = None
    webhook_timeout_seconds: float = 5.0


def build(platform: Platform, clients: Clients, *, settings: MqueueSettings | None = None
          ) -> HostedService:
    own = settings or MqueueSettings()
    channels: list[Channel] = [LogChannel()]
    hosted = HostedService(name=NAME, migrations=MIGRATIONS)
    if own.webhook_url:
        webhook = WebhookChannel(own.webhook_url, timeout=own.webhook_timeout_seconds)
        channels.append(webhook)
        hosted.on_shutdown.append(webhook.close)
    service = MqueueService(channels=channels)
    hosted.local_client = LocalMqueueClient(platform.database(NAME), service)
    return hosted
