"""One settings object for every process, read from `YYS_*` environment variables.

The embedded default needs no configuration at all: everything points into the data dir.
Production sets URLs (database, Redis, Kafka) and key material through the environment or files
mounted from secrets; nothing secret ever has a default here.
"""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE_NAMES = ("usercenter", "travel", "order", "payment", "mqueue", "admin", "web")


def _default_data_dir() -> Path:
    return Path(user_data_dir("yys", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YYS_", extra="ignore", frozen=True)

    env: str = "dev"
    data_dir: Path = Field(default_factory=_default_data_dir)
    log_level: str = "INFO"
    # One JSON line per HTTP request (`on`/`off`); the sample keeps that fraction of them.
    # Requests that fail with 5xx are always logged.
    access_log: bool = True
    access_log_sample: float = Field(default=1.0, ge=0.0, le=1.0)

    # OpenTelemetry traces. Off: nothing is instrumented (the API's no-op tracer, ~zero cost).
    # The endpoint is the collector's OTLP/HTTP base URL (`http://127.0.0.1:4318`); unset, the
    # standard `OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT` variables apply. Sampling is parent-based:
    # a request that arrives with a sampled `traceparent` is always kept.
    otel_enabled: bool = False
    otel_exporter_otlp_endpoint: str | None = None
    otel_sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0)
    otel_service_name: str | None = None

    # Storage. One URL for all services unless a per-service override is set; in production each
    # service points at its own schema. Unset means the embedded SQLite file in the data dir.
    database_url: str | None = None
    usercenter_database_url: str | None = None
    travel_database_url: str | None = None
    order_database_url: str | None = None
    payment_database_url: str | None = None
    mqueue_database_url: str | None = None
    admin_database_url: str | None = None
    database_pool_size: int = 10
    database_echo: bool = False

    redis_url: str | None = None
    redis_key_prefix: str = "yys:"
    kafka_bootstrap_servers: str | None = None
    # The test broker (tansu) rejects idempotent producers; correctness rests on the outbox and
    # idempotent consumers anyway, so this is an optimisation to turn on with real Kafka.
    kafka_enable_idempotence: bool = False
    kafka_topic_partitions: int = 3
    kafka_replication_factor: int = 1
    # Group membership timings (aiokafka's names). Shorter ones make a restarted consumer take
    # over sooner at the price of more rebalances on a slow network.
    kafka_session_timeout_ms: int = 10_000
    kafka_heartbeat_interval_ms: int = 3_000
    kafka_rebalance_timeout_ms: int = 30_000
    kafka_fetch_max_wait_ms: int = 100

    # Delay queue: a job whose worker died is run again after this lease.
    job_lease_seconds: float = 60.0
    job_poll_interval_seconds: float = 0.5

    # HTTP
    host: str = "127.0.0.1"
    port: int = 8888
    request_max_body_bytes: int = 64 * 1024
    public_base_url: str | None = None
    # Peers whose X-Forwarded-For is believed (IPs/CIDRs, comma-separated; empty: nobody).
    # Loopback is the split edge and the web process; see yys.kit.http.clientaddr.
    trusted_proxies: str = "127.0.0.1/32,::1/128"

    # Internal gRPC (`yys serve`; `yys up` calls everything in-process and opens no gRPC port).
    # The deadline is the default of every outgoing call (go-zero's 2 s), capped by what is left
    # of the incoming call's deadline. A target is where a service not hosted here is reached,
    # e.g. `dns:///usercenter-grpc.yys.svc.cluster.local:9090` (headless: round-robin over pods).
    grpc_port: int = 9090
    grpc_deadline_seconds: float = 2.0
    grpc_max_message_bytes: int = 4 * 1024 * 1024
    grpc_grace_seconds: float = 10.0
    usercenter_grpc_target: str | None = None
    travel_grpc_target: str | None = None
    order_grpc_target: str | None = None
    payment_grpc_target: str | None = None
    mqueue_grpc_target: str | None = None
    admin_grpc_target: str | None = None

    # Cache-aside
    cache_enabled: bool = True
    cache_ttl_seconds: int = 300
    cache_negative_ttl_seconds: int = 30
    cache_ttl_jitter: float = 0.1
    cache_memory_max_items: int = 100_000

    # Auth. Keys are PEM text or a file path; unset in the embedded mode means "generate into the
    # data dir on first start".
    jwt_private_key: SecretStr | None = None
    jwt_private_key_file: Path | None = None
    jwt_issuer: str = "yys"
    jwt_access_ttl_seconds: int = 7 * 24 * 3600
    jwt_refresh_after_seconds: int = 3 * 24 * 3600
    password_hash_time_cost: int = 2
    password_hash_memory_kib: int = 19 * 1024

    login_rate_per_mobile: int = 5
    login_rate_per_client: int = 30
    login_rate_window_seconds: int = 60

    # Wechat mini program login (sandbox by default)
    wx_provider: str = "sandbox"
    wx_appid: str = "wx-sandbox-appid"
    wx_secret: SecretStr | None = None

    # Order lifecycle
    order_close_delay_seconds: int = 1800
    order_sweep_interval_seconds: int = 60

    admin_password: SecretStr | None = None
    admin_access_ttl_seconds: int = 8 * 3600
    admin_login_max_failures: int = 5
    admin_login_lockout_seconds: int = 900

    def grpc_target_for(self, service: str) -> str | None:
        target = getattr(self, f"{service}_grpc_target", None)
        return str(target) if target else None

    def database_url_for(self, service: str) -> str:
        override = getattr(self, f"{service}_database_url", None)
        if override:
            return str(override)
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'yys.db'}"
