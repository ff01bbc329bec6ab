from __future__ import annotations

import pytest

from tests.unit.services.usercenter.fakes import FakeHasher, FakeLimiter, FakeUserRepository, FakeWx
from yys.kit.auth.keys import SigningKey, generate_private_key_pem
from yys.kit.auth.tokens import TokenService
from yys.services.usercenter.domain import (
    AUTH_SYSTEM,
    AUTH_WX_MINI,
    InvalidMobile,
    InvalidPassword,
    LoginRateLimited,
    MobileTaken,
    UserDisabled,
    UserNotFound,
    WrongCredentials,
    WxAuthFailed,
    WxDataInvalid,
)
from yys.services.usercenter.service import LoginLimits, UsercenterService

CLIENT = "10.0.0.1"


@pytest.fixture
def tokens() -> TokenService:
    return TokenService(SigningKey(generate_private_key_pem()), issuer="test", ttl_seconds=3600,
                        refresh_after_seconds=600)


@pytest.fixture
def hasher() -> FakeHasher:
    return FakeHasher()


@pytest.fixture
def limiter() -> FakeLimiter:
    return FakeLimiter()


@pytest.fixture
def service(tokens: TokenService, hasher: FakeHasher, limiter: FakeLimiter) -> UsercenterService:
    return UsercenterService(hasher=hasher, tokens=tokens, limiter=limiter, wx=FakeWx(),
                             limits=LoginLimits(per_mobile=3, per_client=10, window_seconds=60))


@pytest.fixture
def repo() -> FakeUserRepository:
    return FakeUserRepository()


async def test_register_creates_user_with_system_auth_and_token(
        service: UsercenterService, repo: FakeUserRepository, tokens: TokenService) -> None:
    issued = await service.register(repo=repo, mobile="13800000001", password="password123",
                                    client=CLIENT)
    user = await repo.get_by_mobile("13800000001")
    assert user is not None
    assert tokens.verify(issued.access_token).subject == user.id
    assert user.password_hash == "h:password123"
    assert user.nickname == "用户0001"
    assert repo.auths[(AUTH_SYSTEM, "13800000001")] == user.id
    assert issued.refresh_after < issued.access_expire


async def test_register_rejects_taken_mobile(service: UsercenterService,
                                             repo: FakeUserRepository) -> None:
    await service.register(repo=repo, mobile="13800000001", password="password123", client=CLIENT)
    with pytest.raises(MobileTaken):
        await service.register(repo=repo, mobile="13800000001", password="other-password",
                               client=CLIENT)


