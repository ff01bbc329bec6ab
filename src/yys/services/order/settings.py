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
