"""The sandbox produces WeChat-format payloads and decrypts them through the real crypto path."""

from __future__ import annotations

import base64

import pytest

from yys.kit.errors import ErrorKind
from yys.services.usercenter.domain import WxAuthFailed, WxDataInvalid
from yys.services.usercenter.wx import SandboxWxMiniProvider, decrypt_payload, encrypt_payload

APPID = "wx-test-app"


@pytest.fixture
def wx() -> SandboxWxMiniProvider:
    return SandboxWxMiniProvider(appid=APPID, secret="test-secret")


async def test_code_to_session_is_deterministic(wx: SandboxWxMiniProvider) -> None:
    a = await wx.code_to_session("code-a")
    assert a == await wx.code_to_session("code-a")
    assert a.openid != (await wx.code_to_session("code-b")).openid
    assert len(a.openid) == 28
    assert len(base64.b64decode(a.session_key)) == 16
    other = SandboxWxMiniProvider(appid=APPID, secret="another-secret")
    assert (await other.code_to_session("code-a")).openid != a.openid


@pytest.mark.parametrize("code", ["", "invalid-code", "x" * 129])
async def test_rejected_codes(wx: SandboxWxMiniProvider, code: str) -> None:
    with pytest.raises(WxAuthFailed):
        await wx.code_to_session(code)


async def test_valid_payload_decrypts(wx: SandboxWxMiniProvider) -> None:
    iv, data = wx.make_encrypted_data("code-a", phone_number="13700000001", nickname="小明",
                                      avatar="https://example.com/a.png")
    phone = wx.decrypt_phone(await wx.code_to_session("code-a"), iv=iv, encrypted_data=data)
    assert phone.pure_phone_number == "13700000001"
    assert phone.country_code == "86"
    assert phone.nickname == "小明"
    assert phone.avatar == "https://example.com/a.png"


async def test_payload_is_real_aes_cbc(wx: SandboxWxMiniProvider) -> None:
    session = await wx.code_to_session("code-a")
    iv, data = wx.make_encrypted_data("code-a", phone_number="13700000001")
    payload = decrypt_payload(session_key=session.session_key, iv=iv, encrypted_data=data)
    assert payload["watermark"]["appid"] == APPID
    assert len(base64.b64decode(data)) % 16 == 0
    again = encrypt_payload(payload, session_key=session.session_key, iv=iv)
    assert decrypt_payload(session_key=session.session_key, iv=iv, encrypted_data=again) == payload


async def test_tampered_payload_is_bad_request(wx: SandboxWxMiniProvider) -> None:
    iv, data = wx.make_encrypted_data("code-a", phone_number="13700000001", iv=bytes(16))
    raw = bytearray(base64.b64decode(data))
    raw[3] ^= 0x55
    with pytest.raises(WxDataInvalid) as err:
        wx.decrypt_phone(await wx.code_to_session("code-a"), iv=iv,
                         encrypted_data=base64.b64encode(bytes(raw)).decode())
    assert err.value.kind is ErrorKind.BAD_REQUEST


async def test_payload_for_another_code_does_not_decrypt(wx: SandboxWxMiniProvider) -> None:
    iv, data = wx.make_encrypted_data("code-a", phone_number="13700000001", iv=bytes(16))
    with pytest.raises(WxDataInvalid):
        wx.decrypt_phone(await wx.code_to_session("code-b"), iv=iv, encrypted_data=data)


async def test_wrong_appid_watermark_is_unauthorized(wx: SandboxWxMiniProvider) -> None:
    iv, data = wx.make_encrypted_data("code-a", phone_number="13700000001", appid="wx-other")
    with pytest.raises(WxAuthFailed) as err:
        wx.decrypt_phone(await wx.code_to_session("code-a"), iv=iv, encrypted_data=data)
    assert err.value.kind is ErrorKind.UNAUTHORIZED


@pytest.mark.parametrize(("iv", "data"), [
    ("not base64!", "AAAA"),
    (base64.b64encode(bytes(8)).decode(), base64.b64encode(bytes(16)).decode()),
    (base64.b64encode(bytes(16)).decode(), ""),
    (base64.b64encode(bytes(16)).decode(), base64.b64encode(bytes(15)).decode()),
])
async def test_malformed_inputs_are_bad_request(wx: SandboxWxMiniProvider, iv: str,
                                                data: str) -> None:
    with pytest.raises(WxDataInvalid):
        wx.decrypt_phone(await wx.code_to_session("code-a"), iv=iv, encrypted_data=data)


async def test_payload_without_phone_is_bad_request(wx: SandboxWxMiniProvider) -> None:
    session = await wx.code_to_session("code-a")
    iv = base64.b64encode(bytes(16)).decode()
    data = encrypt_payload({"watermark": {"appid": APPID}}, session_key=session.session_key, iv=iv)
    with pytest.raises(WxDataInvalid):
        wx.decrypt_phone(session, iv=iv, encrypted_data=data)
