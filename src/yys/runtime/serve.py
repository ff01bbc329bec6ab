"""Boot sequences: wait for dependencies → migrate → seed → serve (STYLE.md, prestart habit)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator

import uvicorn

from yys.kit.hosting import ROLES, Role
from yys.kit.migrations import make_revision
from yys.kit.observability import tracing
from yys.kit.observability.logging import configure_logging
from yys.kit.settings import Settings
from yys.runtime.app import Process, build_process, create_app
from yys.runtime.platform import build_platform, close_platform
from yys.runtime.registry import SERVICES, builder


class _Server(uvicorn.Server):
    """uvicorn re-raises the stop signal after a graceful shutdown, so Ctrl-C would end the
    process with status 130; as the top-level program, a drained shutdown is a clean exit (0)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        originals = {sig: signal.signal(sig, self.handle_exit)
                     for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)


async def _serve(process: Process, settings: Settings, *, banner: str | None) -> None:
    app = create_app(process)
    # proxy_headers off: uvicorn would rewrite the client from X-Forwarded-For for its own
    # FORWARDED_ALLOW_IPS; YYS_TRUSTED_PROXIES (kit/http/clientaddr) is the one trust list.
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_config=None,
                            access_log=False, lifespan="on", timeout_graceful_shutdown=10,
                            proxy_headers=False)
    server = _Server(config)

    async def announce() -> None:
        while not server.started:
            if server.should_exit:
                return
            await asyncio.sleep(0.05)
        if banner:
            # stderr: it is for the person at the terminal; stdout carries only JSON log lines.
            print(banner, file=sys.stderr, flush=True)

    announcer = asyncio.create_task(announce())
    try:
        await server.serve()
    finally:
        announcer.cancel()
        tracing.shutdown_tracing()  # flush the spans still batched
    if not server.started:
        raise SystemExit(f"could not start the server on {settings.host}:{settings.port}")


def _banner(settings: Settings, *, demo: bool = False) -> str:
    base = settings.public_base_url or f"http://{settings.host}:{settings.port}"
    db = settings.database_url_for("usercenter").split("@")[-1]
    # The banner goes to stderr, never through the log pipeline (whose redaction would hide it).
    from yys.runtime.seed import DEMO_MOBILE, DEMO_PASSWORD

    logins = [
        f"  Demo guest    {DEMO_MOBILE} / {DEMO_PASSWORD}  (storefront login)",
        "  Console login admin / the admin password (printed above on first start, or YYS_ADMIN_PASSWORD)",
    ] if demo else []
    return "\n".join([
        "",
        "yys is up (one process: " + ", ".join(SERVICES) + ")",
        f"  Storefront    {base}/",
        f"  Console       {base}/console",
        f"  API           {base}/travel/v1/homestay/guessList  (POST)",
        f"  API docs      {base}/docs",
        f"  Health        {base}/healthz   {base}/readyz",
        f"  Metrics       {base}/metrics",
        f"  JWKS          {base}/usercenter/v1/.well-known/jwks.json",
        f"  Data          {settings.data_dir}  (database: {db})",
        *logins,
        "Press Ctrl-C to stop.",
        "",
    ])


async def run_up(settings: Settings, *, seed: bool) -> None:
    configure_logging(level=settings.log_level, json=True, service="yys")
    tracing.configure_tracing(settings, service="yys")  # before any engine or client is built
    platform = build_platform(settings)
    process = build_process(platform, list(SERVICES))
    await process.migrate()
    if seed:
        from yys.runtime.seed import seed_demo_if_empty

        await seed_demo_if_empty(process)
    await _serve(process, settings, banner=_banner(settings, demo=seed))


async def run_serve(settings: Settings, services: list[str], roles: tuple[Role, ...], *,
                    migrate: bool) -> None:
    # An API process is named after its services, a background one (every service, one role:
    # the split topology's worker, consumer, scheduler) after its roles.
    label = ",".join(services if "api" in roles or set(roles) == set(ROLES) else roles)
    configure_logging(level=settings.log_level, json=True, service=label)
    tracing.configure_tracing(settings, service="yys-" + label.replace(",", "-"))
    platform = build_platform(settings)
    process = build_process(platform, services, roles=roles)
    from yys.runtime.rpc import MissingTargetError, attach_rpc

    try:
        # Only API processes answer calls; every role may call services hosted elsewhere.
        process.rpc = attach_rpc(settings, process.services, process.clients, serve="api" in roles)
    except MissingTargetError as exc:
        await close_platform(platform)
        raise SystemExit(f"yys serve: {exc}") from None
    if migrate:
        await process.migrate()
    await _serve(process, settings, banner=None)


async def run_migrate(settings: Settings, services: list[str]) -> None:
    configure_logging(level=settings.log_level, json=True, service="migrate")
    platform = build_platform(settings)
    process = build_process(platform, services, roles=ROLES)
    try:
        await process.migrate()
    finally:
        await close_platform(platform)
    print(f"migrated: {', '.join(services)}", file=sys.stderr)


async def run_make_revision(settings: Settings, service: str, message: str) -> None:
    platform = build_platform(settings)
    try:
        hosted = builder(service)(platform, build_process(platform, []).clients)
        if hosted.migrations is None:
            raise SystemExit(f"{service} has no migrations")
        process = build_process(platform, [service])
        await process.migrate()
        await make_revision(platform.database(service).engine, hosted.migrations, message)
    finally:
        await close_platform(platform)
