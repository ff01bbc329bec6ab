"""The admin API (`/admin/v1`) as the console uses it: typed results over the web's `ApiClient`.

Records stay JSON objects (dicts with the API's camelCase names) because the pages show them
field by field as the API sends them; the shapes the console computes with are Structs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from yys.services.web.api_client import ApiClient, forwarded_for

ADMIN = "/admin/v1"
Record = dict[str, Any]


class Me(msgspec.Struct, rename="camel", kw_only=True):
    id: int
    username: str
    role: str  # superadmin | operator | viewer
    disabled: bool = False

    @property
    def can_write(self) -> bool:
        return self.role in ("operator", "superadmin")

    @property
    def is_superadmin(self) -> bool:
        return self.role == "superadmin"


class Token(msgspec.Struct, rename="camel", kw_only=True):
    access_token: str
    access_expire: int


class Page(msgspec.Struct, kw_only=True):
    total: int
    items: list[Record] = msgspec.field(name="list")


class Day(msgspec.Struct, rename="camel", kw_only=True):
    date: str
    orders: int
    paid_orders: int
    revenue: float


class StateCount(msgspec.Struct, rename="camel", kw_only=True):
    trade_state: int
    count: int


class Stats(msgspec.Struct, rename="camel", kw_only=True):
    from_: int = msgspec.field(name="from")
    to: int
    time_zone: str
    days: list[Day]
    by_trade_state: list[StateCount]
    total_orders: int
    total_paid_orders: int
    total_revenue: float


def query(params: Mapping[str, str | int | None]) -> dict[str, str | int]:
    """Query parameters without the empty ones (an empty filter means "any")."""
    return {k: v for k, v in params.items() if v is not None and v != ""}


class Backoffice:
    """One manager's view of the admin API: every call carries their token."""

    def __init__(self, api: ApiClient, token: str) -> None:
        self._api = api
        self._token = token

    @staticmethod
    async def login(api: ApiClient, *, username: str, password: str, client: str) -> Token:
        # `client`: the operator's address, so the admin API's per-client budget is theirs.
        body = await api.post(f"{ADMIN}/auth/login", {"username": username, "password": password},
                              headers=forwarded_for(client))
        return msgspec.convert(body, Token)

    async def me(self) -> Me:
        return msgspec.convert(await self._api.get(f"{ADMIN}/me", token=self._token), Me)

    async def stats(self, *, start: str | None, end: str | None) -> Stats:
        body = await self._api.get(f"{ADMIN}/stats", token=self._token,
                                   params=query({"from": start, "to": end}))
        return msgspec.convert(body, Stats)

    async def page(self, collection: str, params: Mapping[str, str | int | None]) -> Page:
        body = await self._api.get(f"{ADMIN}/{collection}", token=self._token, params=query(params))
        return msgspec.convert(body, Page)

    async def get(self, path: str) -> Record:
        found: Record = await self._api.get(f"{ADMIN}/{path}", token=self._token)
        return found

    async def post(self, path: str, body: Mapping[str, Any] | None = None) -> Record:
        done: Record = await self._api.post(f"{ADMIN}/{path}", dict(body or {}), token=self._token)
        return done

    async def patch(self, path: str, body: Mapping[str, Any]) -> Record:
        done: Record = await self._api.patch(f"{ADMIN}/{path}", dict(body), token=self._token)
        return done

    async def delete(self, path: str, *, version: int | None = None) -> None:
        suffix = f"?version={version}" if version is not None else ""
        await self._api.delete(f"{ADMIN}/{path}{suffix}", token=self._token)
