"""Benchmark of the cached travel reads against the framework ceiling of the same process.

    .venv/bin/python -m bench.travel --homestays 100000 --out bench/results/sqlite-uvicorn.json

Run from the repository root. Steps (README.md has the details and the meaning of each number):
seed a catalogue (`yys seed`) into a temporary data dir, serve usercenter+travel in one server
process pinned to one core, verify and warm the ids the load will hit, then measure with wrk on
the other core: the `/healthz` ceiling, homestayDetail and homestayList at full speed, and both
again paced at a fixed fraction of the ceiling. Then the same with the cache switched off.
One JSON file holds everything; the process exits 0 when the targets are met, 1 when not, 2 when
the run is invalid (errors, non-2xx, unknown ids).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.procs import (
    CpuSample,
    Http,
    Reaper,
    free_port,
    log,
    raise_priority,
    set_realtime,
    tail,
    wait_quiet,
    wait_ready,
)
from bench.wrk import WrkError, lua_script, run_wrk, wrk_version

ROOT = Path(__file__).resolve().parent.parent
DETAIL = "/travel/v1/homestay/homestayDetail"
LIST = "/travel/v1/homestay/homestayList"
LIST_BODY = {"page": 1, "pageSize": 10}
TARGET_DETAIL_RATIO = 0.70
TARGET_P99_MS = 5.0
# A paced run that delivered less than this share of its rate did not test that rate.
MIN_ACHIEVED_FRACTION = 0.95
RT_PRIORITY = 10  # SCHED_FIFO priority of the paced runs (--rt-paced)
PACKAGES = ("litestar", "msgspec", "uvicorn", "uvloop", "httptools", "granian", "sqlalchemy",
            "aiosqlite", "asyncmy", "redis", "hiredis", "prometheus-client", "structlog")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.travel", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--homestays", type=int, default=100_000, help="catalogue size to seed")
    p.add_argument("--businesses", type=int, default=None,
                   help="businesses to seed (default: homestays/100, at least 10)")
    p.add_argument("--users", type=int, default=None, help="guest users to seed (yys seed default)")
    p.add_argument("--comments", type=int, default=None,
                   help="comments per homestay (yys seed default)")
    p.add_argument("--duration", type=float, default=10.0, help="seconds per measured run")
    p.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each run")
    p.add_argument("--repeat", type=int, default=1,
                   help="measure each run this many times and keep the best (noisy machines)")
    p.add_argument("--database-url", default=None,
                   help="default: embedded SQLite in the temp data dir; a mysql+asyncmy URL's "
                        "database is created fresh and dropped afterwards")
    p.add_argument("--redis-url", default=None, help="cache in Redis instead of in-process")
    p.add_argument("--server", choices=("uvicorn", "granian"), default="uvicorn")
    p.add_argument("--services", default="usercenter,travel", help="services the server hosts")
    p.add_argument("--ids", type=int, default=2000, help="distinct homestay ids to cycle through")
    p.add_argument("--connections", type=int, default=64, help="wrk connections, max-rate runs")
    p.add_argument("--rate-connections", type=int, default=64,
                   help="wrk connections, fixed-rate runs")
    p.add_argument("--rate-fraction", type=float, default=0.5,
                   help="fixed rate as a fraction of the cached pass's /healthz req/s")
    p.add_argument("--server-cpu", type=int, default=0, help="core the server is pinned to")
    p.add_argument("--wrk-cpu", type=int, default=1, help="core wrk is pinned to")
    p.add_argument("--nice", type=int, default=-10 if os.geteuid() == 0 else 0,
                   help="niceness of the server and wrk (default -10 as root, else 0): on a "
                        "shared machine, other work then takes less of their cores")
    p.add_argument("--rt-paced", action=argparse.BooleanOptionalAction,
                   default=os.geteuid() == 0,
                   help="run the server and wrk SCHED_FIFO during the paced runs only (default on "
                        "as root): their tail latency is otherwise mostly other processes' "
                        "scheduling; the server is then ~50-70%% busy, the rest of the machine free")
    p.add_argument("--quiet-threshold", type=float, default=0.15,
                   help="before each run, wait until other processes use less than this share "
                        "of one core (shared machines)")
    p.add_argument("--quiet-wait", type=float, default=20.0, help="max seconds to wait for quiet")
    p.add_argument("--no-uncached", action="store_true", help="skip the cache-off pass")
    p.add_argument("--profile", action="store_true",
                   help="also record the cached server with py-spy during extra, unmeasured "
                        "max-throughput runs; a per-layer summary goes into the JSON")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="use (and keep) this data dir instead of a temporary one")
    p.add_argument("--skip-seed", action="store_true",
                   help="the database is already seeded (with --data-dir / --database-url)")
    p.add_argument("--keep", action="store_true", help="keep the temp dir and the bench database")
    p.add_argument("--out", type=Path, default=None,
                   help="result JSON (default: bench/results/travel-<db>-<server>.json)")
    args = p.parse_args(argv)
    if args.skip_seed and not (args.data_dir or args.database_url):
        p.error("--skip-seed needs --data-dir or --database-url")
    if args.homestays < 1 or args.ids < 1 or args.duration <= 0 or args.repeat < 1:
        p.error("--homestays, --ids, --duration and --repeat must be positive")
    return args


# --- environment -------------------------------------------------------------------------------

def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if shutil.which("apt-get") and os.geteuid() == 0:
        log("wrk is missing: apt-get install -y wrk")
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        if subprocess.run(install, check=False, timeout=300).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], check=False, timeout=300)
            subprocess.run(install, check=True, timeout=300)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is required: apt-get install -y wrk")


def machine_info() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "packages": versions,
        "wrk": wrk_version(),
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "loadavg_at_start": Path("/proc/loadavg").read_text().split()[:3],
    }


def _git(*args: str) -> str:
    try:
        out = subprocess.run(["git", *args], check=False, cwd=ROOT, capture_output=True, text=True,
                             timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip()


def _yys() -> list[str]:
    script = Path(sys.executable).with_name("yys")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from yys.runtime.cli import main; sys.exit(main())"]


def _pinned(argv: list[str], cpu: int, nice: int = 0) -> list[str]:
    if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
        argv = ["taskset", "-c", str(cpu), *argv]
    if nice:
        argv = ["nice", "-n", str(nice), *argv]
    return argv


def _redacted(url: str | None) -> str | None:
    if not url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}{':***' if ':' in creds else ''}@{host}"


# --- database and cache lifecycle ----------------------------------------------------------------

@contextmanager
def bench_database(url: str | None, *, keep: bool, reuse: bool) -> Iterator[None]:
    """A MySQL/MariaDB URL gets a fresh database (dropped afterwards); SQLite needs nothing."""
    if not url or not url.startswith("mysql"):
        yield
        return
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = parsed.database
    if not name:
        raise SystemExit("--database-url must name a database")
    server = parsed._replace(database=None)  # URL.set() treats None as "unchanged"

    async def execute(sql: str) -> None:
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(sql))
        finally:
            await engine.dispose()

    if not reuse:
        if not name.startswith("yys_bench"):
            raise SystemExit(f"refusing to recreate database {name!r}: use a name starting "
                             "with 'yys_bench', or --skip-seed to use it as it is")
        log(f"creating database {name}")
        asyncio.run(execute(f"DROP DATABASE IF EXISTS `{name}`"))
        asyncio.run(execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    try:
        yield
    finally:
        if not reuse and not keep:
            log(f"dropping database {name}")
            try:
                asyncio.run(execute(f"DROP DATABASE IF EXISTS `{name}`"))
            except Exception as exc:
                log(f"could not drop {name}: {exc}")


@contextmanager
def redis_prefix(url: str | None) -> Iterator[str | None]:
    """A key prefix of our own in Redis, deleted afterwards. Never FLUSHDB: harnesses share the
    database, and a flush wipes a neighbouring run's queued jobs (lost notifications)."""
    if not url:
        yield None
        return
    prefix = f"yysbench:{secrets.token_hex(4)}:"
    try:
        yield prefix
    finally:
        import redis

        try:
            client = redis.Redis.from_url(url, socket_timeout=5)
            # Leading `*`: the delay queues wrap the prefix in a {hash tag}.
            keys = list(client.scan_iter(match="*" + prefix + "*", count=1000))
            for i in range(0, len(keys), 1000):
                client.delete(*keys[i:i + 1000])
            client.close()
        except Exception as exc:
            log(f"could not delete Redis keys {prefix}*: {exc}")


