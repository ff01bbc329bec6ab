"""Page render time of the storefront on the embedded default (`yys up`, one process).

    .venv/bin/python -m bench.web                     # 300 renders of each page, JSON to bench/results/
    .venv/bin/python -m bench.web --requests 1000 --out bench/results/web-embedded.json

Starts `yys up` (SQLite, in-process cache, demo catalogue) on a free port in a temporary data
dir, warms each page up, then requests `/` and `/homestay/{id}` (cycling over the demo's
homestays) one at a time over a keep-alive connection and records each response's wall time:
the whole render, including the page's own calls to the JSON API over loopback. Every answer must
be a 200 HTML page, or the run is invalid. Target (issue #7): p95 < 50 ms for both pages.

Exit status: 0 target met, 1 missed, 2 invalid run. Standard library + bench.procs only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.procs import Http, Reaper, free_port, log, wait_ready

TARGET_P95_MS = 50.0
ROOT = Path(__file__).resolve().parents[1]


def percentile(sorted_ms: list[float], q: float) -> float:
    index = min(len(sorted_ms) - 1, max(0, round(q / 100 * len(sorted_ms)) - 1))
    return sorted_ms[index]


def measure(http: Http, paths: list[str], count: int) -> list[float]:
    times: list[float] = []
    for i in range(count):
        path = paths[i % len(paths)]
        start = time.perf_counter()
        status, body = http.request("GET", path)
        elapsed = (time.perf_counter() - start) * 1000
        if status != 200 or b"<html" not in body:
            raise RuntimeError(f"GET {path} answered {status}: {body[:200]!r}")
        times.append(elapsed)
    return times


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"requests": len(ordered), "p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(percentile(ordered, 95), 2), "p99_ms": round(percentile(ordered, 99), 2),
            "max_ms": round(ordered[-1], 2), "mean_ms": round(statistics.fmean(ordered), 2)}


def homestay_ids(http: Http) -> list[int]:
    ids = []
    for candidate in range(1, 40):
        status, _ = http.json("POST", "/travel/v1/homestay/homestayDetail", {"id": candidate})
        if status == 200:
            ids.append(candidate)
    if not ids:
        raise RuntimeError("no homestay in the demo catalogue")
    return ids


def run(args: argparse.Namespace) -> dict[str, Any]:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="yys-bench-web-") as tmp:
        data_dir = Path(tmp)
        log_path = data_dir / "server.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("YYS_")}
        env["YYS_LOG_LEVEL"] = "WARNING"
        argv = [sys.executable, "-m", "yys.runtime.cli", "up", "--port", str(port),
                "--data-dir", str(data_dir)]
        proc = Reaper.spawn(argv, env=env, log_path=log_path)
        try:
            wait_ready(proc, port, timeout=120, log_path=log_path)
            http = Http(port)
            ids = homestay_ids(http)
            pages = {"home": ["/"], "homestay": [f"/homestay/{i}" for i in ids]}
            for paths in pages.values():
                measure(http, paths, args.warmup)
            results = {name: summary(measure(http, paths, args.requests))
                       for name, paths in pages.items()}
            http.close()
        finally:
            Reaper.stop(proc)
    met = all(r["p95_ms"] < TARGET_P95_MS for r in results.values())
    return {"benchmark": "web", "topology": "yys up (embedded: SQLite, in-process cache)",
            "target": {"p95_ms_below": TARGET_P95_MS}, "met": met, "pages": results,
            "homestays": len(ids), "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--requests", type=int, default=300, help="measured renders per page")
    parser.add_argument("--warmup", type=int, default=30, help="unmeasured renders per page first")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "web-embedded.json")
    args = parser.parse_args()
    Reaper.install_signal_handlers()
    try:
        result = run(args)
    except RuntimeError as exc:
        log(f"invalid run: {exc}")
        return 2
    finally:
        Reaper.stop_all()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    for name, page in result["pages"].items():
        log(f"{name}: p50 {page['p50_ms']} ms, p95 {page['p95_ms']} ms ({page['requests']} renders)")
    log(f"target p95 < {TARGET_P95_MS:.0f} ms: {'met' if result['met'] else 'missed'} → {args.out}")
    return 0 if result["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
