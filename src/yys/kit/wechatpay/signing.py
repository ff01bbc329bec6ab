"""RSA-SHA256 (PKCS#1 v1.5) signatures of WeChat Pay API v3.

Three messages are signed, each a list of lines that all end in "\\n":
- a request (merchant key): METHOD, URL path with query, timestamp, nonce, body;
- a response or notify (platform key): timestamp, nonce, body;
- JSAPI pay parameters (merchant key): appId, timeStamp, nonceStr, package.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from yys.kit.wechatpay.errors import (
    MalformedMessageError,
    SerialMismatchError,
    SignatureError,
    StaleTimestampError,
)

AUTH_SCHEMA = "WECHATPAY2-SHA256-RSA2048"
REPLAY_WINDOW_SECONDS = 300
HEADER_TIMESTAMP = "Wechatpay-Timestamp"
HEADER_NONCE = "Wechatpay-Nonce"
HEADER_SIGNATURE = "Wechatpay-Signature"
HEADER_SERIAL = "Wechatpay-Serial"
_AUTH_FIELDS = ("mchid", "nonce_str", "signature", "timestamp", "serial_no")
_AUTH_PAIR = re.compile(r'\s*([a-z_]+)="([^"]*)"\s*(?:,|$)')


def new_nonce() -> str:
    """32 random characters, the length WeChat uses."""
    return secrets.token_hex(16)


def sign(private_key: rsa.RSAPrivateKey, message: str) -> str:
    """Base64 RSA-SHA256 (PKCS#1 v1.5) signature of `message`."""
    raw = private_key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode()


def verify(public_key: rsa.RSAPublicKey, message: str, signature: str) -> None:
    """Raise `SignatureError` unless `signature` (base64) signs `message`."""
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedMessageError("signature is not base64") from exc
    try:
        public_key.verify(raw, message.encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise SignatureError("signature does not verify") from exc


def request_message(method: str, url_path: str, timestamp: str, nonce: str, body: str) -> str:
    return f"{method.upper()}\n{url_path}\n{timestamp}\n{nonce}\n{body}\n"


def response_message(timestamp: str, nonce: str, body: str) -> str:
    return f"{timestamp}\n{nonce}\n{body}\n"


def check_timestamp(timestamp: str, *, now: float | None = None,
                    window: int = REPLAY_WINDOW_SECONDS) -> int:
    """The timestamp as int; `StaleTimestampError` when it is more than `window` s from now."""
    if not timestamp.isascii() or not timestamp.isdigit():
        raise MalformedMessageError("timestamp is not unix seconds")
    value = int(timestamp)
    current = time.time() if now is None else now
    if abs(current - value) > window:
        raise StaleTimestampError("timestamp outside the replay window")
    return value


# --- responses and notifies (platform key) ---------------------------------------------------


def sign_response(private_key: rsa.RSAPrivateKey, *, serial: str, body: str,
                  timestamp: int | None = None, nonce: str | None = None) -> dict[str, str]:
    """The `Wechatpay-*` headers that sign a response or notify `body`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or new_nonce()
    return {
        HEADER_TIMESTAMP: ts,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: sign(private_key, response_message(ts, nonce, body)),
        HEADER_SERIAL: serial,
    }


def verify_response(public_key: rsa.RSAPublicKey, *, serial: str, headers: Mapping[str, str],
                    body: str, now: float | None = None,
                    window: int = REPLAY_WINDOW_SECONDS) -> None:
    """Check the `Wechatpay-*` headers of a response or notify: serial, replay window, signature."""
    lowered = {k.lower(): v for k, v in headers.items()}

    def header(name: str) -> str:
        value = lowered.get(name.lower())
        if not value:
            raise MalformedMessageError(f"missing header {name}")
        return value

    timestamp, nonce, signature = header(HEADER_TIMESTAMP), header(HEADER_NONCE), header(HEADER_SIGNATURE)
    if header(HEADER_SERIAL) != serial:
        raise SerialMismatchError("unexpected platform serial")
    check_timestamp(timestamp, now=now, window=window)
    verify(public_key, response_message(timestamp, nonce, body), signature)


# --- request authorization (merchant key) ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Authorization:
    mchid: str
    nonce_str: str
    signature: str
    timestamp: str
    serial_no: str


def build_authorization(private_key: rsa.RSAPrivateKey, *, mchid: str, serial_no: str,
                        method: str, url_path: str, body: str, timestamp: int | None = None,
                        nonce: str | None = None) -> str:
    """The `Authorization` header value of a merchant request."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or new_nonce()
    signature = sign(private_key, request_message(method, url_path, ts, nonce, body))
    return (f'{AUTH_SCHEMA} mchid="{mchid}",nonce_str="{nonce}",signature="{signature}",'
            f'timestamp="{ts}",serial_no="{serial_no}"')


def parse_authorization(header: str) -> Authorization:
    """Split the header into its fields; `MalformedMessageError` if anything is off."""
    schema, _, rest = header.strip().partition(" ")
    if schema != AUTH_SCHEMA or not rest:
        raise MalformedMessageError("unsupported authorization schema")
    fields: dict[str, str] = {}
    pos = 0
    while pos < len(rest):
        match = _AUTH_PAIR.match(rest, pos)
        if match is None or match.end() == pos:
            raise MalformedMessageError("malformed authorization parameters")
        fields[match.group(1)] = match.group(2)
        pos = match.end()
    missing = [name for name in _AUTH_FIELDS if not fields.get(name)]
    if missing:
        raise MalformedMessageError(f"authorization lacks {', '.join(missing)}")
    return Authorization(**{name: fields[name] for name in _AUTH_FIELDS})


def verify_authorization(public_key: rsa.RSAPublicKey, header: str, *, mchid: str, serial_no: str,
                         method: str, url_path: str, body: str, now: float | None = None,
                         window: int = REPLAY_WINDOW_SECONDS) -> Authorization:
    """Check a merchant request: merchant id, key serial, replay window and signature."""
    auth = parse_authorization(header)
    if auth.mchid != mchid:
        raise SignatureError("request signed for another merchant")
    if auth.serial_no != serial_no:
        raise SerialMismatchError("unexpected merchant serial")
    check_timestamp(auth.timestamp, now=now, window=window)
    message = request_message(method, url_path, auth.timestamp, auth.nonce_str, body)
    verify(public_key, message, auth.signature)
    return auth


# --- JSAPI pay parameters (merchant key) -----------------------------------------------------


def jsapi_pay_params(private_key: rsa.RSAPrivateKey, *, appid: str, prepay_id: str,
                     timestamp: int | None = None, nonce: str | None = None) -> dict[str, str]:
    """What the mini program passes to `wx.requestPayment`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or new_nonce()
    package = f"prepay_id={prepay_id}"
    return {
        "appId": appid,
        "timeStamp": ts,
        "nonceStr": nonce,
        "package": package,
        "signType": "RSA",
        "paySign": sign(private_key, f"{appid}\n{ts}\n{nonce}\n{package}\n"),
    }


def verify_jsapi_pay_sign(public_key: rsa.RSAPublicKey, params: Mapping[str, str]) -> None:
    """Check `paySign` of JSAPI parameters (what the WeChat client does)."""
    try:
        message = (f"{params['appId']}\n{params['timeStamp']}\n{params['nonceStr']}\n"
                   f"{params['package']}\n")
        signature = params["paySign"]
    except KeyError as exc:
        raise MalformedMessageError(f"missing pay parameter {exc.args[0]}") from exc
    verify(public_key, message, signature)
