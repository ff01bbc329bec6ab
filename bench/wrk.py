"""Drive `wrk` (Debian's wrk 4.x) and read exact numbers back from it.

wrk is a closed-loop generator: each connection sends its next request as soon as the previous
response arrives. For the fixed-rate runs the generated Lua script defines `delay()`, which hands
each request the next free slot of a per-thread schedule (`threads / rate` seconds apart), so the
connections together offer `rate` requests per second as long as enough of them are idle (an
"open-ish" loop; see README: latency is still measured from the actual send, not the slot).

Every script defines `done(summary, latency, requests)`, which prints one line
`WRK_JSON {...}` with the raw counters and latency percentiles (microseconds); `parse_wrk_output`
turns that line into a `WrkResult`. Standard library only.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.procs import raise_priority

MARKER = "WRK_JSON "
PERCENTILES: tuple[float, ...] = (50.0, 75.0, 90.0, 99.0, 99.9)


class WrkError(RuntimeError):
    """wrk is missing, failed, or printed no result line."""


@dataclass(frozen=True)
class WrkResult:
    duration_s: float
    requests: int
    bytes: int
    errors_connect: int
    errors_read: int
    errors_write: int
    errors_timeout: int
    # wrk counts a response as a status error when its status is >= 400.
    http_errors: int
    latency_ms: dict[str, float]
    late_sends: int = 0
    max_lateness_ms: float = 0.0
    target_rate: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def socket_errors(self) -> int:
        return self.errors_connect + self.errors_read + self.errors_write + self.errors_timeout

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["rps"] = round(self.rps, 1)
        data["socket_errors"] = self.socket_errors
        if self.target_rate:
            data["achieved_fraction_of_target"] = round(self.rps / self.target_rate, 4)
        return data


def _pct_key(p: float) -> str:
    return f"p{p:g}"


def parse_wrk_output(text: str, *, target_rate: float | None = None) -> WrkResult:
    """Find the `WRK_JSON` line printed by the `done()` hook and convert it (us → ms)."""
    line = next((ln for ln in reversed(text.splitlines()) if ln.startswith(MARKER)), None)
    if line is None:
        raise WrkError("wrk printed no WRK_JSON line:\n" + text[-2000:])
    try:
        raw = json.loads(line[len(MARKER):])
    except json.JSONDecodeError as exc:
        raise WrkError(f"unparsable WRK_JSON line: {line!r}") from exc
    errors = raw.get("errors", {})
    latency = raw.get("latency_us", {})
    latency_ms = {k: round(float(v) / 1000.0, 3) for k, v in latency.items()}
    return WrkResult(
        duration_s=float(raw["duration_us"]) / 1e6,
        requests=int(raw["requests"]),
        bytes=int(raw.get("bytes", 0)),
        errors_connect=int(errors.get("connect", 0)),
        errors_read=int(errors.get("read", 0)),
        errors_write=int(errors.get("write", 0)),
        errors_timeout=int(errors.get("timeout", 0)),
        http_errors=int(errors.get("status", 0)),
        latency_ms=latency_ms,
        late_sends=int(raw.get("late_sends", 0)),
        max_lateness_ms=round(float(raw.get("max_lateness_ms", 0.0)), 3),
        target_rate=target_rate,
    )


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal here (ASCII)


def lua_script(*, method: str, path: str, bodies: Sequence[str] = (), rate: float = 0.0,
               threads: int = 1, headers: dict[str, str] | None = None,
               request_headers: Sequence[dict[str, str]] = ()) -> str:
    """The Lua for one run. `bodies` cycle request by request; `rate` > 0 (total requests per
    second over all `threads`, which must match wrk's `-t`) paces the run. `request_headers[i]`,
    if given, adds to (or overrides) `headers` for `bodies[i]` (e.g. one bearer token each)."""
    hdrs = dict(headers or {})
    if bodies:
        hdrs.setdefault("Content-Type", "application/json")
    header_lua = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in hdrs.items())
    bodies_lua = ",\n  ".join(_lua_string(b) for b in bodies)
    per_request_lua = ",\n  ".join(
        "{ " + ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in h.items()) + " }"
        for h in request_headers)
    pcts = ", ".join(f"{p:g}" for p in PERCENTILES)
    return _LUA_TEMPLATE.format(
        method=_lua_string(method), path=_lua_string(path), headers=header_lua,
        bodies=bodies_lua, request_headers=per_request_lua, rate=float(rate),
        threads=int(threads), percentiles=pcts,
    )


# Doubled braces are literal Lua braces (str.format).
_LUA_TEMPLATE = """\
-- generated by bench/wrk.py
local METHOD = {method}
local PATH = {path}
local HEADERS = {{ {headers} }}
local BODIES = {{
  {bodies}
}}
local REQUEST_HEADERS = {{
  {request_headers}
}}
local RATE = {rate}
local THREADS = {threads}
local PERCENTILES = {{ {percentiles} }}

local threads = {{}}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_index", thread_count)
  table.insert(threads, thread)
end

-- per-thread state (each wrk thread has its own Lua state)
local requests = {{}}
local n_requests = 0
local cursor = 0
late_sends = 0
max_lateness_ms = 0

function init(args)
  if #BODIES == 0 then
    requests[1] = wrk.format(METHOD, PATH, HEADERS, nil)
  else
    for i, body in ipairs(BODIES) do
      local hdrs = HEADERS
      local extra = REQUEST_HEADERS[i]
      if extra then
        hdrs = {{}}
        for k, v in pairs(HEADERS) do hdrs[k] = v end
        for k, v in pairs(extra) do hdrs[k] = v end
      end
      requests[i] = wrk.format(METHOD, PATH, hdrs, body)
    end
  end
  n_requests = #requests
  -- threads start at different points of the id list
  local index = thread_index or 1
  cursor = ((index - 1) * 7919) % n_requests
end

function request()
  cursor = cursor + 1
  if cursor > n_requests then cursor = 1 end
  return requests[cursor]
end

if RATE > 0 then
  local ffi = require("ffi")
  ffi.cdef[[
    typedef struct {{ long tv_sec; long tv_nsec; }} yys_bench_timespec;
    int clock_gettime(int clk_id, yys_bench_timespec *tp);
  ]]
  local ts = ffi.new("yys_bench_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000.0 + tonumber(ts.tv_nsec) / 1e6
  end
  local interval_ms = nil
  local next_slot = nil

  function delay()
    local now = now_ms()
    if interval_ms == nil then
      interval_ms = 1000.0 * THREADS / RATE
      next_slot = now
    end
    local wait = next_slot - now
    next_slot = next_slot + interval_ms
    if wait < 0 then
      late_sends = late_sends + 1
      if -wait > max_lateness_ms then max_lateness_ms = -wait end
      return 0
    end
    return math.floor(wait)
  end
end

function done(summary, latency, requests_)
  local late, lateness = 0, 0
  for _, t in ipairs(threads) do
    late = late + (t:get("late_sends") or 0)
    local m = t:get("max_lateness_ms") or 0
    if m > lateness then lateness = m end
  end
  local parts = {{}}
  for _, p in ipairs(PERCENTILES) do
    table.insert(parts, string.format('"p%s":%d', tostring(p), latency:percentile(p)))
  end
  table.insert(parts, string.format('"min":%d', latency.min))
  table.insert(parts, string.format('"max":%d', latency.max))
  table.insert(parts, string.format('"mean":%.1f', latency.mean))
  table.insert(parts, string.format('"stdev":%.1f', latency.stdev))
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {{"duration_us":%d,"requests":%d,"bytes":%d,' ..
    '"errors":{{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}},' ..
    '"late_sends":%d,"max_lateness_ms":%.3f,"latency_us":{{%s}}}}\\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    late, lateness, table.concat(parts, ",")))
end
"""


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise WrkError("wrk is not installed (Debian: apt-get install -y wrk)")
    return found


def wrk_version() -> str:
    try:
        out = subprocess.run([wrk_binary(), "-v"], check=False, capture_output=True, text=True, timeout=10)
    except (OSError, WrkError, subprocess.TimeoutExpired):
        return "unknown"
    first = (out.stdout or out.stderr).splitlines()
    return first[0].strip() if first else "unknown"


def run_wrk(url: str, script: str, *, workdir: Path, name: str, duration: float,
            connections: int, threads: int = 1, cpu: int | None = None, nice: int = 0,
            realtime: int | None = None, timeout_s: float = 2.0,
            target_rate: float | None = None) -> tuple[WrkResult, str]:
    """Run wrk once (bounded by `duration`), return the parsed result and the raw output."""
    script_path = workdir / f"{name}.lua"
    script_path.write_text(script, encoding="utf-8")
    argv = [wrk_binary(), f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s",
            f"--timeout={timeout_s:g}s", "-s", str(script_path), url]
    if cpu is not None and shutil.which("taskset") and (os.cpu_count() or 1) > 1:
        argv = ["taskset", "-c", str(cpu), *argv]
    if nice:
        argv = ["nice", "-n", str(nice), *argv]
    if realtime is not None and shutil.which("chrt"):
        argv = ["chrt", "-f", str(realtime), *argv]
    # Its own session, so it can be given its own scheduling priority (see bench.procs) and be
    # stopped by process group on timeout or Ctrl-C.
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        raise_priority(proc.pid, nice)
        stdout, stderr = proc.communicate(timeout=duration + 60)
    except BaseException as exc:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        if isinstance(exc, subprocess.TimeoutExpired):
            raise WrkError(f"wrk did not finish within {duration + 60:.0f}s") from exc
        raise
    output = stdout + stderr
    if proc.returncode != 0:
        raise WrkError(f"wrk exited with {proc.returncode}:\n{output[-2000:]}")
    return parse_wrk_output(output, target_rate=target_rate), output
