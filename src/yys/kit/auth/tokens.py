"""JWT issue/verify. The audience separates user tokens from admin tokens."""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import jwt

from yys.kit.auth.keys import SigningKey
from yys.kit.errors import Unauthorized

USER_AUDIENCE = "yys-user"
ADMIN_AUDIENCE = "yys-admin"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    access_expire: int
    refresh_after: int


@dataclass(frozen=True, slots=True)
class Claims:
    subject: int
    audience: str
    issued_at: int
    expires_at: int
    extra: dict[str, Any]


class TokenService:
    def __init__(self, key: SigningKey, *, issuer: str, ttl_seconds: int,
                 refresh_after_seconds: int, verified_cache_size: int = 10_000) -> None:
        self._key = key
        self._issuer = issuer
        self._ttl = ttl_seconds
        self._refresh_after = refresh_after_seconds
        # An ES256 verification costs ~0.1 ms of CPU; the same token arrives many times. Only
        # tokens that verified are kept, and expiry is re-checked on every hit.
        self._verified: OrderedDict[tuple[str, str], Claims] = OrderedDict()
        self._verified_max = verified_cache_size

    def issue(self, subject: int, *, audience: str = USER_AUDIENCE, now: float | None = None,
              extra: dict[str, Any] | None = None) -> IssuedToken:
        issued = int(now if now is not None else time.time())
        payload: dict[str, Any] = {
            "sub": str(subject),
            "iss": self._issuer,
            "aud": audience,
            "iat": issued,
            "exp": issued + self._ttl,
            "jti": uuid.uuid4().hex,
            **(extra or {}),
        }
        token = jwt.encode(payload, self._key.private_key, algorithm="ES256",
                           headers={"kid": self._key.kid})
        return IssuedToken(token, issued + self._ttl, issued + self._refresh_after)

    def verify(self, token: str, *, audience: str = USER_AUDIENCE) -> Claims:
        cached = self._verified.get((audience, token))
        if cached is not None:
            if cached.expires_at > time.time():
                return cached
            del self._verified[(audience, token)]
        claims = self._verify(token, audience)
        self._verified[(audience, token)] = claims
        if len(self._verified) > self._verified_max:
            self._verified.popitem(last=False)
        return claims

    def _verify(self, token: str, audience: str) -> Claims:
        try:
            payload = jwt.decode(
                token,
                self._key.public_key,
                algorithms=["ES256"],
                audience=audience,
                issuer=self._issuer,
                options={"require": ["sub", "exp", "iat", "aud", "iss"]},
            )
            subject = int(payload["sub"])
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise Unauthorized() from exc
        known = {"sub", "iss", "aud", "iat", "exp", "jti"}
        return Claims(subject, audience, int(payload["iat"]), int(payload["exp"]),
                      {k: v for k, v in payload.items() if k not in known})

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self._key.jwk()]}


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized()
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized()
    return token.strip()
