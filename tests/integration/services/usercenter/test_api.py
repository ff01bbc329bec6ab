"""The usercenter HTTP API end to end, in one process on a temporary data dir (SQLite)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from litestar.testing import AsyncTestClient

from yys.kit.auth.tokens import ADMIN_AUDIENCE
from yys.kit.hosting import Platform
from yys.kit.settings import Settings
from yys.runtime.app import Process, build_process, create_app
from yys.runtime.platform import build_platform
from yys.services.usercenter.directory import UserDirectory, snapshot_cache
from yys.services.usercenter.wx import SandboxWxMiniProvider

BASE = "/usercenter/v1"
MOBILE = "13800000001"
PASSWORD = "password123"
Client = AsyncTestClient[Any]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, login_rate_per_mobile=3, login_rate_per_client=100,
                    password_hash_time_cost=1, password_hash_memory_kib=1024,
                    request_max_body_bytes=4096, wx_appid="wx-test-app")


@pytest.fixture
def process(settings: Settings) -> Process:
    return build_process(build_platform(settings), ["usercenter"])


@pytest.fixture
async def client(process: Process) -> AsyncIterator[Client]:
    async with AsyncTestClient(create_app(process, migrate_on_start=True)) as test_client:
        yield test_client


@pytest.fixture
def platform(process: Process) -> Platform:
    return process.platform


async def _register(client: Client, mobile: str = MOBILE, password: str = PASSWORD) -> Any:
    return await client.post(f"{BASE}/user/register", json={"mobile": mobile, "password": password})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _assert_error(resp: Any, status: int, code: int | None = None) -> None:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"code", "msg"}
    assert isinstance(body["msg"], str)
    assert body["msg"]
    if code is not None:
        assert body["code"] == code


async def test_register_login_detail(client: Client) -> None:
    registered = await _register(client)
    assert registered.status_code == 200
    body = registered.json()
    assert set(body) == {"accessToken", "accessExpire", "refreshAfter"}
    login = await client.post(f"{BASE}/user/login", json={"mobile": MOBILE, "password": PASSWORD})
    assert login.status_code == 200
    detail = await client.post(f"{BASE}/user/detail", headers=_bearer(login.json()["accessToken"]))
    assert detail.status_code == 200
    info = detail.json()["userInfo"]
    assert set(info) == {"id", "mobile", "nickname", "sex", "avatar", "info"}
    assert info["mobile"] == MOBILE
    assert info["nickname"] == "用户0001"


async def test_register_taken_mobile_is_409(client: Client) -> None:
    assert (await _register(client)).status_code == 200
    _assert_error(await _register(client), 409, 200001)


async def test_concurrent_registers_of_one_mobile(client: Client) -> None:
    results = await asyncio.gather(_register(client), _register(client))
    assert sorted(r.status_code for r in results) == [200, 409]


@pytest.mark.parametrize(("mobile", "password"), [("12345", PASSWORD), (MOBILE, "short")])
async def test_register_validation(client: Client, mobile: str, password: str) -> None:
    _assert_error(await _register(client, mobile, password), 400)


async def test_wrong_password_and_unknown_mobile_are_the_same_401(client: Client) -> None:
    await _register(client)
    wrong = await client.post(f"{BASE}/user/login", json={"mobile": MOBILE, "password": "wrong-pw"})
    unknown = await client.post(f"{BASE}/user/login",
                                json={"mobile": "13800000002", "password": PASSWORD})
    _assert_error(wrong, 401, 200002)
    _assert_error(unknown, 401, 200002)
    assert wrong.json() == unknown.json()


async def test_login_rate_limit_429(client: Client) -> None:
    await _register(client)
    for _ in range(3):
        resp = await client.post(f"{BASE}/user/login",
                                 json={"mobile": MOBILE, "password": "wrong-pw"})
        assert resp.status_code == 401
    limited = await client.post(f"{BASE}/user/login", json={"mobile": MOBILE, "password": PASSWORD})
    _assert_error(limited, 429, 200004)
    assert 1 <= int(limited.headers["Retry-After"]) <= 60


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"},
])
async def test_detail_needs_a_valid_token(client: Client, headers: dict[str, str]) -> None:
    _assert_error(await client.post(f"{BASE}/user/detail", headers=headers), 401, 100003)


async def test_admin_token_is_not_a_user_token(client: Client, platform: Platform) -> None:
    await _register(client)
    admin = platform.tokens.issue(1, audience=ADMIN_AUDIENCE)
    _assert_error(await client.post(f"{BASE}/user/detail", headers=_bearer(admin.access_token)),
                  401)


async def test_tokens_of_disabled_or_missing_users_are_rejected(client: Client,
                                                                platform: Platform) -> None:
    token = (await _register(client)).json()["accessToken"]
    assert (await client.post(f"{BASE}/user/detail", headers=_bearer(token))).status_code == 200
    # The admin side will disable users through the same directory (same cache keys).
    directory = UserDirectory(platform.database("usercenter"),
                              snapshot_cache(platform.cache, platform.settings))
    async with directory.writing() as repo:
        await repo.set_disabled(1, disabled=True)
    _assert_error(await client.post(f"{BASE}/user/detail", headers=_bearer(token)), 401)
    _assert_error(await client.post(f"{BASE}/user/login",
                                    json={"mobile": MOBILE, "password": PASSWORD}), 403, 200003)
    ghost = platform.tokens.issue(999).access_token
    _assert_error(await client.post(f"{BASE}/user/detail", headers=_bearer(ghost)), 401)


@pytest.mark.parametrize("body", [
    b"{not json", b"[]", b'{"mobile": 13800000001, "password": "password123"}',
    b'{"mobile": "13800000001"}', b"", b'{"mobile": null, "password": "password123"}',
])
async def test_bad_bodies_are_400(client: Client, body: bytes) -> None:
    resp = await client.post(f"{BASE}/user/register", content=body,
                             headers={"Content-Type": "application/json"})
    _assert_error(resp, 400, 100002)
    assert "Traceback" not in resp.text


async def test_oversized_body_is_413(client: Client) -> None:
    body = b'{"mobile": "13800000001", "password": "' + b"x" * 10_000 + b'"}'
    resp = await client.post(f"{BASE}/user/register", content=body,
                             headers={"Content-Type": "application/json"})
    _assert_error(resp, 413)


async def test_jwks_verifies_issued_tokens(client: Client) -> None:
    token = (await _register(client)).json()["accessToken"]
    resp = await client.get(f"{BASE}/.well-known/jwks.json")
    assert resp.status_code == 200
    assert "max-age" in resp.headers["Cache-Control"]
    key = jwt.PyJWK(resp.json()["keys"][0])
    claims = jwt.decode(token, key.key, algorithms=["ES256"], audience="yys-user")
    assert claims["sub"] == "1"


async def test_wx_mini_auth_sandbox_flow(client: Client, settings: Settings) -> None:
    wx = SandboxWxMiniProvider(appid=settings.wx_appid)
    iv, data = wx.make_encrypted_data("wx-user-1", phone_number="13700000001", nickname="小程序用户")
    payload = {"code": "wx-user-1", "iv": iv, "encryptedData": data}
    first = await client.post(f"{BASE}/user/wxMiniAuth", json=payload)
    assert first.status_code == 200, first.text
    again = await client.post(f"{BASE}/user/wxMiniAuth", json=payload)
    assert again.status_code == 200
    for resp in (first, again):
        detail = await client.post(f"{BASE}/user/detail",
                                   headers=_bearer(resp.json()["accessToken"]))
        assert detail.json()["userInfo"]["mobile"] == "13700000001"
        assert detail.json()["userInfo"]["nickname"] == "小程序用户"
    # No password was set: password login of that mobile is impossible.
    _assert_error(await client.post(f"{BASE}/user/login",
                                    json={"mobile": "13700000001", "password": "anything1"}), 401)


async def test_wx_mini_auth_binds_registered_mobile(client: Client, settings: Settings) -> None:
    await _register(client)
    wx = SandboxWxMiniProvider(appid=settings.wx_appid)
    iv, data = wx.make_encrypted_data("wx-user-2", phone_number=MOBILE)
    resp = await client.post(f"{BASE}/user/wxMiniAuth",
                             json={"code": "wx-user-2", "iv": iv, "encryptedData": data})
    detail = await client.post(f"{BASE}/user/detail", headers=_bearer(resp.json()["accessToken"]))
    assert detail.json()["userInfo"]["id"] == 1


async def test_wx_mini_auth_failures(client: Client, settings: Settings) -> None:
    wx = SandboxWxMiniProvider(appid=settings.wx_appid)
    iv, data = wx.make_encrypted_data("c", phone_number="13700000001")
    raw = bytearray(base64.b64decode(data))
    raw[0] ^= 1
    tampered = base64.b64encode(bytes(raw)).decode()
    _assert_error(await client.post(f"{BASE}/user/wxMiniAuth",
                                    json={"code": "c", "iv": iv, "encryptedData": tampered}), 400,
                  200007)
    foreign_iv, foreign = wx.make_encrypted_data("c", phone_number="13700000001", appid="wx-x")
    _assert_error(await client.post(f"{BASE}/user/wxMiniAuth",
                                    json={"code": "c", "iv": foreign_iv, "encryptedData": foreign}),
                  401, 200006)
    _assert_error(await client.post(f"{BASE}/user/wxMiniAuth",
                                    json={"code": "invalid-x", "iv": iv, "encryptedData": data}),
                  401, 200006)
    _assert_error(await client.post(f"{BASE}/user/wxMiniAuth", json={"code": "c"}), 400, 100002)


async def test_local_client_is_bound(client: Client, process: Process) -> None:
    await _register(client)
    profiles = await process.clients.usercenter.get_profiles([1, 2])
    assert list(profiles) == [1]
    assert profiles[1].nickname == "用户0001"


async def test_openapi_lists_usercenter_routes(client: Client) -> None:
    resp = await client.get("/docs/openapi.json")
    assert resp.status_code == 200
    paths = resp.json()["paths"]
    assert f"{BASE}/user/register" in paths
    assert f"{BASE}/user/wxMiniAuth" in paths
