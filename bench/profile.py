"""Where a request's server time goes: py-spy samples, grouped by layer.

`--profile` records the server with py-spy (`py-spy record -f raw`, blocking mode so stacks are
complete) during an extra, unmeasured run of each max-throughput endpoint, and `summarize` turns
the collapsed stacks into shares of the event-loop thread's samples: by layer of the leaf frame
(self time) and for a few named steps of a request (inclusive time). py-spy is not a project
dependency: install it into the venv for local profiling (`uv pip install py-spy`).
"""

from __future__ import annotations

import re
import shutil
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

# (substring of the frame's file, layer name), first match wins.
LAYERS: tuple[tuple[str, str], ...] = (
    ("prometheus_client", "metrics (prometheus_client)"),
    ("yys/kit/http/middleware", "yys middleware"),
    ("yys/kit/cache", "yys cache"),
    ("yys/services/", "yys service code"),
    ("yys/", "yys other"),
    ("msgspec", "msgspec"),
    ("litestar", "litestar"),
    ("uvicorn", "uvicorn"),
    ("granian", "granian"),
    ("asyncio", "asyncio event loop"),
    ("selectors", "asyncio event loop"),
    ("sqlalchemy", "sqlalchemy"),
    ("aiosqlite", "aiosqlite"),
    ("asyncmy", "asyncmy"),
    ("redis", "redis client"),
)


def _starts(*names: str) -> Callable[[str], bool]:
    return lambda frame: frame.startswith(names)


def _contains(*parts: str) -> Callable[[str], bool]:
    return lambda frame: any(p in frame for p in parts)


# Named steps of one request (inclusive: a sample counts if any frame of its stack matches).
STEPS: dict[str, Callable[[str], bool]] = {
    "read socket + parse HTTP": _starts("_SelectorSocketTransport._read_ready ",
                                        "HttpToolsProtocol.data_received"),
    "request body read + decode (litestar kwargs)": _starts("json_extractor",
                                                            "KwargsModel.to_kwargs"),
    "route handler (service + cache + view)": _contains("router.<locals>."),
    "cache lookup (CacheAside.get)": _starts("CacheAside.get "),
    "database (sqlalchemy)": _contains("sqlalchemy/"),
    "response build + encode (to_response)": _starts("HTTPRouteHandler.to_response"),
    "response send (ASGIResponse.__call__)": _starts("ASGIResponse.__call__"),
    "socket write": _starts("_SelectorSocketTransport.write"),
    "metrics (prometheus_client)": _contains("prometheus_client/"),
}


NATIVE = "(no Python frame: native server code)"


def _file(frame: str) -> str:
    m = re.search(r"\((.*):\d+\)$", frame)
    return m.group(1) if m else frame


def _layer(frame: str) -> str:
    if frame == NATIVE:
        return "native server (no Python frame)"
    path = _file(frame)
    for part, name in LAYERS:
        if part in path:
            return name
    return "other (stdlib, C)"


def parse_raw(text: str) -> list[tuple[list[str], int]]:
    """py-spy's raw (collapsed) format: `frame;frame;... count` per line. Stacks of other threads
    (logging, the aiosqlite worker) are dropped: the event-loop thread is the server."""
    stacks = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or " " not in line:
            continue
        stack, _, count = line.rpartition(" ")
        # `--subprocesses` prefixes each stack with a `process PID:"command line"` frame.
        frames = [f for f in stack.split(";") if not f.startswith("process ")]
        if any("threading.py" in f for f in frames):
            continue
        stacks.append((frames or [NATIVE], int(count)))
    return stacks


def summarize(text: str, *, top: int = 15) -> dict[str, Any]:
    stacks = parse_raw(text)
    total = sum(n for _, n in stacks)
    if not total:
        return {"samples": 0}
    layers: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    for frames, n in stacks:
        layers[_layer(frames[-1])] += n
        leaves[re.sub(r" \((?:.*/)?([^/]+:\d+)\)$", r" (\1)", frames[-1])] += n
    steps = {name: sum(n for frames, n in stacks if any(match(f) for f in frames))
             for name, match in STEPS.items()}

    def pct(n: int) -> float:
        return round(100.0 * n / total, 1)

    return {
        "samples": total,
        "self_time_pct_by_layer": {k: pct(v) for k, v in layers.most_common()},
        "inclusive_pct_by_step": {k: pct(v) for k, v in steps.items()},
        "top_self_frames_pct": {k: pct(v) for k, v in leaves.most_common(top)},
    }


def py_spy() -> str | None:
    local = Path(sys.executable).with_name("py-spy")
    return str(local) if local.is_file() else shutil.which("py-spy")
