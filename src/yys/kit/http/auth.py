"""Bearer-token guards as Litestar dependencies, so handlers just declare `user_id: int`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.di import Provide

from yys.kit.auth.tokens import USER_AUDIENCE, Claims, TokenService, bearer_token

ClaimsCheck = Callable[[Claims], Awaitable[None]]


def provide_user_id(tokens: TokenService, *, check: ClaimsCheck | None = None,
                    audience: str = USER_AUDIENCE) -> Provide:
    """`check` lets a service reject otherwise valid tokens (e.g. a disabled account)."""

    async def user_id(request: Request[Any, Any, Any]) -> int:
        claims = tokens.verify(bearer_token(request.headers.get("authorization")),
                               audience=audience)
        if check is not None:
            await check(claims)
        return claims.subject

    return Provide(user_id)
