"""`yys up --split --observability` against the real Prometheus and Alertmanager.

One split topology on MariaDB + Redis + a Kafka-protocol broker, with the repository's rules and
Alertmanager config, only faster: scrapes and evaluations every second, every `for:` a few
seconds, Alertmanager's webhook pointed at a small aiohttp receiver in this test (its bearer
token and the SMTP password from files, as in production). After a scripted booking flow every
dashboard panel's query returns data and every metric a rule or panel reads is exported; then
two fault drills: bad-signature payment callbacks raise YysPaymentCallbackFailures, and a
SIGKILLed process raises YysServiceDown, both delivered through Alertmanager to the webhook;
and a service that is down inhibits its symptom alerts in Alertmanager.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web

from tests.e2e.api import call
from tests.e2e.conftest import clean_env
from tests.e2e.test_booking_flows import create_order, pay, some_homestay, user_token, wait_state
from tests.integration.observability.promql import (
    OBS,
    RULES_DIR,
    base_name,
    panel_queries,
    used_metric_names,
)
from tests.support.process import YysProcess, http_get, run_yys
from tests.support.servers import redis_test_url, tansu_broker, throwaway_mariadb_database
from yys.runtime.split.layout import stable_free_port

pytestmark = [pytest.mark.e2e, pytest.mark.mariadb, pytest.mark.redis, pytest.mark.kafka,
              pytest.mark.timeout(300)]

CLOSE_DELAY = 5
ADMIN_PASSWORD = "observability-admin-pass"
ALERT_FOR = "2s"  # every rule's `for:` in this test
CALLBACK = "/payment/v1/thirdPayment/thirdPaymentWxPayCallback"
ENV = {
    "YYS_ORDER_CLOSE_DELAY_SECONDS": str(CLOSE_DELAY),
    "YYS_JOB_POLL_INTERVAL_SECONDS": "0.2",
    "YYS_ORDER_SWEEP_INTERVAL_SECONDS": "2",
    "YYS_ADMIN_PASSWORD": ADMIN_PASSWORD,
    "YYS_KAFKA_SESSION_TIMEOUT_MS": "3000",
    "YYS_KAFKA_HEARTBEAT_INTERVAL_MS": "1000",
    "YYS_KAFKA_REBALANCE_TIMEOUT_MS": "3000",
    # A killed process stays down long enough for the alert to fire and be delivered.
    "YYS_SPLIT_RESTART_INITIAL_SECONDS": "40",
    "YYS_OBSERVABILITY_SCRAPE_INTERVAL": "1s",
    "YYS_OBSERVABILITY_EVALUATION_INTERVAL": "1s",
}


# --- the webhook receiver ------------------------------------------------------------------------

@dataclass
class Webhook:
    """Alertmanager's webhook JSON, collected by an aiohttp server on its own thread."""

    token: str
    notifications: list[dict[str, Any]] = field(default_factory=list)
    span_batches: int = 0  # OTLP/HTTP trace exports received (the processes trace into here)
    authorizations: list[str] = field(default_factory=list)
    port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        with self._lock:
            self.notifications.append(body)
            self.authorizations.append(request.headers.get("Authorization", ""))
        return web.Response(text="ok")

    async def _traces(self, request: web.Request) -> web.Response:
        await request.read()
        with self._lock:
            self.span_batches += 1
        return web.Response(body=b"", content_type="application/x-protobuf")

    @contextmanager
    def serve(self) -> Iterator[Webhook]:
        loop = asyncio.new_event_loop()
        started = threading.Event()
        stop = asyncio.Event()

        async def main() -> None:
            app = web.Application()
            app.router.add_post("/alerts", self._handle)
            app.router.add_post("/v1/traces", self._traces)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.port = runner.addresses[0][1]
            started.set()
            await stop.wait()
            await runner.cleanup()

        thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
        thread.start()
        assert started.wait(10), "the webhook receiver did not start"
        try:
            yield self
        finally:
            loop.call_soon_threadsafe(stop.set)
            thread.join(10)

    def alerts(self, name: str, status: str = "firing") -> list[dict[str, Any]]:
        with self._lock:
            return [a for n in self.notifications for a in n["alerts"]
                    if a["labels"].get("alertname") == name and a["status"] == status]


