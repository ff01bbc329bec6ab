"""Composition root of the payment sandbox: routes, the notify delivery worker, migrations.

Keys load in the startup hook, not at build time, so `yys migrate` needs none and a missing
production key stops the process at start with a clear message.
"""

from __future__ import annotations

from pathlib import Path

from yys.clients import Clients
from yys.kit.delayqueue import RetryPolicy, Worker
from yys.kit.hosting import BackgroundTask, HostedService, MigrationSpec, Platform
from yys.kit.wechatpay.settings import WxPayKeyring, WxPaySettings
from yys.services.paysandbox.api import SandboxApi, build_router
from yys.services.paysandbox.identity import SandboxIdentity
from yys.services.paysandbox.jobs import NOTIFY_JOB, NotifyDelivery
from yys.services.paysandbox.service import SandboxService
from yys.services.paysandbox.tables import delay_jobs, metadata

NAME = "paysandbox"
MIGRATIONS = MigrationSpec(NAME, metadata, versions=Path(__file__).parent / "migrations" / "versions")


class _Identity:
    """Holds the identity once the startup hook loaded the keys."""

    def __init__(self, ring: WxPayKeyring) -> None:
        self._ring = ring
        self._value: SandboxIdentity | None = None

    async def load(self) -> None:
        self._value = SandboxIdentity.from_keyring(self._ring)

    def __call__(self) -> SandboxIdentity:
        if self._value is None:
            self._value = SandboxIdentity.from_keyring(self._ring)
        return self._value


def build(platform: Platform, clients: Clients) -> HostedService:
    return build_with(platform, clients, WxPaySettings())


def build_with(platform: Platform, clients: Clients, wx: WxPaySettings) -> HostedService:
    del clients  # the sandbox calls no other service
    settings = platform.settings
    db = platform.database(NAME)
    identity = _Identity(WxPayKeyring(wx, settings))
    queue = platform.jobs.queue(NAME, delay_jobs)
    delivery = NotifyDelivery(db=db, queue=queue, identity=identity,
                              timeout=wx.notify_timeout_seconds)
    worker = Worker(queue, {NOTIFY_JOB: delivery.handle}, service=NAME,
                    poll_interval=settings.job_poll_interval_seconds,
                    retry=RetryPolicy(max_attempts=wx.notify_max_attempts,
                                      base=wx.notify_retry_base_seconds,
                                      max_delay=wx.notify_retry_max_seconds))
    api = SandboxApi(service=SandboxService(), db=db, identity=identity, notifier=delivery)
    return HostedService(
        name=NAME,
        route_handlers=[build_router(api)],
        migrations=MIGRATIONS,
        on_startup=[identity.load],
        on_shutdown=[delivery.close],
        background=[BackgroundTask("paysandbox-notify", "worker", worker.run, worker.stop)],
    )
