"""order's own settings (`YYS_ORDER_*`), for what only order needs. The close delay and sweep
interval stay in the shared settings, where the runtime and operators already look."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class OrderSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YYS_ORDER_", extra="ignore", frozen=True)

    # Platform commission on settled orders, in basis points (500 = 5 %).
    commission_bps: int = Field(default=500, ge=0, le=10_000)
    # The settlement run: daily at this local time, for the previous local day.
    settle_daily_at: str = "02:00"
    settle_tz: str = "Asia/Shanghai"
    worker_concurrency: int = Field(default=4, ge=1)
    # A paid order nobody checked in expires this long after its stay ended.
    expire_grace_seconds: float = Field(default=0.0, ge=0)
    # How often the expiry and refund-retry tasks run (on the scheduler's leader).
    expire_interval_seconds: float = Field(default=300.0, gt=0)
    refund_retry_interval_seconds: float = Field(default=60.0, gt=0)
    # A refund not confirmed by payment this long after it was asked for is asked again.
    refund_retry_after_seconds: float = Field(default=30.0, ge=0)