@pytest.mark.parametrize(("mobile", "password", "error"), [
    ("23800000001", "password123", InvalidMobile),
    ("1380000000", "password123", InvalidMobile),
    ("13800000001", "short", InvalidPassword),
    ("13800000001", "x" * 65, InvalidPassword),
])
async def test_register_validates_input(service: UsercenterService, repo: FakeUserRepository,
                                        mobile: str, password: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        await service.register(repo=repo, mobile=mobile, password=password, client=CLIENT)
    assert repo.users == {}


async def test_login_round_trip(service: UsercenterService, repo: FakeUserRepository,
                                tokens: TokenService) -> None:
    await service.register(repo=repo, mobile="13800000001", password="password123", client=CLIENT)
    issued = await service.login(repo=repo, mobile="13800000001", password="password123",
                                 client=CLIENT)
    assert tokens.verify(issued.access_token).subject == 1


async def test_login_unknown_mobile_and_wrong_password_look_the_same(
        service: UsercenterService, repo: FakeUserRepository, hasher: FakeHasher) -> None:
    await service.register(repo=repo, mobile="13800000001", password="password123", client=CLIENT)
    with pytest.raises(WrongCredentials) as wrong_password:
        await service.login(repo=repo, mobile="13800000001", password="nope-nope", client=CLIENT)
    before = hasher.verifications
    with pytest.raises(WrongCredentials) as unknown:
        await service.login(repo=repo, mobile="13800000002", password="nope-nope", client=CLIENT)
    assert wrong_password.value.msg == unknown.value.msg
    assert wrong_password.value.code == unknown.value.code
    # The unknown mobile still paid for one hash verification.
    assert hasher.verifications == before + 1


async def test_login_malformed_mobile_is_wrong_credentials(service: UsercenterService,
                                                           repo: FakeUserRepository) -> None:
    with pytest.raises(WrongCredentials):
        await service.login(repo=repo, mobile="abc", password="password123", client=CLIENT)


async def test_login_rejects_oversized_password(service: UsercenterService,
                                                repo: FakeUserRepository) -> None:
    with pytest.raises(InvalidPassword):
        await service.login(repo=repo, mobile="13800000001", password="x" * 1000, client=CLIENT)


async def test_login_of_disabled_user_is_refused(service: UsercenterService,
                                                 repo: FakeUserRepository) -> None:
    await service.register(repo=repo, mobile="13800000001", password="password123", client=CLIENT)
    await repo.set_disabled(1, disabled=True)
    with pytest.raises(UserDisabled):
        await service.login(repo=repo, mobile="13800000001", password="password123", client=CLIENT)


async def test_login_rate_limited_per_mobile(service: UsercenterService,
                                             repo: FakeUserRepository) -> None:
    for _ in range(3):
        with pytest.raises(WrongCredentials):
            await service.login(repo=repo, mobile="13800000001", password="guess-1234",
                                client=CLIENT)
    with pytest.raises(LoginRateLimited) as limited:
        await service.login(repo=repo, mobile="13800000001", password="guess-1234", client=CLIENT)
    assert limited.value.retry_after == 60


async def test_login_rate_limited_per_client(service: UsercenterService, repo: FakeUserRepository,
                                             limiter: FakeLimiter) -> None:
    for n in range(10):
        with pytest.raises(WrongCredentials):
            await service.login(repo=repo, mobile=f"1380000{n:04d}", password="guess-1234",
                                client=CLIENT)
    with pytest.raises(LoginRateLimited):
        await service.login(repo=repo, mobile="13800009999", password="guess-1234", client=CLIENT)
    # Another address is not affected.
    with pytest.raises(WrongCredentials):
        await service.login(repo=repo, mobile="13800009999", password="guess-1234",
                            client="10.0.0.2")


async def test_wx_auth_creates_user_then_logs_in_again(service: UsercenterService,
                                                       repo: FakeUserRepository) -> None:
    await service.wx_mini_auth(repo=repo, code="c1", iv="named", encrypted_data="13700000001",
                               client=CLIENT)
    await service.wx_mini_auth(repo=repo, code="c1", iv="named", encrypted_data="13700000001",
                               client=CLIENT)
    assert len(repo.users) == 1
    user = repo.users[1]
    assert user.nickname == "微信用户"
    assert user.password_hash == ""
    assert repo.auths[(AUTH_WX_MINI, "open-c1")] == 1
    assert repo.auths[(AUTH_SYSTEM, "13700000001")] == 1


async def test_wx_auth_binds_existing_mobile(service: UsercenterService,
                                             repo: FakeUserRepository) -> None:
    await service.register(repo=repo, mobile="13800000001", password="password123", client=CLIENT)
    await service.wx_mini_auth(repo=repo, code="c2", iv="iv", encrypted_data="13800000001",
                               client=CLIENT)
    assert len(repo.users) == 1
    assert repo.auths[(AUTH_WX_MINI, "open-c2")] == 1


async def test_wx_auth_user_without_password_cannot_password_login(
        service: UsercenterService, repo: FakeUserRepository) -> None:
    await service.wx_mini_auth(repo=repo, code="c1", iv="iv", encrypted_data="13700000001",
                               client=CLIENT)
    with pytest.raises(WrongCredentials):
        await service.login(repo=repo, mobile="13700000001", password="h:", client=CLIENT)


@pytest.mark.parametrize("case", [
    ("", "iv", "13700000001", WxAuthFailed),
    ("bad", "iv", "13700000001", WxAuthFailed),
    ("c", "", "13700000001", WxDataInvalid),
    ("c", "iv", "+44 7700 900000", WxDataInvalid),
])
async def test_wx_auth_failures(service: UsercenterService, repo: FakeUserRepository,
                                case: tuple[str, str, str, type[Exception]]) -> None:
    code, iv, data, error = case
    with pytest.raises(error):
        await service.wx_mini_auth(repo=repo, code=code, iv=iv, encrypted_data=data, client=CLIENT)
    assert repo.users == {}


async def test_wx_auth_disabled_user_is_refused(service: UsercenterService,
                                                repo: FakeUserRepository) -> None:
    await service.wx_mini_auth(repo=repo, code="c1", iv="iv", encrypted_data="13700000001",
                               client=CLIENT)
    await repo.set_disabled(1, disabled=True)
    with pytest.raises(UserDisabled):
        await service.wx_mini_auth(repo=repo, code="c1", iv="iv", encrypted_data="13700000001",
                                   client=CLIENT)


async def test_detail(service: UsercenterService, repo: FakeUserRepository) -> None:
    await service.register(repo=repo, mobile="13800000001", password="password123", client=CLIENT)
    user = await service.detail(repo=repo, user_id=1)
    assert user.mobile == "13800000001"
    with pytest.raises(UserNotFound):
        await service.detail(repo=repo, user_id=2)


async def test_wx_identify_needs_no_repository(service: UsercenterService) -> None:
    identity = await service.wx_identify(code="c9", iv="iv", encrypted_data="13700000009",
                                         client=CLIENT)
    assert identity.openid == "open-c9"
    assert identity.phone.pure_phone_number == "13700000009"
