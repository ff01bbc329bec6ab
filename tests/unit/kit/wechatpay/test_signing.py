from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from yys.kit.wechatpay import (
    MalformedMessageError,
    SerialMismatchError,
    SignatureError,
    StaleTimestampError,
    build_authorization,
    jsapi_pay_params,
    parse_authorization,
    sign,
    sign_response,
    verify,
    verify_authorization,
    verify_jsapi_pay_sign,
    verify_response,
)

NOW = 1_700_000_000
BODY = '{"prepay_id":"wx1"}'


def test_sign_verify_round_trip(platform_key: rsa.RSAPrivateKey) -> None:
    verify(platform_key.public_key(), "hello\n", sign(platform_key, "hello\n"))


def test_forged_signature(platform_key: rsa.RSAPrivateKey) -> None:
    forged = base64.b64encode(b"\x00" * 256).decode()
    with pytest.raises(SignatureError):
        verify(platform_key.public_key(), "hello\n", forged)


def test_wrong_key(platform_key: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(SignatureError):
        verify(other_key.public_key(), "hello\n", sign(platform_key, "hello\n"))


def test_signature_not_base64(platform_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(MalformedMessageError):
        verify(platform_key.public_key(), "hello\n", "%%%not-base64%%%")


def test_response_round_trip_and_case_insensitive_headers(platform_key: rsa.RSAPrivateKey) -> None:
    headers = sign_response(platform_key, serial="S1", body=BODY, timestamp=NOW)
    lowered = {k.lower(): v for k, v in headers.items()}
    verify_response(platform_key.public_key(), serial="S1", headers=lowered, body=BODY, now=NOW)


def test_response_body_tampered(platform_key: rsa.RSAPrivateKey) -> None:
    headers = sign_response(platform_key, serial="S1", body=BODY, timestamp=NOW)
    with pytest.raises(SignatureError):
        verify_response(platform_key.public_key(), serial="S1", headers=headers,
                        body=BODY.replace("wx1", "wx2"), now=NOW)


def test_response_wrong_serial(platform_key: rsa.RSAPrivateKey) -> None:
    headers = sign_response(platform_key, serial="S1", body=BODY, timestamp=NOW)
    with pytest.raises(SerialMismatchError):
        verify_response(platform_key.public_key(), serial="S2", headers=headers, body=BODY, now=NOW)


@pytest.mark.parametrize("skew", [301, -301, 10_000])
def test_response_stale_timestamp_both_directions(platform_key: rsa.RSAPrivateKey, skew: int) -> None:
    headers = sign_response(platform_key, serial="S1", body=BODY, timestamp=NOW)
    with pytest.raises(StaleTimestampError):
        verify_response(platform_key.public_key(), serial="S1", headers=headers, body=BODY,
                        now=NOW + skew)


@pytest.mark.parametrize("skew", [300, -300, 0])
def test_response_timestamp_inside_window(platform_key: rsa.RSAPrivateKey, skew: int) -> None:
    headers = sign_response(platform_key, serial="S1", body=BODY, timestamp=NOW)
    verify_response(platform_key.public_key(), serial="S1", headers=headers, body=BODY, now=NOW + skew)


@pytest.mark.parametrize("missing", ["Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature",
                                     "Wechatpay-Serial"])
def test_response_missing_header(platform_key: rsa.RSAPrivateKey, missing: str) -> None:
    headers = sign_response(platform_key, serial="S1", body=BODY, timestamp=NOW)
    del headers[missing]
    with pytest.raises(MalformedMessageError):
        verify_response(platform_key.public_key(), serial="S1", headers=headers, body=BODY, now=NOW)


def test_response_non_numeric_timestamp(platform_key: rsa.RSAPrivateKey) -> None:
    headers = sign_response(platform_key, serial="S1", body=BODY, timestamp=NOW)
    headers["Wechatpay-Timestamp"] = "yesterday"
    with pytest.raises(MalformedMessageError):
        verify_response(platform_key.public_key(), serial="S1", headers=headers, body=BODY, now=NOW)


def _auth(key: rsa.RSAPrivateKey, *, body: str = BODY, method: str = "POST") -> str:
    return build_authorization(key, mchid="190", serial_no="M1", method=method,
                               url_path="/v3/pay/transactions/jsapi", body=body, timestamp=NOW,
                               nonce="n" * 32)


def test_authorization_round_trip(merchant_key: rsa.RSAPrivateKey) -> None:
    header = _auth(merchant_key)
    assert header.startswith('WECHATPAY2-SHA256-RSA2048 mchid="190",nonce_str="')
    parsed = verify_authorization(merchant_key.public_key(), header, mchid="190", serial_no="M1",
                                  method="post", url_path="/v3/pay/transactions/jsapi", body=BODY,
                                  now=NOW)
    assert parsed == parse_authorization(header)
    assert parsed.timestamp == str(NOW)
    assert parsed.serial_no == "M1"


@pytest.mark.parametrize(("field", "value", "error"), [
    ("mchid", "other", SignatureError),
    ("serial_no", "M2", SerialMismatchError),
    ("url_path", "/v3/refund/domestic/refunds", SignatureError),
    ("body", "{}", SignatureError),
    ("method", "GET", SignatureError),
])
def test_authorization_rejections(merchant_key: rsa.RSAPrivateKey, field: str, value: str,
                                  error: type[Exception]) -> None:
    kwargs = {"mchid": "190", "serial_no": "M1", "method": "POST",
              "url_path": "/v3/pay/transactions/jsapi", "body": BODY}
    kwargs[field] = value
    with pytest.raises(error):
        verify_authorization(merchant_key.public_key(), _auth(merchant_key), now=NOW, **kwargs)


def test_authorization_wrong_key(merchant_key: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(SignatureError):
        verify_authorization(other_key.public_key(), _auth(merchant_key), mchid="190",
                             serial_no="M1", method="POST", url_path="/v3/pay/transactions/jsapi",
                             body=BODY, now=NOW)


def test_authorization_stale(merchant_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(StaleTimestampError):
        verify_authorization(merchant_key.public_key(), _auth(merchant_key), mchid="190",
                             serial_no="M1", method="POST", url_path="/v3/pay/transactions/jsapi",
                             body=BODY, now=NOW - 400)


@pytest.mark.parametrize("header", [
    "",
    "Bearer abc",
    "WECHATPAY2-SHA256-RSA2048",
    'WECHATPAY2-SHA256-RSA2048 mchid="190"',
    'WECHATPAY2-SHA256-RSA2048 mchid=190,nonce_str="n",signature="s",timestamp="1",serial_no="x"',
    'WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",signature="",timestamp="1",serial_no="x"',
])
def test_malformed_authorization(header: str) -> None:
    with pytest.raises(MalformedMessageError):
        parse_authorization(header)


def test_jsapi_params(merchant_key: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey) -> None:
    params = jsapi_pay_params(merchant_key, appid="wxapp", prepay_id="wx123", timestamp=NOW,
                              nonce="abc")
    assert params["package"] == "prepay_id=wx123"
    assert params["signType"] == "RSA"
    assert params["timeStamp"] == str(NOW)
    verify_jsapi_pay_sign(merchant_key.public_key(), params)
    with pytest.raises(SignatureError):
        verify_jsapi_pay_sign(other_key.public_key(), params)
    with pytest.raises(SignatureError):
        verify_jsapi_pay_sign(merchant_key.public_key(), {**params, "package": "prepay_id=wx124"})
    with pytest.raises(MalformedMessageError):
        verify_jsapi_pay_sign(merchant_key.public_key(), {"appId": "wxapp"})
