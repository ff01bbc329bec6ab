"""The harness reads wrk's numbers from the JSON line its Lua `done()` hook prints (no server)."""

from __future__ import annotations

import pytest
from bench.wrk import PERCENTILES, WrkError, lua_script, parse_wrk_output

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:41234/travel/v1/homestay/homestayDetail
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.21ms  310.55us   9.87ms   88.10%
  52345 requests in 10.00s, 40.12MB read
  Non-2xx or 3xx responses: 3
Requests/sec:   5234.10
WRK_JSON {"duration_us":10001234,"requests":52345,"bytes":42069000,\
"errors":{"connect":0,"read":1,"write":0,"status":3,"timeout":2},\
"late_sends":7,"max_lateness_ms":1.250,\
"latency_us":{"p50":1180,"p75":1302,"p90":1499,"p99":2410,"p99.9":6001,\
"min":201,"max":9870,"mean":1210.4,"stdev":310.6}}
"""


def test_parses_counters_and_percentiles_in_milliseconds() -> None:
    r = parse_wrk_output(WRK_OUTPUT, target_rate=5000)

    assert r.requests == 52345
    assert r.duration_s == pytest.approx(10.001234)
    assert r.rps == pytest.approx(52345 / 10.001234)
    assert r.latency_ms["p50"] == 1.18
    assert r.latency_ms["p99"] == 2.41
    assert r.latency_ms["p99.9"] == 6.001
    assert r.latency_ms["max"] == 9.87
    assert r.http_errors == 3
    assert r.socket_errors == 3  # read 1 + timeout 2
    assert (r.late_sends, r.max_lateness_ms) == (7, 1.25)


def test_json_view_adds_rate_and_achieved_fraction() -> None:
    data = parse_wrk_output(WRK_OUTPUT, target_rate=5000).to_json()

    assert data["rps"] == pytest.approx(5233.9, abs=0.1)
    assert data["achieved_fraction_of_target"] == pytest.approx(1.0469, abs=1e-4)
    assert data["socket_errors"] == 3


def test_the_last_result_line_wins_and_missing_one_is_an_error() -> None:
    twice = WRK_OUTPUT + WRK_OUTPUT.splitlines()[-1].replace('"requests":52345', '"requests":1')
    assert parse_wrk_output(twice).requests == 1
    with pytest.raises(WrkError):
        parse_wrk_output("Running 10s test\nsocket error\n")
    with pytest.raises(WrkError):
        parse_wrk_output("WRK_JSON {not json\n")


def test_generated_script_prints_the_line_the_parser_reads() -> None:
    script = lua_script(method="POST", path="/x", bodies=['{"id":1}', '{"id":2}'], rate=100)

    assert "WRK_JSON " in script and "function done(summary, latency, requests_)" in script
    assert "function delay()" in script and "local RATE = 100.0" in script
    assert '"{\\"id\\":2}"' in script  # bodies are Lua string literals
    for p in PERCENTILES:
        assert f"{p:g}" in script
