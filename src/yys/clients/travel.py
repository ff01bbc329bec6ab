"""The travel client interface used by other services."""

from __future__ import annotations

from typing import Protocol

from yys.contracts.travel import HomestaySnapshot


class TravelClient(Protocol):
    async def get_homestay(self, homestay_id: int) -> HomestaySnapshot | None:
        """The homestay as it is now (on or off shelf); None if it does not exist."""
        ...
