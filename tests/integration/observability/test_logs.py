"""The log contract of a real `yys up`: stdout is JSON lines only, each with timestamp, level and
service; request lines carry the request id (echoed in the response) and, once authenticated,
the user id, and with tracing on the trace and span ids. No password, token or API v3 key is
ever written, whatever the requests carried. Traces go to a stand-in OTLP/HTTP collector."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.api import call
from tests.support.process import YysProcess, yys_command
from tests.support.servers import free_port

pytestmark = pytest.mark.e2e

PASSWORD = "s3cret-Pa55word-" + secrets.token_hex(4)
API_V3_KEY = secrets.token_hex(16)  # 32 characters, the provider's format
FOREIGN_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0." + secrets.token_hex(16)
REQUEST_ID = "req-" + secrets.token_hex(6)


@dataclass
class Collector:
    """A stand-in OpenTelemetry Collector: accepts OTLP/HTTP trace exports and counts them."""

    port: int
    posts: list[tuple[str, int]] = field(default_factory=list)


@pytest.fixture
def collector() -> Iterator[Collector]:
    seen = Collector(free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            seen.posts.append((self.path, len(body)))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", seen.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Run:
    stdout: Path
    proc: YysProcess


def _start(tmp_path: Path, collector: Collector) -> Run:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YYS_", "OTEL_"))}
    env.update(PYTHONUNBUFFERED="1", YYS_WXPAY_API_V3_KEY=API_V3_KEY, YYS_OTEL_ENABLED="true",
               YYS_OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{collector.port}",
               YYS_JOB_POLL_INTERVAL_SECONDS="0.2")
    argv = [*yys_command(), "up", "--port", str(port), "--data-dir", str(tmp_path / "data")]
    stdout, stderr = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env,
                                 start_new_session=True)
    proc = YysProcess(popen, stderr, f"http://127.0.0.1:{port}", argv)
    try:
        proc.wait_ready(proc.url("/readyz"), timeout=60)
    except BaseException:
        proc.kill()
        raise
    return Run(stdout, proc)


def _drive(base: str) -> tuple[str, int]:
    """Register, log in (also with a wrong password), book and pay; returns (token, user id)."""
    mobile = f"137{time.time_ns() % 100_000_000:08d}"
    assert call(base, "/usercenter/v1/user/register", {"mobile": mobile, "password": PASSWORD}).status == 200
    wrong = call(base, "/usercenter/v1/user/login", {"mobile": mobile, "password": PASSWORD + "x"})
    assert wrong.status != 200
    login = call(base, "/usercenter/v1/user/login", {"mobile": mobile, "password": PASSWORD},
                 headers={"X-Request-Id": REQUEST_ID})
    assert login.status == 200, login.body
    assert login.headers["x-request-id"] == REQUEST_ID
    token = str(login.body["accessToken"])
    me = call(base, "/usercenter/v1/user/detail", {}, token=token)
    assert me.status == 200 and me.headers["x-request-id"], me.body
    user_id = int(me.body["userInfo"]["id"])
    assert call(base, "/usercenter/v1/user/detail", {}, token=FOREIGN_TOKEN).status == 401

    homestay = call(base, "/travel/v1/homestay/homestayList", {"page": 1, "pageSize": 1}).body["list"][0]
    start = int(time.time()) + 86400
    order = call(base, "/order/v1/homestayOrder/createHomestayOrder", {
        "homestayId": homestay["id"], "isFood": False, "liveStartTime": start,
        "liveEndTime": start + 86400, "livePeopleNum": 1, "remark": "logs"}, token=token)
    assert order.status == 200, order.body
    sn = order.body["orderSn"]
    params = call(base, "/payment/v1/thirdPayment/thirdPaymentWxPay",
                  {"orderSn": sn, "serviceType": "homestayOrder"}, token=token)
    assert params.status == 200, params.body
    prepay = params.body["package"].removeprefix("prepay_id=")
    assert call(base, "/paysandbox/v1/pay", {"prepayId": prepay, "result": "SUCCESS"}).status == 200
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        detail = call(base, "/order/v1/homestayOrder/userHomestayOrderDetail", {"sn": sn}, token=token)
        if detail.body["tradeState"] == 1:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("order not paid within 10 s")
    return token, user_id


def test_stdout_is_json_lines_without_secrets(tmp_path: Path, collector: Collector) -> None:
    run = _start(tmp_path, collector)
    try:
        token, user_id = _drive(run.proc.base_url)
        time.sleep(0.5)  # the pay-success job and its log line
    finally:
        assert run.proc.stop() == 0, run.proc.log_tail()
    text = run.stdout.read_text(encoding="utf-8")

    everything = text + run.proc.log_text()  # stdout, and stderr (the banner) too
    for name, secret in (("password", PASSWORD), ("token", token), ("API v3 key", API_V3_KEY),
                         ("foreign token", FOREIGN_TOKEN)):
        assert secret not in everything, f"the {name} reached the log"

    records: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), 1):
        try:
            record = json.loads(line)
        except ValueError:
            pytest.fail(f"stdout line {number} is not JSON: {line[:200]!r}")
        assert isinstance(record, dict), line
        for name in ("timestamp", "level", "service", "event"):
            assert name in record, f"line {number} lacks {name}: {line[:200]}"
        records.append(record)

    access = [r for r in records if r.get("logger") == "yys.access" or r["event"] == "request"]
    assert len(access) >= 10, f"too few access lines: {len(access)}"
    for r in access:
        assert {"method", "route", "status", "duration_ms", "request_id"} <= r.keys(), r
        assert re.fullmatch(r"[0-9a-f]{32}", r["trace_id"]), r
        assert re.fullmatch(r"[0-9a-f]{16}", r["span_id"]), r
    login = [r for r in access if r["request_id"] == REQUEST_ID]
    assert [r["route"] for r in login] == ["/usercenter/v1/user/login"]
    detail = [r for r in access if r["route"] == "/usercenter/v1/user/detail"]
    assert {r["status"] for r in detail} == {200, 401}
    assert [r.get("user_id") for r in detail if r["status"] == 200] == [user_id]
    callbacks = [r for r in access if r["route"].endswith("thirdPaymentWxPayCallback")]
    assert callbacks and callbacks[0]["status"] == 200
    # Standard-library records (uvicorn's) come through the same JSON renderer.
    assert any(r.get("logger", "").startswith("uvicorn") for r in records)

    # The batched spans were exported over OTLP/HTTP when the process stopped, if not before.
    assert collector.posts and all(path == "/v1/traces" for path, _ in collector.posts)
