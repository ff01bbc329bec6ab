from __future__ import annotations

import json
import time
from pathlib import Path

import jwt
import pytest

from yys.kit.auth.keys import SigningKey, generate_private_key_pem, load_or_create_pem
from yys.kit.auth.tokens import ADMIN_AUDIENCE, USER_AUDIENCE, TokenService, bearer_token
from yys.kit.errors import Unauthorized


def _service(key: SigningKey | None = None, *, issuer: str = "yys") -> TokenService:
    return TokenService(key or SigningKey(generate_private_key_pem()), issuer=issuer,
                        ttl_seconds=3600, refresh_after_seconds=600)


@pytest.fixture
def tokens() -> TokenService:
    return _service()


def test_round_trip(tokens: TokenService) -> None:
    now = time.time()
    issued = tokens.issue(42, now=now, extra={"role": "guest"})
    claims = tokens.verify(issued.access_token)
    assert claims.subject == 42
    assert claims.audience == USER_AUDIENCE
    assert claims.expires_at == issued.access_expire == int(now) + 3600
    assert issued.refresh_after == int(now) + 600
    assert claims.extra == {"role": "guest"}


def test_token_ids_are_unique(tokens: TokenService) -> None:
    assert tokens.issue(1).access_token != tokens.issue(1).access_token


def test_expired(tokens: TokenService) -> None:
    issued = tokens.issue(42, now=time.time() - 7200)
    with pytest.raises(Unauthorized):
        tokens.verify(issued.access_token)


def test_user_token_is_not_an_admin_token_and_back(tokens: TokenService) -> None:
    with pytest.raises(Unauthorized):
        tokens.verify(tokens.issue(1).access_token, audience=ADMIN_AUDIENCE)
    admin = tokens.issue(1, audience=ADMIN_AUDIENCE)
    assert tokens.verify(admin.access_token, audience=ADMIN_AUDIENCE).subject == 1
    with pytest.raises(Unauthorized):
        tokens.verify(admin.access_token)


def test_tampered_payload(tokens: TokenService) -> None:
    header, payload, signature = tokens.issue(1).access_token.split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims["sub"] = "2"
    forged = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    with pytest.raises(Unauthorized):
        tokens.verify(f"{header}.{forged}.{signature}")


def test_token_signed_by_another_key(tokens: TokenService) -> None:
    with pytest.raises(Unauthorized):
        tokens.verify(_service().issue(1).access_token)


def test_other_issuer(tokens: TokenService) -> None:
    key = SigningKey(generate_private_key_pem())
    with pytest.raises(Unauthorized):
        _service(key).verify(_service(key, issuer="evil").issue(1).access_token)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c"])
def test_garbage(tokens: TokenService, token: str) -> None:
    with pytest.raises(Unauthorized):
        tokens.verify(token)


def test_alg_none_is_refused(tokens: TokenService) -> None:
    unsigned = jwt.encode({"sub": "1", "iss": "yys", "aud": USER_AUDIENCE, "iat": int(time.time()),
                           "exp": int(time.time()) + 60}, key=None, algorithm="none")
    with pytest.raises(Unauthorized):
        tokens.verify(unsigned)


def test_jwks_verifies_a_token_with_pyjwk(tokens: TokenService) -> None:
    jwks = tokens.jwks()
    assert len(jwks["keys"]) == 1
    jwk = jwt.PyJWK(jwks["keys"][0])
    issued = tokens.issue(7)
    kid = jwt.get_unverified_header(issued.access_token)["kid"]
    assert kid == jwk.key_id
    payload = jwt.decode(issued.access_token, jwk.key, algorithms=["ES256"],
                         audience=USER_AUDIENCE, issuer="yys")
    assert payload["sub"] == "7"
    assert "d" not in jwks["keys"][0]  # never the private part


def test_key_file_is_created_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "jwt.pem"
    pem = load_or_create_pem(path)
    assert load_or_create_pem(path) == pem
    assert path.stat().st_mode & 0o777 == 0o600
    assert SigningKey(pem).kid == SigningKey(pem).kid


@pytest.mark.parametrize(("header", "token"), [
    ("Bearer abc", "abc"), ("bearer  abc ", "abc"),
])
def test_bearer_token(header: str, token: str) -> None:
    assert bearer_token(header) == token


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic abc", "abc"])
def test_bearer_token_missing(header: str | None) -> None:
    with pytest.raises(Unauthorized):
        bearer_token(header)


def test_a_cached_verification_still_honours_expiry() -> None:
    import time as _time

    from yys.kit.auth.keys import SigningKey, generate_private_key_pem
    from yys.kit.auth.tokens import TokenService
    from yys.kit.errors import Unauthorized

    service = TokenService(SigningKey(generate_private_key_pem()), issuer="yys", ttl_seconds=60,
                           refresh_after_seconds=30)
    token = service.issue(9, now=_time.time() - 59).access_token  # one second left
    assert service.verify(token).subject == 9
    assert service.verify(token).subject == 9  # served from the cache
    _time.sleep(1.2)
    with pytest.raises(Unauthorized):
        service.verify(token)
    with pytest.raises(Unauthorized):
        service.verify(token, audience="yys-admin")  # the cache is per audience too
