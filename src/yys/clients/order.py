"""The order client interface used by other services."""

from __future__ import annotations

from typing import Protocol

from yys.contracts.trade import OrderView


class OrderClient(Protocol):
    async def get_order(self, sn: str) -> OrderView | None: ...
