"""AES-256-GCM `resource` objects of WeChat Pay v3 notifies (key = the 32-byte API v3 key)."""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from yys.kit.wechatpay.errors import DecryptionError, MalformedMessageError
from yys.kit.wechatpay.keys import check_api_v3_key

ALGORITHM = "AEAD_AES_256_GCM"
_NONCE_CHARS = 12


def encrypt_resource(api_v3_key: bytes, plaintext: bytes, *, associated_data: str = "",
                     original_type: str = "transaction", nonce: str | None = None) -> dict[str, str]:
    """Encrypt like the provider does: the nonce is a 12-character string used as its bytes."""
    nonce = nonce or secrets.token_hex(_NONCE_CHARS // 2)
    cipher = AESGCM(check_api_v3_key(api_v3_key))
    ciphertext = cipher.encrypt(nonce.encode(), plaintext, associated_data.encode())
    return {
        "algorithm": ALGORITHM,
        "ciphertext": base64.b64encode(ciphertext).decode(),
        "associated_data": associated_data,
        "original_type": original_type,
        "nonce": nonce,
    }


def decrypt_resource(api_v3_key: bytes, resource: Mapping[str, Any]) -> bytes:
    """The plaintext of `resource`; `DecryptionError` when authentication fails."""
    if resource.get("algorithm") != ALGORITHM:
        raise MalformedMessageError("unsupported resource algorithm")
    ciphertext, nonce = resource.get("ciphertext"), resource.get("nonce")
    associated = resource.get("associated_data", "")
    if not isinstance(ciphertext, str) or not isinstance(nonce, str) or not nonce:
        raise MalformedMessageError("resource lacks ciphertext or nonce")
    if not isinstance(associated, str):
        raise MalformedMessageError("associated_data is not a string")
    try:
        raw = base64.b64decode(ciphertext, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedMessageError("ciphertext is not base64") from exc
    try:
        return AESGCM(check_api_v3_key(api_v3_key)).decrypt(nonce.encode(), raw, associated.encode())
    except InvalidTag as exc:
        raise DecryptionError("resource failed authentication") from exc