# --- configs: the repository's, made fast --------------------------------------------------------

def fast_rules(target: Path) -> Path:
    """The repository's rule files with every `for:` shortened (nothing else changed)."""
    target.mkdir()
    for path in sorted(RULES_DIR.glob("*.yml")):
        doc = yaml.safe_load(path.read_text())
        for group in doc["groups"]:
            for rule in group["rules"]:
                if "for" in rule:
                    rule["for"] = ALERT_FOR
        (target / path.name).write_text(yaml.safe_dump(doc, sort_keys=False))
    return target


def fast_alertmanager(tmp: Path, webhook: Webhook) -> Path:
    """The repository's routes, inhibitions and receivers; the webhook is this test's, group
    waits are a second, and the secrets are files written here."""
    config = yaml.safe_load((OBS / "alertmanager" / "alertmanager.yml").read_text())
    token_file, password_file = tmp / "webhook-token", tmp / "smtp-password"
    token_file.write_text(webhook.token)
    password_file.write_text(secrets.token_hex(8))
    config["global"].update(smtp_smarthost=f"127.0.0.1:{stable_free_port()}",  # nobody listens
                            smtp_auth_password_file=str(password_file), smtp_require_tls=False)
    routes = [config["route"], *config["route"]["routes"]]
    for route in routes:
        route.update(group_wait="1s", group_interval="1s")
    for receiver in config["receivers"]:
        for hook in receiver.get("webhook_configs", []):
            hook["url"] = f"http://127.0.0.1:{webhook.port}/alerts"
            hook["http_config"]["authorization"]["credentials_file"] = str(token_file)
    path = tmp / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


# --- the running stack ---------------------------------------------------------------------------

