"""The callback → paid measurement of the booking benchmark, as production sees it.

Orders are created and prepaid through the API (`thirdPaymentWxPay`, so payment holds a pending
payment and the sandbox a NOTPAY transaction); the harness then marks those sandbox
transactions paid in the sandbox's table (what the provider does when the user pays; the
sandbox's own pay endpoint would also queue and deliver its notify inside the server, whose CPU
is not the system under test) and `bench.notify_sender`, on the load-generator core, POSTs one
signed, encrypted notify per payment to payment's callback at a fixed rate.

Source of truth: the server's `yys_order_payment_settle_seconds` histogram (event created_at,
stamped in the callback's transaction → the commit that paid the order; same `time.time()`
clock, one process), read as a delta between two scrapes. The share at or below 0.1 s decides
the target exactly; p50/p99 are interpolated inside their buckets. Cross-checks: every notify
answered SUCCESS, every order paid in the database, one observation per paid order, and on
SQLite the exact in-database time (the pay-success job row written in the paying transaction).
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.booking_infra import (
    CREATE,
    ROOT,
    WXPAY,
    Context,
    booking_body,
    chunked_sql,
    finish_py_spy,
    run_sql,
    start_py_spy,
    today_utc,
)
from bench.booking_stats import (
    bucket_delta,
    fraction_at_or_below,
    histogram_quantile,
    pair_latencies,
    summarize_ms,
)
from bench.procs import CpuSample, Http, Reaper, log, raise_priority, tail, wait_quiet
from bench.travel import _pinned, metric_delta, scrape

CALLBACK = "/payment/v1/thirdPayment/thirdPaymentWxPayCallback"
PAY_TOPIC = "payment-update-paystatus"
SETTLE_METRIC = "yys_order_payment_settle_seconds"
TARGET_SECONDS = 0.1


def prepare_payments(ctx: Context, count: int) -> list[dict[str, Any]]:
    """`count` new orders, each with a pending payment and a sandbox transaction."""
    base_day = today_utc()

    def one(k: int) -> str:
        _, token = ctx.users[k % len(ctx.users)]
        hid = ctx.homestays[k % len(ctx.homestays)]
        status, body = ctx.api.call(CREATE, booking_body(k, hid, base_day=base_day), token)
        if status != 200:
            raise RuntimeError(f"createHomestayOrder answered {status}: {body!r:.300}")
        sn = str(body["orderSn"])
        status, params = ctx.api.call(WXPAY, {"orderSn": sn, "serviceType": "homestayOrder"},
                                      token)
        if status != 200 or not str(params.get("package", "")).startswith("prepay_id="):
            raise RuntimeError(f"thirdPaymentWxPay answered {status}: {params!r:.300}")
        return sn

    start = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        sns = list(pool.map(one, range(count)))
    seconds = time.monotonic() - start
    log(f"{ctx.target}: {count} orders created and prepaid in {seconds:.1f}s "
        f"({count / seconds:.0f}/s)")
    rows = chunked_sql(ctx.db_url, "SELECT p.order_sn, p.sn, t.appid, t.mchid, t.total, "
                       "t.payer_openid, t.notify_id, t.prepay_id FROM payment_third_payment p "
                       "JOIN paysandbox_transaction t ON t.out_trade_no = p.sn "
                       "WHERE p.pay_status = 0 AND p.order_sn IN ({placeholders})", sns)
    items = {str(r[0]): {"order_sn": str(r[0]), "out_trade_no": str(r[1]), "appid": r[2],
                         "mchid": r[3], "total": int(r[4]), "openid": r[5],
                         "notify_id": r[6], "prepay_id": r[7]} for r in rows}
    if len(items) != count:
        raise RuntimeError(f"{count} orders prepaid but {len(items)} pending payments found")
    return [items[sn] for sn in sns]


def settle_in_sandbox(ctx: Context, items: list[dict[str, Any]]) -> None:
    """The user paid: the sandbox's transactions become SUCCESS (with a transaction id and a
    success time), as its pay endpoint would record them, minus its notify job."""
    now = int(time.time())
    day = time.strftime("%Y%m%d", time.gmtime(now))
    for item in items:
        item["transaction_id"] = f"4200{day}{secrets.randbelow(10**16):016d}"
        item["success_time"] = now
    for i in range(0, len(items), 500):
        chunk = items[i:i + 500]
        cases = " ".join(f"WHEN :p{j} THEN :x{j}" for j in range(len(chunk)))
        params: dict[str, Any] = {"now": now}
        for j, item in enumerate(chunk):
            params[f"p{j}"], params[f"x{j}"] = item["prepay_id"], item["transaction_id"]
        run_sql(ctx.db_url, "UPDATE paysandbox_transaction SET trade_state = 'SUCCESS', "
                f"transaction_id = CASE prepay_id {cases} END, success_time = :now, "
                f"update_time = :now WHERE trade_state = 'NOTPAY' AND prepay_id IN "
                f"({', '.join(f':p{j}' for j in range(len(chunk)))})", params)


def settle_buckets(port: int) -> dict[float, float]:
    """Cumulative bucket counts of the settle histogram from the server's /metrics."""
    from prometheus_client.parser import text_string_to_metric_families

    status, raw = Http(port).request("GET", "/metrics")
    if status != 200:
        raise RuntimeError(f"/metrics answered {status}")
    for family in text_string_to_metric_families(raw.decode()):
        if family.name == SETTLE_METRIC:
            return {float(s.labels["le"]): s.value for s in family.samples
                    if s.name.endswith("_bucket")}
    return {}


