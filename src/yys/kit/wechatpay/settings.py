"""Payment provider settings (`YYS_WXPAY_*`) and the keys they point at.

Production passes every key through the environment or files mounted from secrets. Outside
`env=prod`, a missing key is generated once into `<data_dir>/keys/` so the embedded default
(payment + its sandbox in one process) works with no configuration; both sides then read the
same files, which is what makes the sandbox's signatures verify in payment.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from yys.kit.settings import Settings
from yys.kit.wechatpay.errors import KeyMaterialError
from yys.kit.wechatpay.keys import (
    check_api_v3_key,
    key_serial,
    load_or_create_api_v3_key,
    load_or_create_private_key_pem,
    load_private_key,
    load_public_key,
)

CALLBACK_PATH = "/payment/v1/thirdPayment/thirdPaymentWxPayCallback"
SANDBOX_PATH = "/paysandbox"


class WxPaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YYS_WXPAY_", extra="ignore", frozen=True)

    appid: str = "wx-sandbox-appid"
    mchid: str = "1900000001"
    # Merchant key pair: the private key signs requests and JSAPI parameters (payment); the
    # public key lets the sandbox verify them (derived from the private key when unset).
    merchant_private_key: SecretStr | None = None
    merchant_private_key_file: Path | None = None
    merchant_public_key: str | None = None
    merchant_public_key_file: Path | None = None
    merchant_serial: str | None = None
    # Platform key pair: the provider signs responses and notifies with the private key (only
    # the sandbox has it); payment verifies them with the public key (key or certificate PEM).
    platform_public_key: str | None = None
    platform_public_key_file: Path | None = None
    platform_serial: str | None = None
    platform_private_key: SecretStr | None = None
    platform_private_key_file: Path | None = None
    api_v3_key: SecretStr | None = None
    api_v3_key_file: Path | None = None
    # Provider API root (the real one is https://api.mch.weixin.qq.com) and our callback URL;
    # unset means this server's own sandbox and callback.
    base_url: str | None = None
    notify_url: str | None = None
    http_timeout_seconds: float = 10.0
    replay_window_seconds: int = 300
    # Sandbox notify delivery: back-off doubles from the base up to the max, like the provider.
    notify_timeout_seconds: float = 5.0
    notify_max_attempts: int = 15
    notify_retry_base_seconds: float = 15.0
    notify_retry_max_seconds: float = 6 * 3600.0


def own_base_url(settings: Settings) -> str:
    """This server's address for calls to itself (a wildcard bind is reached on loopback)."""
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/")
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "", "::") else settings.host
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


@dataclass(frozen=True)
class WxPayKeyring:
    """Resolves each key on first use: configured value, configured file, or (not in prod) a
    file generated into the data dir. A service only touches the keys it needs."""

    wx: WxPaySettings
    settings: Settings

    @property
    def base_url(self) -> str:
        return (self.wx.base_url or own_base_url(self.settings) + SANDBOX_PATH).rstrip("/")

    @property
    def notify_url(self) -> str:
        return self.wx.notify_url or own_base_url(self.settings) + CALLBACK_PATH

    @cached_property
    def merchant_private_key(self) -> rsa.RSAPrivateKey:
        return load_private_key(self._private_pem(self.wx.merchant_private_key,
                                                  self.wx.merchant_private_key_file,
                                                  "MERCHANT_PRIVATE_KEY", "wxpay-merchant-rsa.pem"))

    @cached_property
    def merchant_public_key(self) -> rsa.RSAPublicKey:
        pem = _text_or_file(self.wx.merchant_public_key, self.wx.merchant_public_key_file)
        return load_public_key(pem) if pem else self.merchant_private_key.public_key()

    @cached_property
    def merchant_serial(self) -> str:
        return self.wx.merchant_serial or key_serial(self.merchant_public_key)

    @cached_property
    def platform_private_key(self) -> rsa.RSAPrivateKey:
        return load_private_key(self._private_pem(self.wx.platform_private_key,
                                                  self.wx.platform_private_key_file,
                                                  "PLATFORM_PRIVATE_KEY", "wxpay-platform-rsa.pem"))

    @cached_property
    def platform_public_key(self) -> rsa.RSAPublicKey:
        pem = _text_or_file(self.wx.platform_public_key, self.wx.platform_public_key_file)
        return load_public_key(pem) if pem else self.platform_private_key.public_key()

    @cached_property
    def platform_serial(self) -> str:
        return self.wx.platform_serial or key_serial(self.platform_public_key)

    @cached_property
    def api_v3_key(self) -> bytes:
        secret = self.wx.api_v3_key.get_secret_value() if self.wx.api_v3_key else None
        configured = _text_or_file(secret, self.wx.api_v3_key_file)
        if configured:
            return check_api_v3_key(configured.strip())
        self._require_generation("API_V3_KEY")
        return load_or_create_api_v3_key(self._keys_dir / "wxpay-apiv3.key")

    @property
    def _keys_dir(self) -> Path:
        return self.settings.data_dir / "keys"

    def _private_pem(self, secret: SecretStr | None, path: Path | None, env: str, name: str) -> bytes:
        configured = _text_or_file(secret.get_secret_value() if secret else None, path)
        if configured:
            return configured
        self._require_generation(env)
        return load_or_create_private_key_pem(self._keys_dir / name)

    def _require_generation(self, env: str) -> None:
        if self.settings.env == "prod":
            raise KeyMaterialError(f"YYS_WXPAY_{env} or YYS_WXPAY_{env}_FILE must be set in prod")


def _text_or_file(text: str | None, path: Path | None) -> bytes | None:
    if text:
        return text.encode()
    if path is not None:
        try:
            return path.read_bytes()
        except OSError as exc:
            raise KeyMaterialError(f"cannot read key file {path.name}") from exc
    return None
