"""Build and verify payment notifies (the provider's signed, encrypted callbacks)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from yys.kit.wechatpay.errors import MalformedMessageError
from yys.kit.wechatpay.resource import decrypt_resource, encrypt_resource
from yys.kit.wechatpay.signing import REPLAY_WINDOW_SECONDS, sign_response, verify_response

RESOURCE_TYPE = "encrypt-resource"
EVENT_TRANSACTION_SUCCESS = "TRANSACTION.SUCCESS"
EVENT_REFUND_SUCCESS = "REFUND.SUCCESS"
# WeChat renders times in China Standard Time with an explicit offset.
_CST = timezone(timedelta(hours=8))


@dataclass(frozen=True, slots=True)
class Notify:
    """A verified notify: the envelope fields plus the decrypted resource."""

    id: str
    create_time: str
    event_type: str
    summary: str
    original_type: str
    resource: dict[str, Any]


def rfc3339(unix_seconds: float) -> str:
    """`2024-05-01T12:00:00+08:00`, the time format of the v3 API."""
    return datetime.fromtimestamp(unix_seconds, _CST).isoformat(timespec="seconds")


def parse_rfc3339(value: str) -> int:
    """Unix seconds of an RFC 3339 time with an offset; `MalformedMessageError` otherwise."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise MalformedMessageError("time is not RFC 3339") from exc
    if parsed.tzinfo is None:
        raise MalformedMessageError("time lacks a UTC offset")
    return int(parsed.astimezone(UTC).timestamp())


def build_notify(private_key: rsa.RSAPrivateKey, *, serial: str, api_v3_key: bytes,
                 notify_id: str, resource: Mapping[str, Any],
                 event_type: str = EVENT_TRANSACTION_SUCCESS, summary: str = "支付成功",
                 original_type: str = "transaction", now: float | None = None,
                 ) -> tuple[dict[str, str], bytes]:
    """Headers and body of a notify carrying `resource` encrypted, signed by the platform key."""
    current = time.time() if now is None else now
    plaintext = json.dumps(dict(resource), ensure_ascii=False, separators=(",", ":")).encode()
    body = json.dumps({
        "id": notify_id,
        "create_time": rfc3339(current),
        "resource_type": RESOURCE_TYPE,
        "event_type": event_type,
        "summary": summary,
        "resource": encrypt_resource(api_v3_key, plaintext, associated_data=original_type,
                                     original_type=original_type),
    }, ensure_ascii=False, separators=(",", ":"))
    headers = sign_response(private_key, serial=serial, body=body, timestamp=int(current))
    return headers, body.encode()


def verify_notify(public_key: rsa.RSAPublicKey, *, serial: str, api_v3_key: bytes,
                  headers: Mapping[str, str], body: bytes, now: float | None = None,
                  window: int = REPLAY_WINDOW_SECONDS) -> Notify:
    """Check signature, serial and replay window, then decrypt the resource."""
    try:
        text = body.decode()
    except UnicodeDecodeError as exc:
        raise MalformedMessageError("body is not UTF-8") from exc
    verify_response(public_key, serial=serial, headers=headers, body=text, now=now, window=window)
    envelope = _json_object(text, "body")
    if envelope.get("resource_type") != RESOURCE_TYPE:
        raise MalformedMessageError("unsupported resource_type")
    resource = envelope.get("resource")
    if not isinstance(resource, dict):
        raise MalformedMessageError("notify lacks resource")
    plaintext = decrypt_resource(api_v3_key, resource)
    try:
        decrypted = _json_object(plaintext.decode(), "resource")
    except UnicodeDecodeError as exc:
        raise MalformedMessageError("resource is not UTF-8") from exc
    return Notify(
        id=_str(envelope, "id"),
        create_time=_str(envelope, "create_time"),
        event_type=_str(envelope, "event_type"),
        summary=str(envelope.get("summary", "")),
        original_type=str(resource.get("original_type", "")),
        resource=decrypted,
    )


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise MalformedMessageError(f"{what} is not JSON") from exc
    if not isinstance(value, dict):
        raise MalformedMessageError(f"{what} is not a JSON object")
    return value


def _str(obj: Mapping[str, Any], name: str) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or not value:
        raise MalformedMessageError(f"notify lacks {name}")
    return value
