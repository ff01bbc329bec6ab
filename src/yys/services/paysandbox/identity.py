"""The sandbox's provider identity: verifies merchant requests, signs what it sends back."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa

from yys.kit import wechatpay as wp
from yys.kit.wechatpay.settings import WxPayKeyring
from yys.services.paysandbox.domain import SUCCESS, SignatureRejected, Transaction, transaction_resource


@dataclass(frozen=True)
class SandboxIdentity:
    mchid: str
    merchant_public_key: rsa.RSAPublicKey
    merchant_serial: str
    platform_private_key: rsa.RSAPrivateKey
    platform_serial: str
    api_v3_key: bytes
    replay_window: int = wp.REPLAY_WINDOW_SECONDS

    @classmethod
    def from_keyring(cls, ring: WxPayKeyring) -> SandboxIdentity:
        return cls(mchid=ring.wx.mchid, merchant_public_key=ring.merchant_public_key,
                   merchant_serial=ring.merchant_serial,
                   platform_private_key=ring.platform_private_key,
                   platform_serial=ring.platform_serial, api_v3_key=ring.api_v3_key,
                   replay_window=ring.wx.replay_window_seconds)

    def verify_request(self, authorization: str | None, *, method: str, url_path: str,
                       body: str) -> None:
        """`SignatureRejected` unless our merchant signed exactly this request just now."""
        if not authorization:
            raise SignatureRejected("missing Authorization")
        try:
            wp.verify_authorization(self.merchant_public_key, authorization, mchid=self.mchid,
                                    serial_no=self.merchant_serial, method=method,
                                    url_path=url_path, body=body, window=self.replay_window)
        except wp.WechatPayError as exc:
            raise SignatureRejected(f"signature verification failed: {type(exc).__name__}") from exc

    def sign(self, body: str) -> dict[str, str]:
        return wp.sign_response(self.platform_private_key, serial=self.platform_serial, body=body)

    def notify(self, txn: Transaction) -> tuple[dict[str, str], bytes]:
        success = txn.trade_state in (SUCCESS, "REFUND")
        return wp.build_notify(
            self.platform_private_key, serial=self.platform_serial, api_v3_key=self.api_v3_key,
            notify_id=txn.notify_id, resource=transaction_resource(txn, wp.rfc3339),
            event_type="TRANSACTION.SUCCESS" if success else f"TRANSACTION.{txn.trade_state}",
            summary="支付成功" if success else "支付失败")
