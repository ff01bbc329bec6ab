"""WeChat mini-program login: the payload crypto and the built-in sandbox provider.

WeChat encrypts `getPhoneNumber` data with AES-128-CBC (PKCS#7 padding), key = base64-decoded
`session_key`, iv = base64-decoded `iv`; the plaintext is JSON whose `watermark.appid` must be our
appid. Both providers share these functions, so the sandbox exercises the real decryption path.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import time
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from yys.services.usercenter.domain import WxAuthFailed, WxDataInvalid, WxPhone, WxSession

_BLOCK_BITS = 128


def _b64decode(value: str, *, size: int | None = None) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise WxDataInvalid() from None
    if size is not None and len(raw) != size:
        raise WxDataInvalid()
    return raw


def encrypt_payload(payload: dict[str, Any], *, session_key: str, iv: str) -> str:
    """Encrypt like WeChat does (used by the sandbox and by tests)."""
    key = _b64decode(session_key, size=16)
    padder = padding.PKCS7(_BLOCK_BITS).padder()
    plain = padder.update(json.dumps(payload, ensure_ascii=False).encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(_b64decode(iv, size=16))).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def decrypt_payload(*, session_key: str, iv: str, encrypted_data: str) -> dict[str, Any]:
    key = _b64decode(session_key, size=16)
    data = _b64decode(encrypted_data)
    if not data or len(data) % 16:
        raise WxDataInvalid()
    decryptor = Cipher(algorithms.AES(key), modes.CBC(_b64decode(iv, size=16))).decryptor()
    unpadder = padding.PKCS7(_BLOCK_BITS).unpadder()
    try:
        plain = unpadder.update(decryptor.update(data) + decryptor.finalize()) + unpadder.finalize()
        payload = json.loads(plain.decode())
    except (ValueError, UnicodeDecodeError):
        # CBC has no integrity check: tampering shows up as bad padding or garbled JSON.
        raise WxDataInvalid() from None
    if not isinstance(payload, dict):
        raise WxDataInvalid()
    return payload


def phone_from_payload(payload: dict[str, Any], *, appid: str) -> WxPhone:
    """Validate the watermark (the data was made for *our* app) and read the phone fields."""
    watermark = payload.get("watermark")
    if not isinstance(watermark, dict) or watermark.get("appid") != appid:
        raise WxAuthFailed("wechat data was issued for another app")
    pure = payload.get("purePhoneNumber") or payload.get("phoneNumber")
    if not isinstance(pure, str) or not pure:
        raise WxDataInvalid("wechat data has no phone number")
    return WxPhone(
        phone_number=str(payload.get("phoneNumber") or pure),
        pure_phone_number=pure,
        country_code=str(payload.get("countryCode") or ""),
        nickname=str(payload.get("nickName") or ""),
        avatar=str(payload.get("avatarUrl") or ""),
    )


def decrypt_phone(session: WxSession, *, appid: str, iv: str, encrypted_data: str) -> WxPhone:
    payload = decrypt_payload(session_key=session.session_key, iv=iv,
                              encrypted_data=encrypted_data)
    return phone_from_payload(payload, appid=appid)


class SandboxWxMiniProvider:
    """Stands in for WeChat: `code` → openid/session_key deterministically (HMAC of the code), so
    the same code always means the same WeChat user. A code starting with `invalid` is rejected
    the way WeChat rejects a used or forged code (errcode 40029)."""

    def __init__(self, *, appid: str, secret: str = "yys-wx-sandbox") -> None:
        self.appid = appid
        self._secret = secret.encode()

    def _mac(self, purpose: str, code: str) -> bytes:
        return hmac.new(self._secret, f"{purpose}:{code}".encode(), hashlib.sha256).digest()

    def session_for(self, code: str) -> WxSession:
        openid = "o" + base64.urlsafe_b64encode(self._mac("openid", code)).decode()[:27]
        session_key = base64.b64encode(self._mac("session", code)[:16]).decode()
        return WxSession(openid=openid, session_key=session_key)

    async def code_to_session(self, code: str) -> WxSession:
        if not code or len(code) > 128 or code.startswith("invalid"):
            raise WxAuthFailed("invalid wechat code")
        return self.session_for(code)

    def decrypt_phone(self, session: WxSession, *, iv: str, encrypted_data: str) -> WxPhone:
        return decrypt_phone(session, appid=self.appid, iv=iv, encrypted_data=encrypted_data)

    def make_encrypted_data(self, code: str, *, phone_number: str, appid: str | None = None,
                            country_code: str = "86", nickname: str = "", avatar: str = "",
                            iv: bytes | None = None) -> tuple[str, str]:
        """What the mini program would receive from `getPhoneNumber` for this code:
        `(iv, encryptedData)`, both base64. `appid` lets tests forge a foreign watermark."""
        payload: dict[str, Any] = {
            "phoneNumber": phone_number,
            "purePhoneNumber": phone_number,
            "countryCode": country_code,
            "watermark": {"appid": appid or self.appid, "timestamp": int(time.time())},
        }
        if nickname:
            payload["nickName"] = nickname
        if avatar:
            payload["avatarUrl"] = avatar
        iv_b64 = base64.b64encode(iv if iv is not None else os.urandom(16)).decode()
        session = self.session_for(code)
        return iv_b64, encrypt_payload(payload, session_key=session.session_key, iv=iv_b64)
