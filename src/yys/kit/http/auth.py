"""Bearer-token guards as Litestar dependencies, so handlers just declare `user_id: int`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.di import Provide

from yys.kit.auth.tokens import USER_AUDIENCE, Claims, TokenService, bearer_token
from yys.kit.errors import Unauthorized
from yys.kit.observability.logging import set_user_id

ClaimsCheck = Callable[[Claims], Awaitable[None]]


def provide_user_id(tokens: TokenService, *, check: ClaimsCheck | None = None,
                    audience: str = USER_AUDIENCE) -> Provide:
    """`check` lets a service reject otherwise valid tokens (e.g. a disabled account)."""

    async def user_id(request: Request[Any, Any, Any]) -> int:
        claims = tokens.verify(bearer_token(request.headers.get("authorization")),
                               audience=audience)
        if check is not None:
            await check(claims)
        set_user_id(claims.subject)  # on this request's log lines from here on
        return claims.subject

    return Provide(user_id)


ProfileLookup = Callable[[int], Awaitable[Any]]


def active_user_check(lookup: ProfileLookup) -> ClaimsCheck:
    """Refuse tokens of users that were deleted or disabled since the token was issued.

    `lookup` is the usercenter client's `get_profile` (cache-aside behind it in-process; one
    short gRPC call when usercenter lives elsewhere), so a disabled account is locked out of
    every service at once, not only usercenter's routes."""

    async def check(claims: Claims) -> None:
        profile = await lookup(claims.subject)
        if profile is None or getattr(profile, "disabled", False):
            raise Unauthorized()

    return check
