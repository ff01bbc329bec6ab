"""The client's address behind trusted proxies: the key of per-client limits and logs.

The direct peer is the client unless it is a trusted proxy (`YYS_TRUSTED_PROXIES`). Only then is
`X-Forwarded-For` read, right to left, skipping hops that are trusted proxies themselves; the
first untrusted hop is the client. Hops left of it were written by that client and are never
believed. A value that is not an address stops the walk at the trusted hop that forwarded it.

The default trusts loopback only (`127.0.0.1/32,::1/128`): a loopback peer is the split edge's
nginx or the web process calling the API for a guest, both of which set the header from what
they saw. Anything else able to connect over loopback already runs on the host. List the
addresses of a real load balancer or ingress here; an empty value trusts nobody (the header is
ignored and every client is its direct peer).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from litestar import Request

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

FORWARDED_FOR = "x-forwarded-for"
DEFAULT_TRUSTED = "127.0.0.1/32,::1/128"
# Where `create_app` keeps the parsed setting (Litestar app state).
STATE_KEY = "yys_trusted_proxies"
# A proxy chain is a few hops long; a header listing thousands is an attack on the parser.
_MAX_HOPS = 32
UNKNOWN = "unknown"


class TrustedProxies:
    """A set of networks; `addr in trusted` for a parsed address."""

    def __init__(self, networks: Iterable[IPNetwork] = ()) -> None:
        self.networks = tuple(networks)

    @classmethod
    def parse(cls, spec: str) -> TrustedProxies:
        """Comma-separated IPs or CIDRs; a bad entry raises ValueError naming it."""
        networks: list[IPNetwork] = []
        for item in (s.strip() for s in spec.split(",")):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError as exc:
                raise ValueError(f"YYS_TRUSTED_PROXIES: {item!r} is not an IP address or "
                                 "network") from exc
        return cls(networks)

    def __contains__(self, addr: object) -> bool:
        return isinstance(addr, IPAddress) and any(addr in net for net in self.networks)


LOOPBACK = TrustedProxies.parse(DEFAULT_TRUSTED)


def parse_address(text: str) -> IPAddress | None:
    """An address as proxies write it: bare, `[v6]`, `[v6]:port` or `v4:port`; else None."""
    text = text.strip()
    if text.startswith("["):
        text, closed, port = text[1:].partition("]")
        if not closed or (port and not (port[0] == ":" and port[1:].isdigit())):
            return None
    elif text.count(":") == 1:  # v4:port (a bare v6 address has at least two colons)
        text, _, port = text.partition(":")
        if not port.isdigit():
            return None
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    # A dual-stack socket reports v4 clients as ::ffff:a.b.c.d; one client, one budget.
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def resolve_client(peer: str | None, forwarded_for: Iterable[str], trusted: TrustedProxies) -> str:
    """The client of a request from `peer` carrying these `X-Forwarded-For` header values."""
    if not peer:
        return UNKNOWN
    client = parse_address(peer)
    if client is None:
        return peer  # not an IP peer (a unix socket, a test transport): nothing to believe
    if client not in trusted:
        return str(client)
    hops = [h for value in forwarded_for for h in value.split(",")]
    for hop in reversed(hops[-_MAX_HOPS:]):
        addr = parse_address(hop)
        if addr is None:
            break  # garbage from the hop on its right: attribute the request to that hop
        client = addr
        if addr not in trusted:
            break
    return str(client)


def client_address(request: Request[Any, Any, Any]) -> str:
    """The client of a Litestar request (`trusted` from the app state `create_app` fills)."""
    trusted = request.app.state.get(STATE_KEY)
    if not isinstance(trusted, TrustedProxies):
        trusted = LOOPBACK
    peer = request.client.host if request.client else None
    return resolve_client(peer, request.headers.getall(FORWARDED_FOR, []), trusted)
