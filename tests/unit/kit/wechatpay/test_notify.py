from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from yys.kit.wechatpay import (
    DecryptionError,
    MalformedMessageError,
    SerialMismatchError,
    SignatureError,
    StaleTimestampError,
    build_notify,
    decrypt_resource,
    encrypt_resource,
    parse_rfc3339,
    rfc3339,
    sign_response,
    verify_notify,
)

NOW = 1_700_000_000
TXN = {"out_trade_no": "PMT1", "transaction_id": "4200001", "trade_state": "SUCCESS",
       "amount": {"total": 100, "payer_total": 100, "currency": "CNY"},
       "success_time": "2023-11-15T06:13:20+08:00", "payer": {"openid": "o1"},
       "mchid": "190", "appid": "wxapp"}


def _notify(key: rsa.RSAPrivateKey, api_v3_key: bytes) -> tuple[dict[str, str], bytes]:
    return build_notify(key, serial="P1", api_v3_key=api_v3_key, notify_id="n-1", resource=TXN,
                        now=NOW)


def _verify(key: rsa.RSAPrivateKey, api_v3_key: bytes, headers: dict[str, str], body: bytes,
            **kw: Any) -> Any:
    kwargs: dict[str, Any] = {"serial": "P1", "now": NOW, **kw}
    return verify_notify(key.public_key(), api_v3_key=api_v3_key, headers=headers, body=body,
                         **kwargs)


