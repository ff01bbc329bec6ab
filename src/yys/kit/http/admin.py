"""Admin authentication for every service's `/admin/v1` routes.

Admin tokens are ES256 JWTs with the admin audience (a user token never passes, and vice versa)
carrying the manager's id, username and role. The token alone is not trusted for its whole
lifetime: `check` (wired to the admin service's client, cached briefly) rejects managers that
were deleted, disabled or demoted since the token was issued.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import msgspec
from litestar import Request
from litestar.di import Provide

from yys.contracts.admin import AdminRole, ManagerView
from yys.kit.auth.tokens import ADMIN_AUDIENCE, TokenService, bearer_token
from yys.kit.cache import CacheAside, CacheBackend, CacheUnavailableError
from yys.kit.errors import Forbidden, Unauthorized
from yys.kit.hosting import Platform


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


# --- the manager's current state, checked on every request ------------------------------------

MANAGER_CACHE_NAME = "admin-manager"
ManagerLookup = Callable[[int], Awaitable[ManagerView | None]]


class _ManagerSource(Protocol):
    async def get_manager(self, manager_id: int) -> ManagerView | None: ...


class _HasAdminClient(Protocol):
    """What `admin_guards` needs of `yys.clients.Clients` (kit may not import clients)."""

    @property
    def admin(self) -> _ManagerSource: ...


def manager_cache_key(manager_id: int) -> str:
    """The cache backend key of one manager's state (what `invalidate_manager` deletes)."""
    return f"{MANAGER_CACHE_NAME}:{manager_id}"


async def invalidate_manager(cache: CacheBackend, manager_id: int) -> None:
    """Drop a manager's cached state after a write. With a shared cache (Redis) every process
    sees the change at once; with per-process caches the TTL bounds how long a stale role lives."""
    try:
        await cache.delete(manager_cache_key(manager_id))
    except CacheUnavailableError:
        pass


def _encode_view(view: ManagerView) -> bytes:
    return msgspec.json.encode(view)


def _decode_view(raw: bytes) -> ManagerView:
    return msgspec.json.decode(raw, type=ManagerView)


def manager_check(lookup: ManagerLookup, cache: CacheBackend, *, ttl: float = 10.0) -> PrincipalCheck:
    """A `PrincipalCheck` returning the manager with their current role and name. Deleted or
    disabled managers, and tokens whose username no longer matches the id, are 401. Lookups are
    cached per manager for `ttl` seconds (no jitter, so `ttl` is the bound on staleness)."""
    aside: CacheAside[ManagerView] = CacheAside(
        cache, name=MANAGER_CACHE_NAME, encode=_encode_view, decode=_decode_view,
        ttl=ttl, negative_ttl=ttl, jitter=0.0)

    async def check(principal: AdminPrincipal) -> AdminPrincipal:
        view = await aside.get(str(principal.id), lambda: lookup(principal.id))
        # The username guards against a reused id: the token was issued to someone else.
        if view is None or view.disabled or view.username != principal.username:
            raise Unauthorized()
        try:
            role = AdminRole.parse(view.role)
        except KeyError as exc:
            raise Unauthorized() from exc
        return AdminPrincipal(view.id, view.username, role)

    return check


def admin_guards(platform: Platform, clients: _HasAdminClient, *,
                 ttl: float = 10.0) -> tuple[Provide, Provide, Provide]:
    """(reader, writer, superadmin) dependencies, wired the same way in every service: any admin
    role may read, operators and superadmins may write, managers are superadmin-only.

    The lookup goes through `clients.admin` at call time, so it works in-process and over gRPC."""

    async def lookup(manager_id: int) -> ManagerView | None:
        # Resolved per call, not at wiring time: the admin client may be bound later.
        return await clients.admin.get_manager(manager_id)

    check = manager_check(lookup, platform.cache, ttl=ttl)
    tokens = platform.admin_tokens
    return (provide_admin(tokens, check=check, min_role=AdminRole.VIEWER),
            provide_admin(tokens, check=check, min_role=AdminRole.OPERATOR),
            provide_admin(tokens, check=check, min_role=AdminRole.SUPERADMIN))