def database_url(args: argparse.Namespace, data_dir: Path) -> str:
    return args.database_url or f"sqlite+aiosqlite:///{data_dir / 'yys.db'}"


def sample_ids(url: str, count: int) -> tuple[list[int], dict[str, Any]]:
    """`count` live, on-shelf homestay ids spread evenly over the catalogue."""

    async def query() -> tuple[list[int], int]:
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                total = (await conn.execute(text("SELECT COUNT(*) FROM travel_homestay"))).scalar()
                rows = (await conn.execute(text(
                    "SELECT id FROM travel_homestay WHERE del_state = 0 AND row_state = 1 "
                    "ORDER BY id"))).scalars().all()
                return [int(r) for r in rows], int(total or 0)
        finally:
            await engine.dispose()

    live, total = asyncio.run(query())
    if not live:
        raise RuntimeError(f"no live on-shelf homestays in the database ({total} rows)")
    step = max(1, len(live) // count)
    ids = live[::step][:count]
    return ids, {"rows": total, "live_on_shelf": len(live), "ids_sampled": len(ids),
                 "id_min": ids[0], "id_max": ids[-1]}


# --- server ----------------------------------------------------------------------------------------

@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_server(args: argparse.Namespace, env: dict[str, str], workdir: Path,
                 name: str) -> Server:
    port = free_port()
    # `yys serve` also serves gRPC (default port 9090): give each server a free one.
    env = {**env, "YYS_GRPC_PORT": str(free_port())}
    if args.server == "uvicorn":
        argv = [*_yys(), "serve", "--services", args.services, "--host", "127.0.0.1",
                "--port", str(port)]
    else:
        granian = Path(sys.executable).with_name("granian")
        argv = [str(granian) if granian.is_file() else "granian", "--interface", "asgi",
                "--factory", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
                "--no-ws", "--log-level", "warning", "bench.asgi:app"]
        env = {**env, "YYS_BENCH_SERVICES": args.services}
    log_path = workdir / f"server-{name}.log"
    proc = Reaper.spawn(_pinned(argv, args.server_cpu, args.nice), env=env, log_path=log_path,
                        cwd=ROOT)
    raise_priority(proc.pid, args.nice)
    server = Server(proc, port, log_path)
    log(f"{args.server} pid {proc.pid} on :{port} (core {args.server_cpu}), waiting for /readyz")
    wait_ready(proc, port, timeout=90, log_path=log_path)
    return server


def scrape(port: int) -> dict[tuple[str, ...], float]:
    from prometheus_client.parser import text_string_to_metric_families

    status, raw = Http(port).request("GET", "/metrics")
    if status != 200:
        return {}
    values: dict[tuple[str, ...], float] = {}
    for family in text_string_to_metric_families(raw.decode()):
        if family.name not in ("yys_http_server_requests", "yys_cache_requests"):
            continue
        for s in family.samples:
            if not s.name.endswith("_total"):
                continue
            if family.name == "yys_http_server_requests":
                if s.labels.get("route") == "/metrics":
                    continue
                key = ("http", s.labels.get("method", ""), s.labels.get("status", ""))
            else:
                key = ("cache", s.labels.get("cache", ""), s.labels.get("result", ""))
            values[key] = values.get(key, 0.0) + s.value
    return values


def metric_delta(before: dict[tuple[str, ...], float],
                 after: dict[tuple[str, ...], float]) -> dict[str, Any]:
    statuses: dict[str, int] = {}
    cache: dict[str, int] = {}
    for key, value in after.items():
        diff = int(value - before.get(key, 0.0))
        if diff <= 0:
            continue
        if key[0] == "http":
            statuses[key[2]] = statuses.get(key[2], 0) + diff
        else:
            cache[f"{key[1]}:{key[2]}"] = diff
    return {"server_status_counts": statuses,
            "server_non_2xx": sum(v for k, v in statuses.items() if not k.startswith("2")),
            "cache_lookups": cache}


# --- verification and warm-up ----------------------------------------------------------------------

def _has_id(obj: Any, wanted: int) -> bool:
    if isinstance(obj, dict):
        if obj.get("id") == wanted:
            return True
        return any(_has_id(v, wanted) for v in obj.values())
    if isinstance(obj, list):
        return any(_has_id(v, wanted) for v in obj)
    return False


def _first_list(obj: Any) -> list[Any] | None:
    if isinstance(obj, list):
        return obj
    if isinstance(obj, dict):
        for v in obj.values():
            found = _first_list(v)
            if found is not None:
                return found
    return None


def verify_and_warm(port: int, ids: list[int]) -> dict[str, Any]:
    """Every id must answer 200 with that homestay (this also loads it into the cache), and the
    list page must answer 200 with rows; otherwise the load would measure errors."""
    client = Http(port)
    start = time.monotonic()
    bad: list[str] = []
    sizes: list[int] = []
    for hid in ids:
        status, raw = client.request("POST", DETAIL, {"id": hid})
        sizes.append(len(raw))
        if status != 200 or not _has_id(json.loads(raw or b"null"), hid):
            bad.append(f"id {hid}: {status} {raw[:200]!r}")
    status, body = client.json("POST", LIST, LIST_BODY)
    rows = _first_list(body)
    list_info = {"status": status, "rows": len(rows) if rows is not None else None,
                 "bytes": len(json.dumps(body))}
    client.close()
    if bad:
        raise RuntimeError(f"{len(bad)} of {len(ids)} ids did not answer 200 with their homestay, "
                           "e.g.:\n" + "\n".join(bad[:5]))
    if status != 200:
        raise RuntimeError(f"homestayList answered {status}: {body!r:.300}")
    return {"ids_verified": len(ids), "seconds": round(time.monotonic() - start, 2),
            "detail_response_bytes_avg": round(sum(sizes) / len(sizes)),
            "list": list_info}


# --- runs ------------------------------------------------------------------------------------------

@dataclass
class Pass:
    name: str
    server: Server
    args: argparse.Namespace
    workdir: Path
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def run(self, key: str, *, method: str, path: str, bodies: list[str], rate: float = 0.0) -> \
            dict[str, Any]:
        """Measure `--repeat` times; keep the best attempt (highest req/s, or for a paced run the
        lowest p99): on a shared machine other load only ever makes a run slower."""
        attempts = [self._once(key, method=method, path=path, bodies=bodies, rate=rate)
                    for _ in range(self.args.repeat)]
        if rate:
            best = min(attempts, key=lambda r: (r["server_non_2xx"] + r["socket_errors"] > 0,
                                                r["latency_ms"]["p99"]))
        else:
            best = max(attempts, key=lambda r: r["rps"])
        if len(attempts) > 1:
            best = {**best, "attempts": [
                {"rps": r["rps"], "p50": r["latency_ms"]["p50"], "p99": r["latency_ms"]["p99"],
                 "foreign_cpu_fraction_of_machine": r["cpu"]["foreign_cpu_fraction_of_machine"]}
                for r in attempts]}
        self.runs[key] = best
        return best

    def _once(self, key: str, *, method: str, path: str, bodies: list[str], rate: float) -> \
            dict[str, Any]:
        args = self.args
        connections = args.rate_connections if rate else args.connections
        script = lua_script(method=method, path=path, bodies=bodies, rate=rate)
        url = self.server.url + path
        busy = wait_quiet(threshold=args.quiet_threshold, max_wait=args.quiet_wait)
        if args.warmup > 0:
            run_wrk(url, script, workdir=self.workdir, name=f"{self.name}-{key}-warmup",
                    duration=args.warmup, connections=connections, cpu=args.wrk_cpu,
                    nice=args.nice)
        # Only the cached pass: uncached, that rate is beyond capacity and the server would
        # spin SCHED_FIFO for the whole run while measuring nothing but overload.
        realtime = RT_PRIORITY if rate and args.rt_paced and self.name == "cached" else None
        if realtime is not None and not set_realtime(self.server.proc.pid, realtime):
            log("could not make the server SCHED_FIFO (needs root): paced run at normal priority")
        before_m = scrape(self.server.port)
        before_c = CpuSample.take(self.server.proc.pid)
        try:
            result, _ = run_wrk(url, script, workdir=self.workdir, name=f"{self.name}-{key}",
                                duration=args.duration, connections=connections,
                                cpu=args.wrk_cpu, nice=args.nice, realtime=realtime,
                                target_rate=rate or None)
        finally:
            if realtime is not None:
                set_realtime(self.server.proc.pid, None)
        cpu = CpuSample.take(self.server.proc.pid).since(before_c)
        if result.requests:
            cpu["server_cpu_us_per_request"] = round(cpu["server_cpu_s"] * 1e6 / result.requests, 1)
        delta = metric_delta(before_m, scrape(self.server.port))
        record = {
            "endpoint": f"{method} {path}",
            "mode": "fixed-rate" if rate else "max-throughput",
            "sched_fifo": realtime is not None,
            "connections": connections,
            **result.to_json(),
            **delta,
            "cpu": cpu,
            "other_load_before_run": busy,
        }
        lat = record["latency_ms"]
        rate_txt = f" (target {rate:.0f}/s)" if rate else ""
        log(f"{self.name:8} {key:12} {record['rps']:9.1f} req/s{rate_txt}  "
            f"p50 {lat.get('p50')} ms  p99 {lat.get('p99')} ms  non-2xx {record['server_non_2xx']}"
            f"  socket errors {record['socket_errors']}  server cpu "
            f"{cpu['server_cpu_fraction_of_core']:.0%} of a core, other processes "
            f"{cpu['foreign_cpu_fraction_of_machine']:.0%} of the machine")
        return record


def profile_run(p: Pass, key: str, *, method: str, path: str, bodies: list[str]) -> \
        dict[str, Any]:
    """An extra, unmeasured max-throughput run with py-spy attached to the server."""
    from bench.profile import py_spy, summarize

    binary = py_spy()
    if binary is None:
        return {"error": "py-spy not found (uv pip install py-spy into the venv)"}
    raw = p.workdir / f"{p.name}-{key}.pyspy"
    seconds = max(2, round(p.args.duration))
    argv = [binary, "record", "--subprocesses", "-r", "100", "-d", str(seconds), "-f", "raw",
            "-o", str(raw), "-p", str(p.server.proc.pid)]
    spy = Reaper.spawn(_pinned(argv, p.args.wrk_cpu), env=dict(os.environ),
                       log_path=p.workdir / "py-spy.log")
    time.sleep(1.0)  # attach before the load starts
    run_wrk(p.server.url + path, lua_script(method=method, path=path, bodies=bodies),
            workdir=p.workdir, name=f"{p.name}-{key}-profile", duration=seconds,
            connections=p.args.connections, cpu=p.args.wrk_cpu)
    try:
        spy.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
    Reaper.stop(spy)
    if not raw.is_file():
        return {"error": "py-spy wrote nothing: " + tail(p.workdir / "py-spy.log", 5)}
    summary = summarize(raw.read_text())
    log(f"profile {key}: " + ", ".join(f"{k} {v}%" for k, v in
                                       summary.get("inclusive_pct_by_step", {}).items()))
    return summary


def run_pass(name: str, args: argparse.Namespace, env: dict[str, str], workdir: Path,
             ids: list[int], *, fixed_rate: float | None) -> dict[str, Any]:
    server = start_server(args, env, workdir, name)
    try:
        warm = verify_and_warm(server.port, ids)
        log(f"{name}: {warm['ids_verified']} ids verified (200 + right homestay) in "
            f"{warm['seconds']}s; homestayList page has {warm['list']['rows']} rows")
        p = Pass(name, server, args, workdir)
        detail_bodies = [json.dumps({"id": i}, separators=(",", ":")) for i in ids]
        list_bodies = [json.dumps(LIST_BODY, separators=(",", ":"))]
        ceiling = p.run("ceiling", method="GET", path="/healthz", bodies=[])
        p.run("detail_max", method="POST", path=DETAIL, bodies=detail_bodies)
        p.run("list_max", method="POST", path=LIST, bodies=list_bodies)
        profiles: dict[str, Any] = {}
        if args.profile and name == "cached":
            for key, method, path, bodies in (("ceiling", "GET", "/healthz", []),
                                              ("detail_max", "POST", DETAIL, detail_bodies),
                                              ("list_max", "POST", LIST, list_bodies)):
                profiles[key] = profile_run(p, key, method=method, path=path, bodies=bodies)
        rate = fixed_rate if fixed_rate is not None else round(ceiling["rps"] * args.rate_fraction)
        p.run("detail_fixed", method="POST", path=DETAIL, bodies=detail_bodies, rate=rate)
        p.run("list_fixed", method="POST", path=LIST, bodies=list_bodies, rate=rate)
        alive = server.proc.poll() is None
        return {"server": {"kind": args.server, "pid": server.proc.pid, "alive_at_end": alive,
                           "cache_enabled": env.get("YYS_CACHE_ENABLED", "true") == "true"},
                "verify_and_warm": warm, "fixed_rate": rate, "runs": p.runs,
                **({"profiles": profiles} if profiles else {})}
    except Exception:
        log(f"server log tail:\n{tail(server.log_path)}")
        raise
    finally:
        Reaper.stop(server.proc)


# --- verdict ---------------------------------------------------------------------------------------

def _ratio(a: dict[str, Any], b: dict[str, Any]) -> float:
    return round(a["rps"] / b["rps"], 3) if b["rps"] else 0.0


def verdict(passes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    problems: list[str] = []
    for pname, p in passes.items():
        for key, r in p["runs"].items():
            if r["server_non_2xx"] or r["http_errors"]:
                problems.append(f"{pname}/{key}: {r['server_non_2xx']} non-2xx responses "
                                f"(server) / {r['http_errors']} status >= 400 (wrk)")
            if r["socket_errors"]:
                problems.append(f"{pname}/{key}: {r['socket_errors']} socket errors/timeouts")
            if r["cpu"]["foreign_cpu_fraction_of_machine"] > 0.10:
                problems.append(f"{pname}/{key}: other processes used "
                                f"{r['cpu']['foreign_cpu_fraction_of_machine']:.0%} of the "
                                "machine during the run (noisy)")
    cached = passes["cached"]["runs"]
    ratios: dict[str, float | None] = {
        "detail_cached_over_ceiling": _ratio(cached["detail_max"], cached["ceiling"]),
        "list_cached_over_ceiling": _ratio(cached["list_max"], cached["ceiling"]),
    }
    if "uncached" in passes:
        un = passes["uncached"]["runs"]
        ratios["detail_uncached_over_ceiling"] = _ratio(un["detail_max"], un["ceiling"])
        ratios["list_uncached_over_ceiling"] = _ratio(un["list_max"], un["ceiling"])
        ratios["detail_cached_over_uncached"] = _ratio(cached["detail_max"], un["detail_max"])
    # The same ratio from server CPU time per request: what the ratio would be on a core of its
    # own, much less sensitive to other load on a shared machine (supplementary, not a target).
    def cpu_ratio(a: dict[str, Any], b: dict[str, Any]) -> float | None:
        ca, cb = a["cpu"].get("server_cpu_us_per_request"), b["cpu"].get("server_cpu_us_per_request")
        return round(cb / ca, 3) if ca and cb else None

    ratios["detail_cached_over_ceiling_by_cpu_per_request"] = cpu_ratio(cached["detail_max"],
                                                                        cached["ceiling"])
    ratios["list_cached_over_ceiling_by_cpu_per_request"] = cpu_ratio(cached["list_max"],
                                                                      cached["ceiling"])
    fixed = cached["detail_fixed"]
    checks = [
        {"name": "cached homestayDetail req/s >= 70% of the same-run /healthz req/s",
         "value": ratios["detail_cached_over_ceiling"], "limit": TARGET_DETAIL_RATIO,
         "pass": ratios["detail_cached_over_ceiling"] >= TARGET_DETAIL_RATIO},
        {"name": "cached homestayDetail p99 <= 5 ms at half the ceiling rate",
         "value": fixed["latency_ms"]["p99"], "limit": TARGET_P99_MS,
         "pass": fixed["latency_ms"]["p99"] <= TARGET_P99_MS},
        {"name": "that paced run delivered >= 95% of its target rate",
         "value": fixed.get("achieved_fraction_of_target"), "limit": MIN_ACHIEVED_FRACTION,
         "pass": (fixed.get("achieved_fraction_of_target") or 0) >= MIN_ACHIEVED_FRACTION},
    ]
    hard = [p for p in problems if "noisy" not in p]
    return {"ratios": ratios, "targets": {"checks": checks, "pass": all(c["pass"] for c in checks)},
            "valid": not hard, "problems": problems}


def summary_table(result: dict[str, Any]) -> str:
    lines = [f"{'pass':9}{'run':14}{'req/s':>10}{'target':>8}{'p50 ms':>9}{'p90 ms':>9}"
             f"{'p99 ms':>9}{'max ms':>9}{'non-2xx':>9}"]
    for pname, p in result["passes"].items():
        for key, r in p["runs"].items():
            lat = r["latency_ms"]
            lines.append(f"{pname:9}{key:14}{r['rps']:>10.0f}{(r['target_rate'] or 0):>8.0f}"
                         f"{lat['p50']:>9.2f}{lat['p90']:>9.2f}{lat['p99']:>9.2f}{lat['max']:>9.2f}"
                         f"{r['server_non_2xx']:>9}")
    lines.append("ratios: " + ", ".join(f"{k}={v}" for k, v in result["ratios"].items()))
    for c in result["targets"]["checks"]:
        lines.append(f"{'PASS' if c['pass'] else 'FAIL'}  {c['name']}: {c['value']} "
                     f"(limit {c['limit']})")
    for problem in result["problems"]:
        lines.append(f"NOTE  {problem}")
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    raw_argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(raw_argv)
    args.raw_argv = raw_argv
    Reaper.install_signal_handlers()
    with ExitStack() as stack:
        stack.callback(Reaper.stop_all)
        try:
            return _main(args, stack)
        except KeyboardInterrupt:
            log("interrupted: stopping what was started")
            return 130
        except (RuntimeError, WrkError) as exc:
            log(f"failed: {exc}")
            return 2
        except Exception as exc:  # e.g. a database error: still exit 2, not "targets missed"
            log(f"failed: {type(exc).__name__}: {exc}")
            return 2
    return 2


def _main(args: argparse.Namespace, stack: ExitStack) -> int:
    ensure_wrk()
    started = dt.datetime.now(dt.UTC)
    workdir = Path(tempfile.mkdtemp(prefix="yys-bench-"))
    if not args.keep:
        stack.callback(shutil.rmtree, workdir, True)
    data_dir = args.data_dir.resolve() if args.data_dir else workdir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    db_url = database_url(args, data_dir)
    db_kind = "mariadb" if db_url.startswith("mysql") else "sqlite"
    out = args.out or ROOT / "bench" / "results" / f"travel-{db_kind}-{args.server}.json"
    log(f"work dir {workdir}; database {_redacted(db_url)}")

    stack.enter_context(bench_database(args.database_url, keep=args.keep, reuse=args.skip_seed))
    prefix = stack.enter_context(redis_prefix(args.redis_url))
    env = {k: v for k, v in os.environ.items() if not k.startswith("YYS_")}
    env.update({"YYS_DATA_DIR": str(data_dir), "YYS_DATABASE_URL": db_url,
                "YYS_LOG_LEVEL": "WARNING", "YYS_ENV": "dev", "PYTHONUNBUFFERED": "1",
                "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                            os.environ.get("PYTHONPATH")]))})
    if args.redis_url and prefix:
        env.update({"YYS_REDIS_URL": args.redis_url, "YYS_REDIS_KEY_PREFIX": prefix})

    seed_info: dict[str, Any] = {"skipped": args.skip_seed}
    if not args.skip_seed:
        seed_info.update(seed(args, env))
    ids, catalogue = sample_ids(db_url, args.ids)
    log(f"catalogue: {catalogue}")

    passes: dict[str, dict[str, Any]] = {}
    passes["cached"] = run_pass("cached", args, {**env, "YYS_CACHE_ENABLED": "true"}, workdir,
                                ids, fixed_rate=None)
    if not args.no_uncached:
        passes["uncached"] = run_pass("uncached", args, {**env, "YYS_CACHE_ENABLED": "false"},
                                      workdir, ids, fixed_rate=passes["cached"]["fixed_rate"])
    result: dict[str, Any] = {
        "benchmark": "travel-cached-reads",
        "schema_version": 1,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python -m bench.travel", *_public_argv(args.raw_argv)]),
        "machine": machine_info(),
        "parameters": {
            "homestays": args.homestays, "duration_s": args.duration, "warmup_s": args.warmup,
            "database": db_kind, "database_url": _redacted(db_url) if db_kind == "mariadb" else
            "sqlite (temp data dir)", "cache_backend": "redis" if args.redis_url else "memory",
            "redis_url": _redacted(args.redis_url), "server": args.server,
            "server_workers": 1, "services": args.services, "ids": len(ids),
            "connections": args.connections, "rate_connections": args.rate_connections,
            "rate_fraction_of_ceiling": args.rate_fraction, "wrk_threads": 1,
            "server_cpu": args.server_cpu, "wrk_cpu": args.wrk_cpu, "repeat": args.repeat,
            "profile": args.profile, "nice": args.nice, "rt_paced": args.rt_paced,
            "detail_body": '{"id": N} cycling over the sampled ids', "list_body": LIST_BODY,
        },
        "seed": seed_info,
        "catalogue": catalogue,
        "passes": passes,
    }
    result.update(verdict(passes))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(summary_table(result))
    log(f"wrote {out}")
    if not result["valid"]:
        return 2
    return 0 if result["targets"]["pass"] else 1


def _public_argv(argv: list[str]) -> list[str]:
    """The command line without local paths or credentials."""
    out: list[str] = []
    skip_next = False
    for i, a in enumerate(argv):
        if skip_next:
            skip_next = False
            continue
        if a in ("--data-dir", "--out") and i + 1 < len(argv):
            out += [a, _public_path(argv[i + 1])]
            skip_next = True
        elif a in ("--database-url", "--redis-url") and i + 1 < len(argv):
            out += [a, _redacted(argv[i + 1]) or ""]
            skip_next = True
        else:
            out.append(a)
    return out


def _public_path(value: str) -> str:
    path = Path(value).resolve()
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return "<" + path.name + ">"


def seed(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    businesses = args.businesses or max(10, args.homestays // 100)
    argv = [*_yys(), "seed", "--homestays", str(args.homestays), "--businesses", str(businesses)]
    if args.users is not None:
        argv += ["--users", str(args.users)]
    if args.comments is not None:
        argv += ["--comments", str(args.comments)]
    log("seeding: " + " ".join(["yys", *argv[len(_yys()):]]))
    start = time.monotonic()
    # Output goes straight to the terminal so the seed's progress bar shows.
    proc = Reaper.spawn(argv, env=env, log_path=None, cwd=ROOT)
    try:
        code = proc.wait(timeout=3600)
    finally:
        Reaper.stop(proc)
    if code != 0:
        raise RuntimeError(f"yys seed exited with {code}")
    seconds = round(time.monotonic() - start, 1)
    log(f"seeded in {seconds}s")
    return {"seconds": seconds, "homestays": args.homestays, "businesses": businesses,
            "users": args.users, "comments_per_homestay": args.comments}


if __name__ == "__main__":
    raise SystemExit(main())
