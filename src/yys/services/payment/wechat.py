"""The WeChat Pay v3 adapter of `PaymentProvider` (aiohttp): signs every request with the
merchant key and trusts a response only when the platform key signed it. Pointed at the
built-in sandbox by default, so the same code runs in tests and in production."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp
import structlog
from cryptography.hazmat.primitives.asymmetric import rsa
from yarl import URL

from yys.kit import wechatpay as wp
from yys.kit.wechatpay.settings import WxPayKeyring
from yys.services.payment.domain import (
    JsapiParams,
    NotifyRejected,
    PaymentNotice,
    ProviderRejected,
    ProviderUnavailable,
)

log = structlog.get_logger("yys.payment")

_REASONS: dict[type[wp.WechatPayError], str] = {
    wp.SignatureError: "signature invalid",
    wp.SerialMismatchError: "unknown platform serial",
    wp.StaleTimestampError: "timestamp outside the replay window",
    wp.DecryptionError: "resource cannot be decrypted",
    wp.MalformedMessageError: "malformed notify",
}


@dataclass(frozen=True)
class MerchantKeys:
    merchant_private_key: rsa.RSAPrivateKey
    merchant_serial: str
    platform_public_key: rsa.RSAPublicKey
    platform_serial: str
    api_v3_key: bytes

    @classmethod
    def from_keyring(cls, ring: WxPayKeyring) -> MerchantKeys:
        return cls(merchant_private_key=ring.merchant_private_key,
                   merchant_serial=ring.merchant_serial,
                   platform_public_key=ring.platform_public_key,
                   platform_serial=ring.platform_serial, api_v3_key=ring.api_v3_key)


class WechatPayProvider:
    def __init__(self, ring: WxPayKeyring) -> None:
        self._ring = ring
        self._appid = ring.wx.appid
        self._mchid = ring.wx.mchid
        self._window = ring.wx.replay_window_seconds
        self._timeout = aiohttp.ClientTimeout(total=ring.wx.http_timeout_seconds)
        self._keys_value: MerchantKeys | None = None
        self._session: aiohttp.ClientSession | None = None

    async def load_keys(self) -> None:
        """Startup hook: a missing production key stops the process before it serves."""
        self._keys_value = MerchantKeys.from_keyring(self._ring)

    @property
    def _keys(self) -> MerchantKeys:
        if self._keys_value is None:
            self._keys_value = MerchantKeys.from_keyring(self._ring)
        return self._keys_value

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def prepay(self, *, out_trade_no: str, description: str, total: int,
                     payer_openid: str) -> str:
        body = {"appid": self._appid, "mchid": self._mchid, "description": description,
                "out_trade_no": out_trade_no, "notify_url": self._ring.notify_url,
                "amount": {"total": total, "currency": "CNY"}, "payer": {"openid": payer_openid}}
        answer = await self._call("POST", "/v3/pay/transactions/jsapi", body)
        prepay_id = answer.get("prepay_id")
        if not isinstance(prepay_id, str) or not prepay_id:
            raise ProviderUnavailable("payment provider returned no prepay id")
        return prepay_id

    def jsapi_params(self, prepay_id: str) -> JsapiParams:
        p = wp.jsapi_pay_params(self._keys.merchant_private_key, appid=self._appid,
                                prepay_id=prepay_id)
        return JsapiParams(appid=p["appId"], time_stamp=p["timeStamp"], nonce_str=p["nonceStr"],
                           package=p["package"], sign_type=p["signType"], pay_sign=p["paySign"])

    async def refund(self, *, out_trade_no: str, out_refund_no: str, refund: int, total: int,
                     reason: str) -> str:
        body = {"out_trade_no": out_trade_no, "out_refund_no": out_refund_no, "reason": reason,
                "amount": {"refund": refund, "total": total, "currency": "CNY"}}
        answer = await self._call("POST", "/v3/refund/domestic/refunds", body)
        if answer.get("status") not in ("SUCCESS", "PROCESSING"):
            raise ProviderRejected(f"refund not accepted: {answer.get('status')}")
        return str(answer.get("refund_id", ""))

    async def query(self, *, out_trade_no: str) -> PaymentNotice | None:
        path = f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}?mchid={self._mchid}"
        try:
            answer = await self._call("GET", path, None)
        except ProviderRejected:
            return None  # the provider does not know this trade (never prepaid, or purged)
        return self._notice(answer)

    def parse_notice(self, headers: Mapping[str, str], body: bytes) -> PaymentNotice:
        keys = self._keys
        try:
            notify = wp.verify_notify(keys.platform_public_key, serial=keys.platform_serial,
                                      api_v3_key=keys.api_v3_key, headers=headers, body=body,
                                      window=self._window)
        except wp.WechatPayError as exc:
            raise NotifyRejected(_REASONS.get(type(exc), "notify rejected")) from exc
        return self._notice(notify.resource)

    def _notice(self, txn: Mapping[str, Any]) -> PaymentNotice:
        if txn.get("mchid") != self._mchid or txn.get("appid") != self._appid:
            raise NotifyRejected("notify for another merchant or app")
        amount = txn.get("amount")
        out_trade_no, state = txn.get("out_trade_no"), txn.get("trade_state")
        if not isinstance(amount, dict) or not isinstance(out_trade_no, str) or not isinstance(state, str):
            raise NotifyRejected("malformed transaction")
        total, payer_total = amount.get("total"), amount.get("payer_total", 0)
        if type(total) is not int or type(payer_total) is not int:
            raise NotifyRejected("malformed amount")
        success = txn.get("success_time")
        try:
            success_time = wp.parse_rfc3339(success) if isinstance(success, str) else None
        except wp.MalformedMessageError as exc:
            raise NotifyRejected("malformed success_time") from exc
        return PaymentNotice(out_trade_no=out_trade_no,
                             transaction_id=str(txn.get("transaction_id", "")), trade_state=state,
                             total=total, payer_total=payer_total, success_time=success_time)

    async def _call(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        keys = self._keys
        url = URL(self._ring.base_url + path)
        text = "" if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        auth = wp.build_authorization(keys.merchant_private_key, mchid=self._mchid,
                                      serial_no=keys.merchant_serial, method=method,
                                      url_path=url.raw_path_qs, body=text)
        headers = {"Authorization": auth, "Accept": "application/json",
                   "Content-Type": "application/json"}
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            async with self._session.request(method, url, data=text.encode() if body else None,
                                             headers=headers) as resp:
                raw, status, resp_headers = await resp.read(), resp.status, dict(resp.headers)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("payment provider unreachable", path=path, error=type(exc).__name__)
            raise ProviderUnavailable() from exc
        return self._answer(path, status, resp_headers, raw)

    def _answer(self, path: str, status: int, headers: Mapping[str, str], raw: bytes) -> dict[str, Any]:
        keys = self._keys
        try:
            text = raw.decode()
            wp.verify_response(keys.platform_public_key, serial=keys.platform_serial,
                               headers=headers, body=text, window=self._window)
            answer = json.loads(text) if text else {}
        except (wp.WechatPayError, UnicodeDecodeError, ValueError) as exc:
            # An answer we cannot authenticate is no answer: never act on it.
            log.error("payment provider answer rejected", path=path, status=status,
                      error=type(exc).__name__)
            raise ProviderUnavailable() from exc
        if not isinstance(answer, dict):
            raise ProviderUnavailable()
        if status >= 500:
            raise ProviderUnavailable()
        if status >= 400:
            log.warning("payment provider refused", path=path, status=status, code=answer.get("code"))
            raise ProviderRejected(f"payment provider refused: {answer.get('code', status)}")
        return answer
