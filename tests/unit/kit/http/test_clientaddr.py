"""The client behind trusted proxies: spoofing, chains, IPv6, garbage, and the Litestar helper."""

from __future__ import annotations

from typing import Any, cast

import httpx
import pytest
from litestar import Litestar, Request, get
from litestar.datastructures import State

from yys.kit.http.clientaddr import (
    LOOPBACK,
    STATE_KEY,
    TrustedProxies,
    client_address,
    parse_address,
    resolve_client,
)
from yys.kit.settings import Settings

EDGE = TrustedProxies.parse("127.0.0.1/32,::1/128,10.0.0.0/8")


def test_the_default_setting_trusts_loopback_only() -> None:
    trusted = TrustedProxies.parse(Settings().trusted_proxies)
    assert {str(n) for n in trusted.networks} == {"127.0.0.1/32", "::1/128"}
    assert parse_address("127.0.0.1") in trusted and parse_address("::1") in trusted
    assert parse_address("127.0.0.2") not in trusted and parse_address("10.0.0.1") not in trusted


def test_an_untrusted_peer_is_the_client_whatever_it_claims() -> None:
    assert resolve_client("203.0.113.9", ["198.51.100.1"], LOOPBACK) == "203.0.113.9"
    assert resolve_client("203.0.113.9", ["127.0.0.1, 10.1.2.3"], EDGE) == "203.0.113.9"


def test_a_trusted_peer_without_the_header_is_the_client() -> None:
    assert resolve_client("127.0.0.1", [], LOOPBACK) == "127.0.0.1"


def test_the_first_untrusted_hop_from_the_right_is_the_client() -> None:
    # A spoofed left part, the real client appended by an outer proxy, then two trusted hops.
    chain = ["6.6.6.6, 203.0.113.9, 10.0.0.5", "127.0.0.1"]
    assert resolve_client("127.0.0.1", chain, EDGE) == "203.0.113.9"
    # The header split over several lines counts as one list, in order.
    assert resolve_client("127.0.0.1", ["6.6.6.6", "203.0.113.9,10.0.0.5"], EDGE) == "203.0.113.9"


def test_a_chain_of_only_trusted_hops_ends_at_its_leftmost() -> None:
    assert resolve_client("127.0.0.1", ["10.0.0.7, 10.0.0.5"], EDGE) == "10.0.0.7"


def test_ipv6_hops_peers_and_mapped_ipv4() -> None:
    assert resolve_client("::1", ["2001:db8::1"], LOOPBACK) == "2001:db8::1"
    assert resolve_client("::1", ["[2001:db8:0:0::1]:4711"], LOOPBACK) == "2001:db8::1"
    assert resolve_client("::ffff:127.0.0.1", ["203.0.113.9"], LOOPBACK) == "203.0.113.9"
    assert resolve_client("127.0.0.1", ["::ffff:203.0.113.9"], LOOPBACK) == "203.0.113.9"
    assert resolve_client("2001:db8::2", ["203.0.113.9"], LOOPBACK) == "2001:db8::2"


def test_ports_on_ipv4_hops_are_dropped() -> None:
    assert resolve_client("127.0.0.1", ["203.0.113.9:51000"], LOOPBACK) == "203.0.113.9"


@pytest.mark.parametrize("header", ["unknown", "", "  ", "203.0.113.9, not-an-ip", "999.1.1.1",
                                    "1.2.3.4:5:6", "1.2.3.4:http", "203.0.113.9:", "[::1", "[::1]x",
                                    "[::1]:", "203.0.113.9,,", "<script>"])
def test_garbage_stops_at_the_trusted_hop_that_forwarded_it(header: str) -> None:
    assert resolve_client("127.0.0.1", [header], LOOPBACK) == "127.0.0.1"


def test_garbage_left_of_a_real_client_is_never_reached() -> None:
    assert resolve_client("127.0.0.1", ["junk, 203.0.113.9"], LOOPBACK) == "203.0.113.9"


def test_a_peer_that_is_no_ip_is_kept_as_is() -> None:
    assert resolve_client("testclient", ["203.0.113.9"], LOOPBACK) == "testclient"
    assert resolve_client(None, ["203.0.113.9"], LOOPBACK) == "unknown"


def test_an_overlong_chain_is_cut_to_its_last_hops() -> None:
    chain = ", ".join(["203.0.113.9"] + ["10.0.0.1"] * 100)
    # Beyond the hop cap the walk stops at the leftmost hop it read (trusted, so still safe).
    assert resolve_client("127.0.0.1", [chain], EDGE) == "10.0.0.1"


def test_an_empty_setting_trusts_nobody_and_a_bad_one_is_refused() -> None:
    assert resolve_client("127.0.0.1", ["203.0.113.9"], TrustedProxies.parse("")) == "127.0.0.1"
    with pytest.raises(ValueError, match=r"'10\.0\.0\.0/33'"):
        TrustedProxies.parse("127.0.0.1, 10.0.0.0/33")
    assert "1.2.3.4" not in TrustedProxies.parse("1.2.3.0/24")  # a string is no address


@get("/whoami", sync_to_thread=False)
def whoami(request: Request[Any, Any, Any]) -> dict[str, str]:
    return {"client": client_address(request)}


async def test_client_address_reads_the_trusted_set_from_the_app_state() -> None:
    app = Litestar([whoami], state=State({STATE_KEY: TrustedProxies.parse("192.0.2.1")}))

    async def ask(peer: str) -> Any:
        # The peer in the ASGI scope, as uvicorn sets it.
        transport = httpx.ASGITransport(app=cast(Any, app), client=(peer, 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            resp = await client.get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"})
        return resp.json()["client"]

    assert await ask("192.0.2.1") == "203.0.113.9"
    assert await ask("192.0.2.2") == "192.0.2.2"
    assert await ask("127.0.0.1") == "127.0.0.1"  # the app's set replaces the loopback default


async def test_without_the_app_state_loopback_is_trusted() -> None:
    transport = httpx.ASGITransport(app=cast(Any, Litestar([whoami])), client=("127.0.0.1", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        resp = await client.get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    assert resp.json() == {"client": "203.0.113.9"}
