"""The orders/s measurement of the booking benchmark: wrk at full speed on createHomestayOrder,
then the database and the API must agree with what wrk counted."""

from __future__ import annotations

import json
import time
from typing import Any

from bench.booking_infra import (
    CREATE,
    DETAIL,
    Context,
    booking_body,
    measure,
    profile_run,
    run_sql,
    today_utc,
)
from bench.wrk import lua_script, run_wrk


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
        rec = measure(ctx, f"orders-{i + 1}", url, script, duration=args.duration,
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


