"""Composition root of usercenter: builds adapters from the platform and hands the runtime a
`HostedService`. Nothing here runs at import time."""

from __future__ import annotations

from pathlib import Path

from yys.clients import Clients
from yys.kit.events import OutboxRelay
from yys.kit.hosting import BackgroundTask, HostedService, MigrationSpec, Platform
from yys.kit.http.admin import admin_guards
from yys.kit.settings import Settings
from yys.services.usercenter.admin_api import build_admin_router
from yys.services.usercenter.admin_service import UserAdminService
from yys.services.usercenter.api import UsercenterApi, build_router
from yys.services.usercenter.directory import UserDirectory, snapshot_cache
from yys.services.usercenter.local_client import LocalUsercenterClient
from yys.services.usercenter.ports import WxMiniProvider
from yys.services.usercenter.service import LoginLimits, UsercenterService
from yys.services.usercenter.tables import metadata, outbox
from yys.services.usercenter.wx import SandboxWxMiniProvider
from yys.services.usercenter.wx_wechat import WechatWxMiniProvider

NAME = "usercenter"
MIGRATIONS = MigrationSpec(NAME, metadata, versions=Path(__file__).parent / "migrations" / "versions")


def wx_provider(settings: Settings) -> SandboxWxMiniProvider | WechatWxMiniProvider:
    if settings.wx_provider == "sandbox":
        secret = settings.wx_secret.get_secret_value() if settings.wx_secret else "yys-wx-sandbox"
        return SandboxWxMiniProvider(appid=settings.wx_appid, secret=secret)
    if settings.wx_provider == "wechat":
        if settings.wx_secret is None:
            raise RuntimeError("YYS_WX_SECRET is required when YYS_WX_PROVIDER=wechat")
        return WechatWxMiniProvider(appid=settings.wx_appid,
                                    secret=settings.wx_secret.get_secret_value())
    raise RuntimeError(f"unknown YYS_WX_PROVIDER {settings.wx_provider!r} (sandbox, wechat)")


def build(platform: Platform, clients: Clients) -> HostedService:
    settings = platform.settings
    db = platform.database(NAME)
    directory = UserDirectory(db, snapshot_cache(platform.cache, settings))
    wx = wx_provider(settings)
    provider: WxMiniProvider = wx
    service = UsercenterService(
        hasher=platform.hasher,
        tokens=platform.tokens,
        limiter=platform.rate_limiter,
        wx=provider,
        limits=LoginLimits(per_mobile=settings.login_rate_per_mobile,
                           per_client=settings.login_rate_per_client,
                           window_seconds=settings.login_rate_window_seconds),
    )
    relay = OutboxRelay(db.engine, outbox, platform.bus)
    admin = UserAdminService(writes=directory.writing, reads=directory.reading,
                             on_commit=relay.kick)
    reader, writer, _ = admin_guards(platform, clients)
    hosted = HostedService(
        name=NAME,
        route_handlers=[build_router(UsercenterApi(service, directory, platform.tokens)),
                        build_admin_router(admin, reader=reader, writer=writer)],
        migrations=MIGRATIONS,
        # With the API role: `kick()` after an admin write publishes its audit entry at once.
        background=[BackgroundTask("usercenter-relay", "api", relay.run, relay.stop)],
        local_client=LocalUsercenterClient(directory),
    )
    if isinstance(wx, WechatWxMiniProvider):
        hosted.on_shutdown.append(wx.close)
    return hosted
