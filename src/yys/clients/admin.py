"""The admin client interface used by other services (to honour manager changes at once)."""

from __future__ import annotations

from typing import Protocol

from yys.contracts.admin import ManagerView


class AdminClient(Protocol):
    async def get_manager(self, manager_id: int) -> ManagerView | None:
        """The manager as it is now (role, disabled); None if deleted."""
        ...
