"""What the SQL client metrics cost per statement (yys.kit.observability.db_metrics).

Two measurements, best of `--repeat` runs each:
- `hooks_us`: the before/after cursor hooks alone (perf_counter twice, the operation of the
  statement, a cached child, one histogram observation), called directly;
- `statement_us`: a whole `SELECT` by primary key through SQLAlchemy Core on an in-memory SQLite
  database, with the hooks and without (`overhead_us` is the difference, noisy on a busy host).

    .venv/bin/python -m bench.db_metrics [--statements 20000] [--repeat 5] [--out FILE]

Writes JSON (default `bench/results/db-metrics.json`). Runs in a few seconds; nothing to clean up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from yys.kit.observability import db_metrics

STATEMENT = "SELECT t.id, t.v FROM t WHERE t.id = ?"


def hooks_us(n: int) -> float:
    context: Any = SimpleNamespace(execution_options={db_metrics.SERVICE_OPTION: "bench"})
    before, after = db_metrics._before, db_metrics._after
    started = time.perf_counter()
    for _ in range(n):
        before(None, None, STATEMENT, None, context, False)
        after(None, None, STATEMENT, None, context, False)
    return (time.perf_counter() - started) / n * 1e6


async def statement_us(n: int, *, instrumented: bool) -> float:
    engine = create_async_engine("sqlite+aiosqlite:///:memory:")
    if instrumented:
        db_metrics.instrument(engine.sync_engine)
    view = engine.execution_options(**{db_metrics.SERVICE_OPTION: "bench"})
    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("v", sa.Integer))
    query = sa.select(table).where(table.c.id == sa.bindparam("id"))
    try:
        async with view.begin() as conn:
            await conn.run_sync(table.metadata.create_all)
            await conn.execute(table.insert(), [{"id": i, "v": i} for i in range(100)])
        async with view.connect() as conn:
            for i in range(500):  # warm the compiled cache and the connection
                await conn.execute(query, {"id": i % 100})
            started = time.perf_counter()
            for i in range(n):
                await conn.execute(query, {"id": i % 100})
            return (time.perf_counter() - started) / n * 1e6
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("bench/results/db-metrics.json"))
    args = parser.parse_args()
    hooks = min(hooks_us(args.statements * 5) for _ in range(args.repeat))
    plain, timed = [], []
    for _ in range(args.repeat):  # interleaved, so a burst of load hits both alike
        plain.append(await statement_us(args.statements, instrumented=False))
        timed.append(await statement_us(args.statements, instrumented=True))
    result = {
        "benchmark": "db_metrics",
        "python": platform.python_version(),
        "sqlalchemy": sa.__version__,
        "statements_per_run": args.statements,
        "repeat": args.repeat,
        "hooks_us": round(hooks, 3),
        "statement_plain_us": round(min(plain), 2),
        "statement_instrumented_us": round(min(timed), 2),
        "overhead_us": round(min(timed) - min(plain), 2),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
