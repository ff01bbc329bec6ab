"""Settings of the web service (`YYS_WEB_*`)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from yys.kit.settings import Settings
from yys.kit.wechatpay.settings import own_base_url


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YYS_WEB_", extra="ignore", frozen=True)

    # Where the JSON API is reached. Unset: this server's public address, which is the process
    # itself under `yys up` and the edge under `yys up --split` (YYS_PUBLIC_BASE_URL is the edge).
    api_base_url: str | None = None
    api_timeout_seconds: float = 5.0
    api_max_connections: int = 100
    # Mark cookies Secure (set it when the site is served over HTTPS).
    cookie_secure: bool = False

    def api_base(self, settings: Settings) -> str:
        return (self.api_base_url or own_base_url(settings)).rstrip("/")