@dataclass
class Stack:
    yys: YysProcess
    data_dir: Path
    webhook: Webhook

    @property
    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads((self.data_dir / "split" / "state.json").read_text())
        return state

    @property
    def prometheus(self) -> str:
        return str(self.state["observability"]["prometheus"])

    def api(self, path: str, **params: str) -> Any:
        status, body = http_get(f"{self.prometheus}{path}?{urllib.parse.urlencode(params)}")
        assert status == 200, body[:500]
        return json.loads(body)["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.api("/api/v1/query", query=expr)["result"]
        return result


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("observability")
    data_dir = tmp / "data"
    port = stable_free_port()
    with (Webhook(token=secrets.token_hex(16)).serve() as webhook, tansu_broker() as kafka,
          throwaway_mariadb_database() as url):
        # Its own key prefix: no flush of the test Redis that other suites may be using.
        env = clean_env(**ENV, YYS_DATABASE_URL=url, YYS_REDIS_URL=redis_test_url(),
                        YYS_REDIS_KEY_PREFIX=f"yys-e2e-obs-{time.time_ns()}:",
                        YYS_KAFKA_BOOTSTRAP_SERVERS=kafka,
                        # Traces on: the latency histograms then carry trace-id exemplars.
                        YYS_OTEL_ENABLED="true",
                        YYS_OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{webhook.port}",
                        YYS_OBSERVABILITY_RULES_DIR=str(fast_rules(tmp / "rules")),
                        YYS_OBSERVABILITY_ALERTMANAGER_CONFIG=str(fast_alertmanager(tmp, webhook)))
        with run_yys(["up", "--split", "--observability", "--port", str(port),
                      "--data-dir", str(data_dir)], env,
                     ready_url=f"http://127.0.0.1:{port}/readyz", timeout=150,
                     inherit_env=False, stop_timeout=45) as proc:
            stack = Stack(proc, data_dir, webhook)
            # The edge is ready once the yys processes are; Prometheus and Alertmanager start
            # right after (a process still starting would be reported down).
            wait_for("the observability URLs in state.json",
                     lambda: stack.state["observability"].get("alertmanager"), 60)
            wait_for("Prometheus ready", lambda: _answers(f"{stack.prometheus}/-/ready"), 30)
            yield stack
            assert proc.stop(signal.SIGINT, timeout=45) == 0


def _answers(url: str) -> bool:
    try:
        return http_get(url, timeout=2)[0] == 200
    except OSError:
        return False


def wait_for(what: str, check: Any, timeout: float, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"{what}: not within {timeout}s"
        time.sleep(every)


# --- the tests (in this order: the drills come last) ---------------------------------------------

def test_prometheus_scrapes_every_yys_process(stack: Stack) -> None:
    processes = {name for name, p in stack.state["processes"].items() if p["http_port"]}
    assert {"order", "payment", "consumer", "worker", "scheduler"} <= processes

    def all_up() -> bool:
        up = {r["metric"]["process"]: r["value"][1] for r in stack.query('up{job="yys"}')}
        return set(up) == processes and set(up.values()) == {"1"}

    wait_for("every process scraped and up", all_up, 30)
    groups = stack.api("/api/v1/rules")["groups"]
    alerts = {r["name"] for g in groups for r in g["rules"] if r["type"] == "alerting"}
    assert "YysServiceDown" in alerts and "YysPaymentCallbackFailures" in alerts
    managers = stack.api("/api/v1/alertmanagers")["activeAlertmanagers"]
    assert managers == [{"url": f"{stack.state['observability']['alertmanager']}/api/v2/alerts"}]


def test_booking_flow(stack: Stack) -> None:
    base = stack.yys.base_url
    token = user_token(base)
    homestay = some_homestay(base)
    # Paid (its pay-success notification goes out from a delay job), and another paid and
    # refunded by the guest.
    paid, refunded = create_order(base, token, homestay), create_order(base, token, homestay)
    for sn in (paid, refunded):
        pay(base, token, sn)
    for sn in (paid, refunded):
        wait_state(base, token, sn, 1, timeout=30)
    refund = call(base, "/order/v1/homestayOrder/refund", {"sn": refunded}, token=token)
    assert refund.status == 200, refund.body
    # Left unpaid: the delay job closes it.
    unpaid = create_order(base, token, homestay)
    wait_state(base, token, unpaid, -1, timeout=CLOSE_DELAY + 20)
    # The back office reads the same order.
    login = call(base, "/admin/v1/auth/login", {"username": "admin", "password": ADMIN_PASSWORD})
    assert login.status == 200, login.body
    order = call(base, f"/admin/v1/orders/{paid}", token=login.body["accessToken"], method="GET")
    assert order.status == 200, order.body
    # The server-rendered storefront (web) through the same edge.
    status, _ = http_get(f"{base}/")
    assert status == 200


def test_every_dashboard_panel_returns_data(stack: Stack) -> None:
    queries = list(panel_queries())
    assert len(queries) > 30

    def empty() -> list[str]:
        return [f"{board}: {title}: {expr}" for board, title, expr in queries
                if not stack.query(expr)]

    # Rates need two scrapes after the flow; give the last events (jobs, consumers) time.
    deadline = time.monotonic() + 45
    missing = empty()
    while missing and time.monotonic() < deadline:
        time.sleep(2)
        missing = empty()
    assert missing == [], "panels without data:\n" + "\n".join(missing)


def test_every_metric_a_rule_or_panel_reads_is_exported(stack: Stack) -> None:
    exported = set(stack.api("/api/v1/label/__name__/values"))
    used = used_metric_names()
    missing = sorted(name for name in used
                     if name not in exported and not any(
                         f"{base_name(name)}{s}" in exported for s in ("", "_bucket", "_count")))
    assert missing == [], "read by rules or panels, but no target exports them:\n" + "\n".join(
        f"{name}  ({', '.join(sorted(used[name]))})" for name in missing)


def test_latency_exemplars_carry_trace_ids(stack: Stack) -> None:
    """Prometheus asks for OpenMetrics and keeps exemplars (--enable-feature=exemplar-storage):
    a slow request on a dashboard leads to its trace."""
    now = time.time()

    def exemplars() -> list[dict[str, Any]]:
        data = stack.api("/api/v1/query_exemplars", query="yys_http_server_request_duration_seconds_bucket",
                         start=str(now - 600), end=str(time.time()))
        return [e for series in data for e in series["exemplars"]]

    found = wait_for("exemplars on the HTTP latency histogram", exemplars, 20)
    assert all(len(e["labels"]["trace_id"]) == 32 for e in found), found[:3]
    assert stack.webhook.span_batches > 0  # and the spans themselves were exported


def _bad_callback(base: str) -> int:
    headers = {"Wechatpay-Timestamp": str(int(time.time())), "Wechatpay-Nonce": secrets.token_hex(16),
               "Wechatpay-Serial": "0" * 40, "Wechatpay-Signature": "AAAA" * 86}
    body = {"id": secrets.token_hex(8), "event_type": "TRANSACTION.SUCCESS",
            "resource": {"algorithm": "AEAD_AES_256_GCM", "ciphertext": "AAAA", "nonce": "x",
                         "associated_data": "transaction"}}
    return call(base, CALLBACK, body, headers=headers).status


def test_drill_forged_callbacks_fire_the_callback_failure_alert(stack: Stack) -> None:
    base = stack.yys.base_url
    # Spread over several scrapes, so the counter is seen rising (a series that appears with
    # its final value has no increase).
    statuses = set()
    for _ in range(16):
        statuses.add(_bad_callback(base))
        time.sleep(0.5)
    assert statuses and all(400 <= s < 500 for s in statuses), statuses
    assert stack.query('yys_payment_callbacks_total{result="bad_signature"}')
    alert = wait_for("YysPaymentCallbackFailures at the webhook",
                     lambda: stack.webhook.alerts("YysPaymentCallbackFailures"), 60)[0]
    assert alert["labels"]["severity"] == "critical"
    assert alert["annotations"]["runbook_url"].endswith("#yyspaymentcallbackfailures")
    # The webhook's bearer token came from the credentials file.
    assert set(stack.webhook.authorizations) == {f"Bearer {stack.webhook.token}"}


def _started(alert: dict[str, Any]) -> float:
    """Alertmanager's startsAt (RFC 3339, UTC) in epoch seconds, to the second."""
    return datetime.strptime(alert["startsAt"][:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=UTC).timestamp()


def test_drill_killed_process_fires_service_down(stack: Stack) -> None:
    victim = "travel"
    pid = stack.state["processes"][victim]["pid"]
    killed_at = time.time()
    os.kill(pid, signal.SIGKILL)

    def down_since_kill() -> list[dict[str, Any]]:
        return [a for a in stack.webhook.alerts("YysServiceDown") if _started(a) >= killed_at - 1]

    alerts = wait_for("YysServiceDown at the webhook", down_since_kill, 60)
    took = time.time() - killed_at
    labels = alerts[0]["labels"]
    assert labels["service"] == victim and labels["severity"] == "critical"
    assert alerts[0]["annotations"]["summary"] == f"yys {victim} is down"
    # Nothing else went down with it, and nothing was down before (the stack starts
    # Prometheus only once every process is ready).
    assert {a["labels"]["process"] for a in stack.webhook.alerts("YysServiceDown")} == {victim}
    print(f"service down → webhook in {took:.1f}s")


def test_service_down_inhibits_that_services_symptoms(stack: Stack) -> None:
    """The repository's inhibit rules in the real Alertmanager: alerts posted to its API (a
    service nobody runs, so no real alert interferes)."""
    manager = stack.state["observability"]["alertmanager"]
    down = {"alertname": "YysServiceDown", "process": "drill", "service": "drill",
            "severity": "critical"}
    symptom = {"alertname": "YysHigh5xxRatio", "service": "drill", "severity": "critical"}
    elsewhere = {"alertname": "YysHigh5xxRatio", "service": "drill-other", "severity": "critical"}
    reply = call(manager, "/api/v2/alerts", [{"labels": labels} for labels in (down, symptom, elsewhere)])
    assert reply.status == 200, reply.body

    def states() -> dict[str, dict[str, Any]] | None:
        status, body = http_get(f"{manager}/api/v2/alerts?filter=" + urllib.parse.quote('service=~"drill.*"'))
        assert status == 200
        found = {f"{a['labels']['alertname']}/{a['labels']['service']}": a["status"]
                 for a in json.loads(body)}
        return found if len(found) == 3 else None

    found = wait_for("the posted alerts", states, 15)
    assert found["YysHigh5xxRatio/drill"]["state"] == "suppressed"
    assert found["YysHigh5xxRatio/drill"]["inhibitedBy"]
    assert found["YysHigh5xxRatio/drill-other"]["state"] == "active"
    assert found["YysServiceDown/drill"]["state"] == "active"
