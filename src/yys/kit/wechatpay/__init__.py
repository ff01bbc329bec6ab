"""WeChat Pay API v3 crypto, domain-free: signatures, notify resources, keys, settings.

Pure functions over `cryptography`; every failure is a specific `WechatPayError` subclass.
"""

from yys.kit.wechatpay.errors import (
    DecryptionError,
    KeyMaterialError,
    MalformedMessageError,
    SerialMismatchError,
    SignatureError,
    StaleTimestampError,
    WechatPayError,
)
from yys.kit.wechatpay.keys import (
    generate_api_v3_key,
    generate_private_key_pem,
    key_serial,
    load_private_key,
    load_public_key,
    public_key_pem,
)
from yys.kit.wechatpay.notify import (
    EVENT_TRANSACTION_SUCCESS,
    Notify,
    build_notify,
    parse_rfc3339,
    rfc3339,
    verify_notify,
)
from yys.kit.wechatpay.resource import decrypt_resource, encrypt_resource
from yys.kit.wechatpay.signing import (
    HEADER_NONCE,
    HEADER_SERIAL,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    REPLAY_WINDOW_SECONDS,
    Authorization,
    build_authorization,
    jsapi_pay_params,
    new_nonce,
    parse_authorization,
    sign,
    sign_response,
    verify,
    verify_authorization,
    verify_jsapi_pay_sign,
    verify_response,
)

__all__ = [
    "EVENT_TRANSACTION_SUCCESS",
    "HEADER_NONCE",
    "HEADER_SERIAL",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "REPLAY_WINDOW_SECONDS",
    "Authorization",
    "DecryptionError",
    "KeyMaterialError",
    "MalformedMessageError",
    "Notify",
    "SerialMismatchError",
    "SignatureError",
    "StaleTimestampError",
    "WechatPayError",
    "build_authorization",
    "build_notify",
    "decrypt_resource",
    "encrypt_resource",
    "generate_api_v3_key",
    "generate_private_key_pem",
    "jsapi_pay_params",
    "key_serial",
    "load_private_key",
    "load_public_key",
    "new_nonce",
    "parse_authorization",
    "parse_rfc3339",
    "public_key_pem",
    "rfc3339",
    "sign",
    "sign_response",
    "verify",
    "verify_authorization",
    "verify_jsapi_pay_sign",
    "verify_notify",
    "verify_response",
]
