"""What the SQL client metrics cost per statement (yys.kit.observability.db_metrics).

CPU time of this thread (`time.thread_time`), so other load on the host barely moves the
figures; best of `--repeat` runs each:
- `hooks_us`: the `do_execute` listener alone around a driver call that does nothing
  (perf_counter twice, the operation of the statement, a cached child, one histogram
  observation), minus that empty call;
- `statement_*_us`: a whole `SELECT` by primary key through SQLAlchemy Core on an in-memory
  SQLite database (the sync driver: the event dispatch is the same code under the async engine,
  without a thread hop adding noise), with the hooks and without; `overhead_us` is the
  difference: the hooks plus SQLAlchemy's dispatch to them.

    .venv/bin/python -m bench.db_metrics [--statements 20000] [--repeat 5] [--out FILE]

Writes JSON (default `bench/results/db-metrics.json`). Runs in a few seconds; nothing to clean up.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from yys.kit.observability import db_metrics

STATEMENT = "SELECT t.id, t.v FROM t WHERE t.id = ?"


def hooks_us(n: int) -> float:
    def do_execute(cursor: Any, statement: str, parameters: Any, context: Any) -> None:
        return None

    context: Any = SimpleNamespace(execution_options={db_metrics.SERVICE_OPTION: "bench"},
                                   dialect=SimpleNamespace(do_execute=do_execute))
    listener = db_metrics._do_execute
    started = time.thread_time()
    for _ in range(n):
        listener(None, STATEMENT, None, context)
    hooked = time.thread_time() - started
    started = time.thread_time()
    for _ in range(n):
        do_execute(None, STATEMENT, None, context)
    return (hooked - (time.thread_time() - started)) / n * 1e6


def statement_us(n: int, *, instrumented: bool) -> float:
    engine = sa.create_engine("sqlite://")
    if instrumented:
        db_metrics.instrument(engine)
    view = engine.execution_options(**{db_metrics.SERVICE_OPTION: "bench"})
    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("v", sa.Integer))
    query = sa.select(table).where(table.c.id == sa.bindparam("id"))
    try:
        with view.begin() as conn:
            table.metadata.create_all(conn)
            conn.execute(table.insert(), [{"id": i, "v": i} for i in range(100)])
            for i in range(500):  # warm the compiled cache
                conn.execute(query, {"id": i % 100}).all()
            started = time.thread_time()
            for i in range(n):
                conn.execute(query, {"id": i % 100}).all()
            return (time.thread_time() - started) / n * 1e6
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("bench/results/db-metrics.json"))
    args = parser.parse_args()
    hooks = min(hooks_us(args.statements * 5) for _ in range(args.repeat))
    plain, timed = [], []
    for _ in range(args.repeat):  # interleaved, so a burst of load hits both alike
        plain.append(statement_us(args.statements, instrumented=False))
        timed.append(statement_us(args.statements, instrumented=True))
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
        "clock": "thread CPU time",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
