"""Admin authentication for every service's `/admin/v1` routes.

Admin tokens are ES256 JWTs with the admin audience (a user token never passes, and vice versa)
carrying the manager's id, username and role. The token alone is not trusted for its whole
lifetime: `check` (wired to the admin service's client, cached briefly) rejects managers that
were deleted, disabled or demoted since the token was issued.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.di import Provide

from yys.contracts.admin import AdminRole
from yys.kit.auth.tokens import ADMIN_AUDIENCE, TokenService, bearer_token
from yys.kit.errors import Forbidden, Unauthorized


@dataclass(frozen=True, slots=True)
class AdminPrincipal:
    id: int
    username: str
    role: AdminRole

    def require(self, role: AdminRole) -> None:
        if self.role < role:
            raise Forbidden(f"requires the {role.label} role")


PrincipalCheck = Callable[[AdminPrincipal], Awaitable[AdminPrincipal]]


def principal_from(tokens: TokenService, authorization: str | None) -> AdminPrincipal:
    claims = tokens.verify(bearer_token(authorization), audience=ADMIN_AUDIENCE)
    try:
        role = AdminRole.parse(str(claims.extra["role"]))
        username = str(claims.extra["username"])
    except (KeyError, ValueError) as exc:
        raise Unauthorized() from exc
    return AdminPrincipal(claims.subject, username, role)


def provide_admin(tokens: TokenService, *, check: PrincipalCheck | None = None,
                  min_role: AdminRole = AdminRole.VIEWER) -> Provide:
    """A dependency yielding the calling manager (401 without a valid admin token, 403 below
    `min_role`). `check` returns the manager's current state (role changes apply at once)."""

    async def admin(request: Request[Any, Any, Any]) -> AdminPrincipal:
        principal = principal_from(tokens, request.headers.get("authorization"))
        if check is not None:
            principal = await check(principal)
        principal.require(min_role)
        return principal

    return Provide(admin)


def issue_admin_token(tokens: TokenService, *, manager_id: int, username: str,
                      role: AdminRole) -> tuple[str, int]:
    issued = tokens.issue(manager_id, audience=ADMIN_AUDIENCE,
                          extra={"role": role.label, "username": username})
    return issued.access_token, issued.access_expire