def run_sender(ctx: Context, items: list[dict[str, Any]]) -> dict[str, Any]:
    spec = {"url": ctx.server.url + CALLBACK, "rate": ctx.args.pay_rate,
            "data_dir": str(ctx.workdir / "data"), "items": items}
    spec_path, out_path = ctx.workdir / "notifies.json", ctx.workdir / "notify-results.json"
    spec_path.write_text(json.dumps(spec))
    env = {k: v for k, v in os.environ.items() if not k.startswith("YYS_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), str(ROOT)]))
    argv = [sys.executable, "-m", "bench.notify_sender", str(spec_path), str(out_path)]
    proc = Reaper.spawn(_pinned(argv, ctx.args.wrk_cpu, ctx.args.nice), env=env, cwd=ROOT,
                        log_path=ctx.workdir / "notify-sender.log")
    raise_priority(proc.pid, ctx.args.nice)
    try:
        code = proc.wait(timeout=len(items) / ctx.args.pay_rate + 60)
    finally:
        Reaper.stop(proc)
    if code != 0 or not out_path.is_file():
        raise RuntimeError(f"notify sender failed ({code}): "
                           f"{tail(ctx.workdir / 'notify-sender.log', 20)}")
    return dict(json.loads(out_path.read_text()))


def wait_paid(ctx: Context, sns: list[str], *, timeout: float) -> dict[str, Any]:
    start = time.monotonic()
    while True:
        paid = sum(int(r[0]) for r in chunked_sql(
            ctx.db_url, "SELECT COUNT(*) FROM order_homestay_order WHERE trade_state = 1 AND "
            "sn IN ({placeholders})", sns))
        waited = time.monotonic() - start
        if paid >= len(sns) or waited > timeout:
            return {"orders_paid": paid, "seconds_after_last_notify": round(waited, 2)}
        time.sleep(0.2)


def wait_notified(ctx: Context, sns: list[str], *, timeout: float) -> dict[str, Any]:
    """Wait until every paid order's pay-success notification was delivered: the last step of
    a payment, so the CPU window below covers the whole chain, not only up to the order paid
    (on a loaded machine the notification jobs trail the payments by seconds)."""
    start = time.monotonic()
    keys = [f"pay_success:{sn}" for sn in sns]
    while True:
        done = sum(int(r[0]) for r in chunked_sql(
            ctx.db_url, "SELECT COUNT(*) FROM mqueue_notification WHERE delivered <> '' AND "
            "dedup_key IN ({placeholders})", keys))
        waited = time.monotonic() - start
        if done >= len(sns) or waited > timeout:
            return {"notifications_delivered": done, "seconds_after_paid": round(waited, 2)}
        time.sleep(0.2)


def callback_to_paid(ctx: Context) -> dict[str, Any]:
    args = ctx.args
    items = prepare_payments(ctx, int(args.pay_rate * args.pay_seconds))
    settle_in_sandbox(ctx, items)
    sns = [item["order_sn"] for item in items]
    busy = wait_quiet(threshold=args.quiet_threshold, max_wait=args.quiet_wait)
    before_h, before_m = settle_buckets(ctx.server.port), scrape(ctx.server.port)
    before_c = CpuSample.take(ctx.server.proc.pid)
    sent = run_sender(ctx, items)
    paid = wait_paid(ctx, sns, timeout=args.settle_timeout)
    paid |= wait_notified(ctx, sns, timeout=args.settle_timeout)
    # Server CPU from the first notify until every order was paid and its user notified (or
    # the waits gave up): the whole chain of a payment.
    cpu = CpuSample.take(ctx.server.proc.pid).since(before_c)
    cpu["server_cpu_us_per_payment"] = round(cpu["server_cpu_s"] * 1e6 / len(items), 1)
    buckets = bucket_delta(before_h, settle_buckets(ctx.server.port))
    http = metric_delta(before_m, scrape(ctx.server.port))
    http.pop("cache_lookups", None)
    out: dict[str, Any] = {
        "endpoint": f"POST {CALLBACK}", "mode": "fixed-rate notifies (open loop)",
        "notifies": len(items), "other_load_before_run": busy, "cpu": cpu, **http,
        "sender": sender_summary(sent, args.pay_rate), "settle": paid,
        "settle_histogram": histogram_summary(buckets),
        "cross_check": cross_check(ctx, sns),
    }
    log(f"{ctx.target} callback → paid: {out['settle_histogram']}; sender "
        f"{out['sender']['achieved_rate']}/s; server {cpu['server_cpu_fraction_of_core']:.0%} of "
        f"a core, {cpu['server_cpu_us_per_payment']} µs/payment")
    problems = []
    if out["sender"]["not_success"]:
        problems.append(f"{out['sender']['not_success']} notifies were not answered 200 SUCCESS")
    if out["server_non_2xx"]:
        problems.append(f"{out['server_non_2xx']} non-2xx answers (server metrics)")
    if paid["orders_paid"] != len(items):
        problems.append(f"{len(items) - paid['orders_paid']} orders not paid "
                        f"{args.settle_timeout:.0f}s after the last notify")
    if out["settle_histogram"]["count"] != paid["orders_paid"]:
        problems.append(f"the settle histogram counted {out['settle_histogram']['count']} "
                        f"observations for {paid['orders_paid']} paid orders")
    if paid["notifications_delivered"] != len(items):
        problems.append(f"{len(items) - paid['notifications_delivered']} pay-success "
                        "notifications not delivered in time")
    ctx.problems += [f"pay run: {p}" for p in problems]
    if args.profile:
        ctx.profiles["pay_run"] = profile_notifies(ctx)
    return out


def profile_notifies(ctx: Context) -> dict[str, Any]:
    """py-spy during an extra, unmeasured notify run (a sampling profiler pauses the server,
    which would distort the measured latency)."""
    seconds = max(2, round(ctx.args.pay_seconds / 2))
    items = prepare_payments(ctx, int(ctx.args.pay_rate * seconds))
    settle_in_sandbox(ctx, items)
    spy = start_py_spy(ctx, "pay", seconds=seconds)
    if spy is None:
        return dict(ctx.profiles.get("pay", {}))
    run_sender(ctx, items)
    wait_paid(ctx, [item["order_sn"] for item in items], timeout=ctx.args.settle_timeout)
    return finish_py_spy(ctx, spy)


def histogram_summary(buckets: list[tuple[float, float]]) -> dict[str, Any]:
    def ms(q: float) -> float | None:
        value = histogram_quantile(buckets, q)
        return None if value is None else round(value * 1000, 1)

    fraction = fraction_at_or_below(buckets, TARGET_SECONDS) if buckets else None
    return {"metric": SETTLE_METRIC, "count": int(buckets[-1][1]) if buckets else 0,
            "fraction_at_or_below_100ms": None if fraction is None else round(fraction, 5),
            "p50_ms": ms(0.5), "p90_ms": ms(0.9), "p99_ms": ms(0.99),
            "quantiles": "interpolated inside their bucket (histogram_quantile); the fraction "
                         "at or below 100 ms is exact",
            "buckets": [{"le": le, "count": int(c)} for le, c in buckets]}


def sender_summary(sent: dict[str, Any], rate: float) -> dict[str, Any]:
    results = sent["results"]
    ok = [r for r in results if r.get("status") == 200 and '"SUCCESS"' in r.get("answer", "")]
    sends = sorted(r["sent"] for r in results if r)
    span = sends[-1] - sends[0] if len(sends) > 1 else 0.0
    late = [r["lateness_ms"] for r in results if r]
    return {
        "target_rate": rate, "sent": len(sends),
        "achieved_rate": round((len(sends) - 1) / span, 2) if span else None,
        "not_success": len(results) - len(ok),
        "statuses": {str(s): sum(1 for r in results if r.get("status") == s)
                     for s in sorted({r.get("status") for r in results if r})},
        "late_sends_over_5ms": sum(1 for x in late if x > 5), "max_lateness_ms": max(late or [0]),
        "callback_response_ms": summarize_ms([r["answered"] - r["sent"] for r in results if r],
                                             (50, 90, 99)),
    }


def cross_check(ctx: Context, sns: list[str]) -> dict[str, Any]:
    """What the database says: outbox timestamps of the events (created in the callback's
    transaction, published by the relay) and, on SQLite, the exact paid time."""
    outbox = chunked_sql(ctx.db_url, "SELECT `key`, created_at, published_at FROM payment_outbox "
                         f"WHERE topic = '{PAY_TOPIC}' AND `key` IN ({{placeholders}})", sns)
    created = {str(k): float(c) for k, c, _ in outbox}
    published = {str(k): float(p) for k, _, p in outbox if p is not None}
    relay, _ = pair_latencies(created, published)
    out: dict[str, Any] = {"events_in_outbox": len(created),
                           "created_to_outbox_published_ms": summarize_ms(relay, (50, 90, 99))}
    if ctx.db_url.startswith("sqlite"):
        # The order consumer writes the pay-success job in the transaction that pays the order;
        # its created_at_ms is that moment (ms, the server's time.time()).
        rows = chunked_sql(ctx.db_url, "SELECT id, created_at_ms FROM order_delay_job WHERE id IN "
                           "({placeholders})", [f"notify:{sn}" for sn in sns])
        paid_at = {str(i).removeprefix("notify:"): int(ms) / 1000.0 for i, ms in rows}
        exact, missing = pair_latencies(created, paid_at)
        out["created_to_paid_in_database_ms"] = summarize_ms(exact, (50, 90, 99))
        out["created_to_paid_in_database_at_or_below_100ms"] = (
            round(sum(1 for d in exact if d <= TARGET_SECONDS) / len(exact), 5) if exact else None)
        out["events_without_paid_time"] = missing
    return out
