"""The in-process binding of `yys.clients.admin.AdminClient`."""

from __future__ import annotations

from yys.contracts.admin import ManagerView
from yys.services.admin.service import ManagerService


class LocalAdminClient:
    def __init__(self, managers: ManagerService) -> None:
        self._managers = managers

    async def get_manager(self, manager_id: int) -> ManagerView | None:
        return await self._managers.view(manager_id)
