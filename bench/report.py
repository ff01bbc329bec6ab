"""Markdown tables from result files, for bench/README.md.

    .venv/bin/python -m bench.report bench/results/*.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

RUNS = ("ceiling", "detail_max", "list_max", "detail_fixed", "list_fixed")


def _title(result: dict[str, Any]) -> str:
    p = result["parameters"]
    return (f"{p['database']} + {p['cache_backend']} cache, {p['server']}, "
            f"{p['homestays']:,} homestays, {p['duration_s']:g} s runs, best of {p['repeat']}")


def table(result: dict[str, Any]) -> str:
    lines = [f"**{_title(result)}** — `{result['command']}` ({result['started_at']}, "
             f"commit {result['machine']['git_commit'][:7]})", "",
             "| pass | run | req/s | paced at | p50 ms | p90 ms | p99 ms | max ms | "
             "server CPU µs/req | non-2xx | other load |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for pname, p in result["passes"].items():
        for key in RUNS:
            r = p["runs"].get(key)
            if r is None:
                continue
            lat = r["latency_ms"]
            paced = f"{r['target_rate']:.0f}" if r.get("target_rate") else "max"
            lines.append(
                f"| {pname} | {key} | {r['rps']:,.0f} | {paced} | {lat['p50']:.2f} | "
                f"{lat['p90']:.2f} | {lat['p99']:.2f} | {lat['max']:.2f} | "
                f"{r['cpu'].get('server_cpu_us_per_request', 0):.0f} | {r['server_non_2xx']} | "
                f"{r['cpu']['foreign_cpu_fraction_of_machine']:.0%} |")
    ratios = result["ratios"]
    lines += ["", "Ratios: " + ", ".join(f"`{k}` {v}" for k, v in ratios.items() if v is not None),
              ""]
    for c in result["targets"]["checks"]:
        lines.append(f"- {'PASS' if c['pass'] else 'FAIL'} — {c['name']}: {c['value']} "
                     f"(limit {c['limit']})")
    lines.append(f"- valid run: {result['valid']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    paths = [Path(a) for a in (sys.argv[1:] if argv is None else argv)]
    for path in paths:
        print(table(json.loads(path.read_text())))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
