"""Two real `yys serve` processes on one SQLite data dir, calling each other over gRPC.

usercenter runs alone (HTTP port A, gRPC port G); travel runs with
YYS_USERCENTER_GRPC_TARGET=127.0.0.1:G. goodBoss needs profiles from usercenter, so it shows
whether the remote binding works, how travel behaves while usercenter is dead, and whether the
channel comes back by itself once usercenter is restarted (travel is never restarted).

While usercenter is down travel serves goodBoss without names and avatars: that is travel's own
policy (profiles only decorate the page, see `UsercenterProfiles` in travel's wiring). The
transport failure itself reaching the edge as 503 `{"code":100009}` is covered in
tests/contract/test_callee_down.py; here travel's /readyz reports the dead target.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.support.process import YysProcess, http_get, run_yys, yys_command
from tests.support.servers import free_port

pytestmark = pytest.mark.e2e

GOOD_BOSS = "/travel/v1/homestayBussiness/goodBoss"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YYS_")}
    env.update(YYS_DATA_DIR=str(data_dir), YYS_PASSWORD_HASH_TIME_COST="1",
               YYS_PASSWORD_HASH_MEMORY_KIB="1024", YYS_GRPC_DEADLINE_SECONDS="1", **extra)
    return env


def _post(proc: YysProcess, path: str, timeout: float = 10.0) -> tuple[int, Any]:
    request = urllib.request.Request(proc.url(path), data=b"{}", method="POST",
                                     headers={"content-type": "application/json"})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return int(exc.code), json.loads(exc.read())


def _usercenter(data_dir: Path, http_port: int, grpc_port: int) -> Any:
    return run_yys(["serve", "--services", "usercenter", "--port", str(http_port)],
                   _env(data_dir, YYS_GRPC_PORT=str(grpc_port)),
                   ready_url=f"http://127.0.0.1:{http_port}/readyz", timeout=60, inherit_env=False)


def _named(body: Any) -> list[str]:
    return [boss["nickname"] for boss in body["list"] if boss["nickname"]]


def test_travel_calls_usercenter_over_grpc_and_survives_its_restart(tmp_path: Path) -> None:
    env = _env(tmp_path)
    for args in (["migrate", "--services", "usercenter,travel"],
                 ["seed", "--homestays", "8", "--businesses", "3", "--users", "3", "--comments", "1"]):
        subprocess.run([*yys_command(), *args], env=env, check=True, capture_output=True, timeout=90)

    uc_http, uc_grpc, travel_http = free_port(), free_port(), free_port()
    with ExitStack() as stack:
        usercenter = stack.enter_context(_usercenter(tmp_path, uc_http, uc_grpc))
        travel = stack.enter_context(run_yys(
            ["serve", "--services", "travel", "--port", str(travel_http)],
            _env(tmp_path, YYS_GRPC_PORT=str(free_port()),
                 YYS_USERCENTER_GRPC_TARGET=f"127.0.0.1:{uc_grpc}"),
            ready_url=f"http://127.0.0.1:{travel_http}/readyz", timeout=60, inherit_env=False))

        status, body = _post(travel, GOOD_BOSS)
        assert status == 200 and body["list"], body
        assert len(_named(body)) == len(body["list"])  # every boss named, via usercenter
        ready_status, ready = http_get(travel.url("/readyz"))
        assert ready_status == 200 and json.loads(ready)["checks"]["grpc:usercenter"] == "ok"

        usercenter.kill()
        started = time.monotonic()
        status, body = _post(travel, GOOD_BOSS)
        assert time.monotonic() - started < 2.0
        assert status == 200 and body["list"] and _named(body) == [], body
        # travel itself is fine: it stays in rotation and reports the dead callee.
        ready_status, ready = http_get(travel.url("/readyz"))
        assert ready_status == 200
        assert json.loads(ready)["checks"]["grpc:usercenter"].startswith("down")

        travel_pid = travel.pid
        stack.enter_context(_usercenter(tmp_path, uc_http, uc_grpc))
        deadline = time.monotonic() + 10
        while True:
            status, body = _post(travel, GOOD_BOSS)
            if status == 200 and _named(body):
                break
            assert time.monotonic() < deadline, f"travel did not reconnect: {status} {body}"
            time.sleep(0.2)
        assert len(_named(body)) == len(body["list"])
        assert travel.pid == travel_pid and travel.returncode is None
