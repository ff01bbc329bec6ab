"""A tiny JSON client over urllib (no proxies), enough to drive the public API."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]


def call(base_url: str, path: str, payload: Any = None, *, token: str | None = None,
         raw: bytes | None = None, method: str = "POST", headers: dict[str, str] | None = None
         ) -> Reply:
    data = raw if raw is not None else (json.dumps(payload).encode() if payload is not None else b"")
    req = urllib.request.Request(base_url + path, data=data if method != "GET" else None,
                                 method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with _OPENER.open(req, timeout=15) as resp:
            status, body, hdrs = resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        with exc:
            status, body, hdrs = exc.code, exc.read(), dict(exc.headers)
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        parsed = body.decode(errors="replace")
    return Reply(status, parsed, {k.lower(): v for k, v in hdrs.items()})
