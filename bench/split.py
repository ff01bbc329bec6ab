"""Split topology benchmark: the cost of one gRPC hop, and booking throughput split vs one process.

    .venv/bin/python -m bench.split                      # hop + booking on both targets
    .venv/bin/python -m bench.split --part hop           # only the per-hop cost
    .venv/bin/python -m bench.split --part booking --target mariadb

1. **hop**: `TravelClient.get_homestay` called one at a time, many times, through the in-process
   binding (the service object in this process) and through the gRPC client over a real channel
   to a `yys serve --services travel` process (pinned to core 0; the harness runs on core 1).
   Both read the same seeded SQLite file through travel's cache (warm). The difference is the
   cost of one hop (protobuf both ways, HTTP/2, loopback, scheduling), as wall-clock
   percentiles and as CPU per call on both sides.
2. **booking**: `createHomestayOrder` at full speed with wrk (16 connections, rotating users,
   homestays and stays) against `yys up` (one process) and `yys up --split` (nginx edge → order
   process → gRPC → travel process), unpinned, on the same two cores; on the embedded default
   and on MariaDB + Redis + Kafka (tansu), each topology on a fresh database. Every response
   must be 2xx; CPU per order is summed over every process of the topology. Target: split
   ≥ 60 % of one process's req/s.

Results to `bench/results/split.json`; exit 0 when the target is met, 1 when not, 2 when a run is
invalid. Every process started is stopped by its process group id (bench.procs.Reaper).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.booking_infra import CREATE, Api, booking_body, register_users, today_utc
from bench.procs import Reaper, free_port, log, wait_ready
from bench.travel import ensure_wrk, machine_info
from bench.wrk import lua_script, run_wrk

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 0.6


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.split", description=__doc__.split("\n")[0])
    p.add_argument("--part", choices=("hop", "booking", "all"), default="all")
    p.add_argument("--calls", type=int, default=5000, help="calls per binding (hop)")
    p.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run (booking)")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--idle-seconds", type=float, default=5.0,
                   help="no-load CPU measured this long per topology, subtracted in *_net_of_idle")
    p.add_argument("--users", type=int, default=100)
    p.add_argument("--repeat", type=int, default=2, help="wrk runs per topology; the best is kept")
    p.add_argument("--target", choices=("embedded", "mariadb", "all"), default="all",
                   help="booking on the embedded default, on MariaDB + Redis + Kafka, or both")
    p.add_argument("--mariadb", default="mysql+asyncmy://root@127.0.0.1:3306",
                   help="server URL; a fresh yys_bench_split_<hex> database is used and dropped")
    p.add_argument("--redis", default="redis://127.0.0.1:6379/8",
                   help="keys under a prefix of the run's own, deleted afterwards")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "split.json")
    p.add_argument("--note", default="", help="stored in the JSON (e.g. how busy the machine was)")
    return p.parse_args(argv)


def _yys(*args: str) -> list[str]:
    return [sys.executable, "-m", "yys.runtime.cli", *args]


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YYS_")}
    env.update(YYS_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1", **extra)
    return env


def _stats_us(samples_ns: list[int]) -> dict[str, float]:
    ordered = sorted(samples_ns)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] / 1000

    return {"p50_us": round(pct(50), 1), "p90_us": round(pct(90), 1), "p99_us": round(pct(99), 1),
            "mean_us": round(statistics.fmean(ordered) / 1000, 1), "calls": len(ordered)}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of another process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _time_calls(call: Callable[[int], Awaitable[Any]], ids: list[int], calls: int,
                      server_pid: int | None) -> dict[str, float]:
    for i in range(min(500, calls)):  # warm-up: caches, channel, code paths
        await call(ids[i % len(ids)])
    samples = []
    cpu_before = time.process_time()
    server_before = _cpu_seconds(server_pid) if server_pid else 0.0
    for i in range(calls):
        started = time.perf_counter_ns()
        found = await call(ids[i % len(ids)])
        samples.append(time.perf_counter_ns() - started)
        if found is None:
            raise RuntimeError(f"homestay {ids[i % len(ids)]} not found")
    # CPU per call is what a busy machine does not distort: wall-clock percentiles include the
    # time either side waited for a core.
    caller = (time.process_time() - cpu_before) / calls * 1e6
    callee = (_cpu_seconds(server_pid) - server_before) / calls * 1e6 if server_pid else 0.0
    return {**_stats_us(samples), "caller_cpu_us_per_call": round(caller, 1),
            "callee_cpu_us_per_call": round(callee, 1)}


async def _hop(data_dir: Path, grpc_port: int, calls: int, server_pid: int) -> dict[str, Any]:
    from yys.clients.grpc import remote_client
    from yys.kit.settings import Settings
    from yys.runtime.app import build_process
    from yys.runtime.platform import build_platform, close_platform

    settings = Settings(data_dir=data_dir)
    platform = build_platform(settings)
    process = build_process(platform, ["travel"])
    client, remote = remote_client("travel", f"127.0.0.1:{grpc_port}", default_timeout=2.0,
                                   max_message_bytes=settings.grpc_max_message_bytes)
    try:
        local = process.services[0].local_client
        ids = list(range(1, 21))
        d = await _time_calls(local.get_homestay, ids, calls, None)
        g = await _time_calls(client.get_homestay, ids, calls, server_pid)
    finally:
        await remote.close()
        await close_platform(platform)
    cpu_direct = d["caller_cpu_us_per_call"]
    cpu_grpc = g["caller_cpu_us_per_call"] + g["callee_cpu_us_per_call"]
    return {"in_process": d, "grpc": g,
            "hop_cost_p50_us": round(g["p50_us"] - d["p50_us"], 1),
            "hop_cost_p99_us": round(g["p99_us"] - d["p99_us"], 1),
            "hop_cost_cpu_us": round(cpu_grpc - cpu_direct, 1)}


def run_hop(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    data_dir = workdir / "hop"
    env = _env(data_dir)
    subprocess.run(_yys("migrate", "--services", "usercenter,travel"), env=env, check=True,
                   capture_output=True, timeout=120)
    subprocess.run(_yys("seed", "--homestays", "20", "--businesses", "4", "--users", "4"), env=env,
                   check=True, capture_output=True, timeout=120)
    http_port, grpc_port = free_port(), free_port()
    log_path = workdir / "hop-travel.log"
    # travel declares it calls usercenter; get_homestay never does, so any address will do.
    server_env = _env(data_dir, YYS_GRPC_PORT=str(grpc_port),
                      YYS_USERCENTER_GRPC_TARGET=f"127.0.0.1:{free_port()}")
    argv = ["taskset", "-c", "0", *_yys("serve", "--services", "travel", "--port", str(http_port))]
    proc = Reaper.spawn(argv, env=server_env, log_path=log_path)
    try:
        wait_ready(proc, http_port, timeout=90, log_path=log_path)
        affinity = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {1} if (os.cpu_count() or 1) > 1 else affinity)
        try:
            log(f"hop: {args.calls} calls per binding")
            return asyncio.run(_hop(data_dir, grpc_port, args.calls, proc.pid))
        finally:
            os.sched_setaffinity(0, affinity)
    finally:
        Reaper.stop(proc)


def _sessions_cpu_seconds(sessions: dict[int, str]) -> dict[str, float]:
    """CPU by session of every live process in these sessions (the server, or the supervisor
    and each of its children, which lead their own sessions, nginx's workers included)."""
    totals = dict.fromkeys(sessions.values(), 0.0)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        name = sessions.get(int(fields[3]))
        if name is not None:
            totals[name] += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return totals


def _idle_cpu_rates(sessions: dict[int, str], seconds: float) -> dict[str, float]:
    """CPU seconds per second of each process with no load (0 s: not measured)."""
    if seconds <= 0:
        return {}
    before, started = _sessions_cpu_seconds(sessions), time.monotonic()
    time.sleep(seconds)
    after, elapsed = _sessions_cpu_seconds(sessions), time.monotonic() - started
    return {name: (after[name] - before[name]) / elapsed for name in after}


def _sessions(proc: subprocess.Popen[bytes], data_dir: Path) -> dict[int, str]:
    """Session id → process name: `yys up`, or the supervisor and its children."""
    state = data_dir / "split" / "state.json"
    ids = {proc.pid: "supervisor" if state.is_file() else "yys"}
    if state.is_file():
        ids |= {p["pid"]: name for name, p in json.loads(state.read_text())["processes"].items()
                if p["pid"]}
    return ids


def _start(topology: str, workdir: Path, target_env: dict[str, str]
           ) -> tuple[subprocess.Popen[bytes], int, Path]:
    from yys.runtime.split.layout import stable_free_port

    port = stable_free_port()
    data_dir = workdir / topology
    log_path = workdir / f"{topology}.log"
    # No close job fires during the run; 100 registrations come from one address.
    env = _env(data_dir, YYS_ORDER_CLOSE_DELAY_SECONDS=str(7 * 86400),
               YYS_LOGIN_RATE_PER_CLIENT="100000", **target_env)
    extra = ["--split"] if topology == "split" else []
    proc = Reaper.spawn(_yys("up", *extra, "--port", str(port)), env=env, log_path=log_path)
    wait_ready(proc, port, timeout=240, log_path=log_path)
    return proc, port, data_dir


def _booking_run(args: argparse.Namespace, topology: str, workdir: Path,
                 target_env: dict[str, str]) -> dict[str, Any]:
    proc, port, data_dir = _start(topology, workdir, target_env)
    try:
        api = Api(port)
        users = register_users(api, args.users)
        status, listing = api.call("/travel/v1/homestay/homestayList", {"page": 1, "pageSize": 20})
        if status != 200 or not listing["list"]:
            raise RuntimeError(f"homestayList: {status} {listing!r:.200}")
        homestays = [h["id"] for h in listing["list"]]
        base = today_utc()
        bodies, headers = [], []
        for k in range(2000):
            _, token = users[k % len(users)]
            bodies.append(json.dumps(booking_body(k, homestays[k % len(homestays)], base_day=base)))
            headers.append({"Authorization": f"Bearer {token}"})
        script = lua_script(method="POST", path=CREATE, bodies=bodies, request_headers=headers)
        url = f"http://127.0.0.1:{port}"
        sessions = _sessions(proc, data_dir)
        # SQLite serialises the writes: queueing makes a few requests slower than wrk's default
        # 2 s timeout, which would count them as errors; latency is reported anyway.
        run_wrk(url, script, workdir=workdir, name=f"{topology}-warm", duration=2,
                connections=args.connections, timeout_s=10)
        idle = _idle_cpu_rates(sessions, args.idle_seconds)
        attempts = []
        for i in range(args.repeat):
            cpu_before, started = _sessions_cpu_seconds(sessions), time.monotonic()
            result, _ = run_wrk(url, script, workdir=workdir, name=f"{topology}-{i}",
                                duration=args.duration, connections=args.connections,
                                timeout_s=10)
            cpu_after, elapsed = _sessions_cpu_seconds(sessions), time.monotonic() - started
            orders = max(1, result.requests)
            per_order = {name: round((cpu_after[name] - cpu_before[name]) / orders * 1e6, 1)
                         for name in cpu_after}
            # What the processes burn with no request at all (pollers, relays, health checks)
            # is spread over the orders too; at a low rate (a busy machine) it dominates.
            net = {name: round(max(0.0, cpu_after[name] - cpu_before[name]
                                   - idle.get(name, 0.0) * elapsed) / orders * 1e6, 1)
                   for name in cpu_after}
            attempt = result.to_json()
            # All processes of the topology, per order: independent of how busy the machine was.
            attempt["cpu_us_per_request"] = round(sum(per_order.values()), 1)
            attempt["cpu_us_per_request_by_process"] = per_order
            attempt["cpu_us_per_request_net_of_idle"] = round(sum(net.values()), 1)
            attempt["cpu_us_per_request_net_of_idle_by_process"] = net
            attempts.append(attempt)
            log(f"booking {topology}: {result.rps:,.0f} req/s, p99 {result.latency_ms.get('p99')} ms, "
                f"{attempt['cpu_us_per_request']:,.0f} CPU us/order "
                f"({attempt['cpu_us_per_request_net_of_idle']:,.0f} net of idle), "
                f"non-2xx {result.http_errors}, socket errors {result.socket_errors}")
        best = max(attempts, key=lambda a: float(a["rps"]))
        return {"best": best, "attempts": attempts,
                "idle_cpu_cores_by_process": {k: round(v, 4) for k, v in idle.items()}}
    finally:
        Reaper.stop(proc, grace=40)


@contextmanager
def _target(name: str, args: argparse.Namespace, workdir: Path) -> Iterator[dict[str, str]]:
    """The settings both topologies get: nothing (embedded), or MariaDB + Redis + a broker."""
    if name == "embedded":
        yield {}
        return
    from bench.booking_infra import start_tansu
    from bench.travel import bench_database, redis_prefix

    url = f"{args.mariadb.rstrip('/')}/yys_bench_split_{secrets.token_hex(4)}"
    with bench_database(url, keep=False, reuse=False), redis_prefix(args.redis) as prefix:
        yield {"YYS_DATABASE_URL": url, "YYS_REDIS_URL": args.redis,
               "YYS_REDIS_KEY_PREFIX": str(prefix),
               "YYS_KAFKA_BOOTSTRAP_SERVERS": start_tansu(workdir),
               "YYS_KAFKA_SESSION_TIMEOUT_MS": "3000", "YYS_KAFKA_HEARTBEAT_INTERVAL_MS": "1000",
               "YYS_KAFKA_REBALANCE_TIMEOUT_MS": "3000"}


def run_booking(args: argparse.Namespace, workdir: Path, target: str) -> dict[str, Any]:
    ensure_wrk()
    (workdir / target).mkdir(parents=True, exist_ok=True)
    runs = {}
    for topology in ("one_process", "split"):
        with _target(target, args, workdir) as target_env:  # a fresh database per topology
            runs[topology] = _booking_run(args, topology, workdir / target, target_env)
    one, split = runs["one_process"]["best"], runs["split"]["best"]
    ratio = round(float(split["rps"]) / float(one["rps"]), 3) if float(one["rps"]) else 0.0
    cpu_ratio = round(float(one["cpu_us_per_request"]) / float(split["cpu_us_per_request"]), 3)
    net_ratio = round(float(one["cpu_us_per_request_net_of_idle"])
                      / max(1.0, float(split["cpu_us_per_request_net_of_idle"])), 3)
    problems = [f"{name}: {a['http_errors']} non-2xx, {a['socket_errors']} socket errors"
                for name, run in runs.items() for a in run["attempts"]
                if a["http_errors"] or a["socket_errors"]]
    return {"runs": runs, "split_over_one_process": ratio,
            "split_over_one_process_by_cpu_per_request": cpu_ratio,
            "split_over_one_process_by_net_cpu_per_request": net_ratio, "target": TARGET_RATIO,
            "met": ratio >= TARGET_RATIO, "valid": not problems, "problems": problems}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    Reaper.install_signal_handlers()
    result: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                              "argv": ["python", "-m", "bench.split", *(argv or sys.argv[1:])],
                              "machine": machine_info(), "note": args.note}
    try:
        with tempfile.TemporaryDirectory(prefix="yys-bench-split-") as tmp:
            workdir = Path(tmp)
            if args.part in ("hop", "all"):
                result["hop"] = run_hop(args, workdir)
                log(f"hop: {json.dumps(result['hop'])}")
            if args.part in ("booking", "all"):
                targets = ("embedded", "mariadb") if args.target == "all" else (args.target,)
                result["booking"] = {t: run_booking(args, workdir, t) for t in targets}
    finally:
        Reaper.stop_all()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    log(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    booking = result.get("booking", {})
    if not all(b["valid"] for b in booking.values()):
        return 2
    return 0 if all(b["met"] for b in booking.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
