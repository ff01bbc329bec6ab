"""Admin callers for HTTP suites of services with `/admin/v1` routes: a stand-in admin client
(the managers the guard's check looks up) and tokens for each role."""

from __future__ import annotations

from yys.contracts.admin import AdminRole, ManagerView
from yys.kit.auth.tokens import TokenService
from yys.kit.http.admin import issue_admin_token

# id → (username, role); ids are stable so cached manager lookups stay valid across requests.
MANAGERS = {1: ("root", AdminRole.SUPERADMIN), 2: ("ops", AdminRole.OPERATOR),
            3: ("eyes", AdminRole.VIEWER), 4: ("gone", AdminRole.OPERATOR)}
DISABLED = {4}


class FakeAdminClient:
    """Answers `get_manager` like the admin service would."""

    async def get_manager(self, manager_id: int) -> ManagerView | None:
        if manager_id not in MANAGERS:
            return None
        name, role = MANAGERS[manager_id]
        return ManagerView(id=manager_id, username=name, role=role.label,
                           disabled=manager_id in DISABLED)


def admin_headers(tokens: TokenService, manager_id: int) -> dict[str, str]:
    name, role = MANAGERS[manager_id]
    token, _ = issue_admin_token(tokens, manager_id=manager_id, username=name, role=role)
    return {"Authorization": f"Bearer {token}"}


def role_headers(tokens: TokenService) -> dict[str, dict[str, str]]:
    """Headers per role name: superadmin, operator, viewer, and a disabled operator."""
    return {"superadmin": admin_headers(tokens, 1), "operator": admin_headers(tokens, 2),
            "viewer": admin_headers(tokens, 3), "disabled": admin_headers(tokens, 4)}