def _resign(key: rsa.RSAPrivateKey, envelope: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    body = json.dumps(envelope)
    return sign_response(key, serial="P1", body=body, timestamp=NOW), body.encode()


def test_resource_round_trip(api_v3_key: bytes) -> None:
    resource = encrypt_resource(api_v3_key, b"secret", associated_data="transaction")
    assert resource["algorithm"] == "AEAD_AES_256_GCM"
    assert len(resource["nonce"]) == 12
    assert decrypt_resource(api_v3_key, resource) == b"secret"


def test_resource_tampered_ciphertext(api_v3_key: bytes) -> None:
    resource = encrypt_resource(api_v3_key, b"secret")
    raw = bytearray(base64.b64decode(resource["ciphertext"]))
    raw[0] ^= 1
    with pytest.raises(DecryptionError):
        decrypt_resource(api_v3_key, {**resource, "ciphertext": base64.b64encode(raw).decode()})


def test_resource_tampered_associated_data(api_v3_key: bytes) -> None:
    resource = encrypt_resource(api_v3_key, b"secret", associated_data="transaction")
    with pytest.raises(DecryptionError):
        decrypt_resource(api_v3_key, {**resource, "associated_data": "refund"})


def test_resource_wrong_key(api_v3_key: bytes) -> None:
    resource = encrypt_resource(api_v3_key, b"secret")
    with pytest.raises(DecryptionError):
        decrypt_resource(b"x" * 32, resource)


@pytest.mark.parametrize("change", [
    {"ciphertext": "@@not base64@@"},
    {"algorithm": "AES_CBC"},
    {"nonce": ""},
    {"ciphertext": None},
])
def test_resource_malformed(api_v3_key: bytes, change: dict[str, Any]) -> None:
    resource = {**encrypt_resource(api_v3_key, b"secret"), **change}
    with pytest.raises(MalformedMessageError):
        decrypt_resource(api_v3_key, resource)


def test_notify_round_trip(platform_key: rsa.RSAPrivateKey, api_v3_key: bytes) -> None:
    headers, body = _notify(platform_key, api_v3_key)
    envelope = json.loads(body)
    assert envelope["resource_type"] == "encrypt-resource"
    assert envelope["event_type"] == "TRANSACTION.SUCCESS"
    assert set(envelope["resource"]) == {"algorithm", "ciphertext", "associated_data",
                                         "original_type", "nonce"}
    notify = _verify(platform_key, api_v3_key, headers, body)
    assert notify.resource == TXN
    assert notify.id == "n-1"
    assert notify.original_type == "transaction"
    assert parse_rfc3339(notify.create_time) == NOW


def test_notify_forged_signature(platform_key: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey,
                                 api_v3_key: bytes) -> None:
    headers, body = _notify(other_key, api_v3_key)
    with pytest.raises(SignatureError):
        _verify(platform_key, api_v3_key, headers, body)


def test_notify_body_tampered(platform_key: rsa.RSAPrivateKey, api_v3_key: bytes) -> None:
    headers, body = _notify(platform_key, api_v3_key)
    with pytest.raises(SignatureError):
        _verify(platform_key, api_v3_key, headers, body.replace(b"n-1", b"n-2"))


def test_notify_wrong_serial(platform_key: rsa.RSAPrivateKey, api_v3_key: bytes) -> None:
    headers, body = _notify(platform_key, api_v3_key)
    with pytest.raises(SerialMismatchError):
        _verify(platform_key, api_v3_key, headers, body, serial="P2")


@pytest.mark.parametrize("skew", [-301, 301])
def test_notify_stale(platform_key: rsa.RSAPrivateKey, api_v3_key: bytes, skew: int) -> None:
    headers, body = _notify(platform_key, api_v3_key)
    with pytest.raises(StaleTimestampError):
        _verify(platform_key, api_v3_key, headers, body, now=NOW + skew)


def test_notify_tampered_ciphertext_resigned(platform_key: rsa.RSAPrivateKey, api_v3_key: bytes) -> None:
    # Even a correctly signed envelope must not decrypt when the ciphertext was altered.
    _, body = _notify(platform_key, api_v3_key)
    envelope = json.loads(body)
    raw = bytearray(base64.b64decode(envelope["resource"]["ciphertext"]))
    raw[-1] ^= 1
    envelope["resource"]["ciphertext"] = base64.b64encode(raw).decode()
    headers, tampered = _resign(platform_key, envelope)
    with pytest.raises(DecryptionError):
        _verify(platform_key, api_v3_key, headers, tampered)


def test_notify_tampered_associated_data(platform_key: rsa.RSAPrivateKey, api_v3_key: bytes) -> None:
    _, body = _notify(platform_key, api_v3_key)
    envelope = json.loads(body)
    envelope["resource"]["associated_data"] = "refund"
    headers, tampered = _resign(platform_key, envelope)
    with pytest.raises(DecryptionError):
        _verify(platform_key, api_v3_key, headers, tampered)


def test_notify_wrong_api_v3_key(platform_key: rsa.RSAPrivateKey, api_v3_key: bytes) -> None:
    headers, body = _notify(platform_key, api_v3_key)
    with pytest.raises(DecryptionError):
        _verify(platform_key, b"y" * 32, headers, body)


@pytest.mark.parametrize("body", [b"not json", b"[1,2]", b'{"resource_type":"plain"}',
                                  b'{"resource_type":"encrypt-resource"}', b"\xff\xfe"])
def test_notify_malformed_body(platform_key: rsa.RSAPrivateKey, api_v3_key: bytes, body: bytes) -> None:
    text = body.decode(errors="replace")
    headers = sign_response(platform_key, serial="P1", body=text, timestamp=NOW)
    with pytest.raises(MalformedMessageError):
        _verify(platform_key, api_v3_key, headers, body)


def test_notify_resource_not_json(platform_key: rsa.RSAPrivateKey, api_v3_key: bytes) -> None:
    envelope = {"id": "n", "create_time": rfc3339(NOW), "resource_type": "encrypt-resource",
                "event_type": "TRANSACTION.SUCCESS", "summary": "",
                "resource": encrypt_resource(api_v3_key, b"oops", associated_data="transaction")}
    headers, body = _resign(platform_key, envelope)
    with pytest.raises(MalformedMessageError):
        _verify(platform_key, api_v3_key, headers, body)


def test_rfc3339() -> None:
    assert rfc3339(NOW) == "2023-11-15T06:13:20+08:00"
    assert parse_rfc3339("2023-11-14T22:13:20Z") == NOW
    for bad in ("2023-11-14T22:13:20", "yesterday"):
        with pytest.raises(MalformedMessageError):
            parse_rfc3339(bad)
