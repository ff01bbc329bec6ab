"""The web service's only way to the platform: a small HTTP client of the public JSON API.

One aiohttp session per process (built on first use, closed at shutdown), a total timeout per
call, and every failure turned into `ApiError(status, code, msg)`: the API's own `{code, msg}`
body when it sent one, a generic message otherwise. Pages render `ApiError.msg` in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp
import msgspec

from yys.kit.errors import SERVER_ERROR, UNAVAILABLE

_decoder = msgspec.json.Decoder()


class ApiError(Exception):
    """A failed API call; `msg` is safe to show (it is the API's own message or a generic one)."""

    def __init__(self, status: int, code: int, msg: str) -> None:
        super().__init__(f"{status} {code} {msg}")
        self.status = status
        self.code = code
        self.msg = msg


class _ErrorBody(msgspec.Struct):
    code: int
    msg: str


def _error_from(status: int, body: bytes) -> ApiError:
    try:
        err = msgspec.json.decode(body, type=_ErrorBody)
    except msgspec.DecodeError:
        # Not the API's contract body (e.g. a proxy's page): say nothing more specific.
        return ApiError(status, SERVER_ERROR, "server error" if status >= 500 else "request failed")
    return ApiError(status, err.code, err.msg)


def forwarded_for(client: str) -> dict[str, str]:
    """Headers naming the guest an API call is made for (their address as this process resolved
    it, `yys.kit.http.clientaddr`): the API's per-client limits then count the guest."""
    return {"X-Forwarded-For": client}


class ApiClient:
    """`call()` returns the decoded JSON body of a 2xx answer or raises `ApiError`."""

    def __init__(self, base_url: str, *, timeout: float = 5.0, max_connections: int = 100) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._limit = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout, connector=aiohttp.TCPConnector(limit=self._limit),
                raise_for_status=False)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def call(self, method: str, path: str, *, json: Any = None, token: str | None = None,
                   params: Mapping[str, str | int] | None = None,
                   headers: Mapping[str, str] | None = None) -> Any:
        sent = {"Accept": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        data = None
        if json is not None:
            data = msgspec.json.encode(json)
            sent["Content-Type"] = "application/json"
        try:
            async with self._open().request(method, self.base_url + path, data=data,
                                            headers=sent, params=params) as resp:
                body = await resp.read()
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ApiError(503, UNAVAILABLE, "service temporarily unavailable") from exc
        if status >= 300:
            raise _error_from(status, body)
        return _decoder.decode(body) if body else {}

    async def post(self, path: str, body: Any = None, *, token: str | None = None,
                   headers: Mapping[str, str] | None = None) -> Any:
        """The public API's style: POST with a JSON body (an empty one counts as `{}`)."""
        return await self.call("POST", path, json={} if body is None else body, token=token,
                               headers=headers)

    async def get(self, path: str, *, token: str | None = None,
                  params: Mapping[str, str | int] | None = None) -> Any:
        return await self.call("GET", path, token=token, params=params)

    async def patch(self, path: str, body: Any, *, token: str | None = None) -> Any:
        return await self.call("PATCH", path, json=body, token=token)

    async def delete(self, path: str, *, token: str | None = None) -> Any:
        return await self.call("DELETE", path, token=token)
