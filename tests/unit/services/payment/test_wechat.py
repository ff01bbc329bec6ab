"""The WeChat adapter's notify parsing: what it accepts and every reason it rejects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from yys.kit import wechatpay as wp
from yys.kit.settings import Settings
from yys.kit.wechatpay.settings import WxPayKeyring, WxPaySettings
from yys.services.payment.domain import NotifyRejected
from yys.services.payment.wechat import WechatPayProvider

TXN = {"out_trade_no": "PMT1", "transaction_id": "42001", "trade_state": "SUCCESS",
       "amount": {"total": 100, "payer_total": 100, "currency": "CNY"},
       "success_time": "2023-11-15T06:13:20+08:00", "payer": {"openid": "o"},
       "mchid": "1900000001", "appid": "wx-sandbox-appid"}


@pytest.fixture
def ring(tmp_path: Path) -> WxPayKeyring:
    return WxPayKeyring(WxPaySettings(), Settings(data_dir=tmp_path))


def _notify(ring: WxPayKeyring, resource: dict[str, object] = TXN,
            now: float | None = None) -> tuple[dict[str, str], bytes]:
    return wp.build_notify(ring.platform_private_key, serial=ring.platform_serial,
                           api_v3_key=ring.api_v3_key, notify_id="n1", resource=resource, now=now)


def test_accepts_a_signed_notify(ring: WxPayKeyring) -> None:
    headers, body = _notify(ring)
    notice = WechatPayProvider(ring).parse_notice(headers, body)
    assert (notice.out_trade_no, notice.total, notice.trade_state) == ("PMT1", 100, "SUCCESS")
    assert notice.success_time == 1_700_000_000


def test_jsapi_params_verify(ring: WxPayKeyring) -> None:
    params = WechatPayProvider(ring).jsapi_params("wx1")
    wp.verify_jsapi_pay_sign(ring.merchant_public_key, {
        "appId": params.appid, "timeStamp": params.time_stamp, "nonceStr": params.nonce_str,
        "package": params.package, "paySign": params.pay_sign})


@pytest.mark.parametrize(("change", "reason"), [
    ({"mchid": "other"}, "another merchant"),
    ({"appid": "other"}, "another merchant"),
    ({"amount": {"total": "100"}}, "malformed amount"),
    ({"success_time": "yesterday"}, "malformed success_time"),
    ({"out_trade_no": None}, "malformed transaction"),
])
def test_rejects_foreign_or_malformed_transactions(ring: WxPayKeyring, change: dict[str, object],
                                                   reason: str) -> None:
    headers, body = _notify(ring, {**TXN, **change})
    with pytest.raises(NotifyRejected, match=reason):
        WechatPayProvider(ring).parse_notice(headers, body)


def test_rejects_stale_tampered_and_foreign_serial(ring: WxPayKeyring) -> None:
    provider = WechatPayProvider(ring)
    headers, body = _notify(ring, now=1_000_000)
    with pytest.raises(NotifyRejected, match="replay window"):
        provider.parse_notice(headers, body)
    headers, body = _notify(ring)
    with pytest.raises(NotifyRejected, match="signature invalid"):
        provider.parse_notice(headers, body.replace(b'"n1"', b'"n2"'))
    with pytest.raises(NotifyRejected, match="unknown platform serial"):
        provider.parse_notice({**headers, "Wechatpay-Serial": "0" * 40}, body)
    envelope = json.loads(body)
    envelope["resource"]["associated_data"] = "x"
    text = json.dumps(envelope)
    resigned = wp.sign_response(ring.platform_private_key, serial=ring.platform_serial, body=text)
    with pytest.raises(NotifyRejected, match="cannot be decrypted"):
        provider.parse_notice(resigned, text.encode())
