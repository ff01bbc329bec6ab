"""Builds the shared infrastructure of one process from settings."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from sqlalchemy import Table

from yys.kit.auth.keys import SigningKey, load_or_create_pem
from yys.kit.auth.passwords import PasswordHasher
from yys.kit.auth.tokens import TokenService
from yys.kit.cache import MemoryCache, RedisCache
from yys.kit.cache.ports import CacheBackend
from yys.kit.db import Databases
from yys.kit.delayqueue.ports import DelayQueue, LeaderLease
from yys.kit.events.bus import Bus
from yys.kit.events.memory import MemoryBus
from yys.kit.hosting import Platform
from yys.kit.observability.tracing import instrument_redis
from yys.kit.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from yys.kit.settings import Settings


def signing_key(settings: Settings) -> SigningKey:
    if settings.jwt_private_key is not None:
        return SigningKey(settings.jwt_private_key.get_secret_value().encode())
    if settings.jwt_private_key_file is not None:
        return SigningKey(settings.jwt_private_key_file.read_bytes())
    if settings.env == "prod":
        raise RuntimeError("YYS_JWT_PRIVATE_KEY or YYS_JWT_PRIVATE_KEY_FILE must be set in prod")
    return SigningKey(load_or_create_pem(settings.data_dir / "keys" / "jwt-es256.pem"))


class _SqlJobQueues:
    def __init__(self, settings: Settings, databases: Databases) -> None:
        self._settings = settings
        self._databases = databases

    def _engine(self, service: str) -> Any:
        url = self._settings.database_url_for(service)
        return self._databases.for_service(url, service).engine

    def queue(self, service: str, table: Table) -> DelayQueue:
        from yys.kit.delayqueue.sql import SqlDelayQueue

        return SqlDelayQueue(self._engine(service), table,
                             lease_seconds=self._settings.job_lease_seconds)

    def lease(self, service: str, table: Table, name: str) -> LeaderLease:
        from yys.kit.delayqueue.sql import SqlLeaderLease

        return SqlLeaderLease(self._engine(service), table, name)


class _RedisJobQueues:
    def __init__(self, settings: Settings, client: Any) -> None:
        self._settings = settings
        self._client = client

    def queue(self, service: str, table: Table) -> DelayQueue:
        from yys.kit.delayqueue.redis import RedisDelayQueue

        # The braces are a Redis Cluster hash tag: every key of one queue on one slot.
        prefix = "{" + f"{self._settings.redis_key_prefix}dq:{service}" + "}"
        return RedisDelayQueue(self._client, prefix=prefix,
                               lease_seconds=self._settings.job_lease_seconds)

    def lease(self, service: str, table: Table, name: str) -> LeaderLease:
        from yys.kit.delayqueue.redis import RedisLeaderLease

        return RedisLeaderLease(self._client, f"{self._settings.redis_key_prefix}lease:{service}:{name}")


def build_bus(settings: Settings) -> Bus:
    if settings.kafka_bootstrap_servers:
        from yys.kit.events.kafka import KafkaBus, KafkaConsumerSettings

        timings = KafkaConsumerSettings(
            session_timeout_ms=settings.kafka_session_timeout_ms,
            heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
            rebalance_timeout_ms=settings.kafka_rebalance_timeout_ms,
            fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
        )
        return KafkaBus(settings.kafka_bootstrap_servers, client_id="yys",
                        enable_idempotence=settings.kafka_enable_idempotence,
                        num_partitions=settings.kafka_topic_partitions,
                        replication_factor=settings.kafka_replication_factor, consumer=timings)
    # One process hosts every group: a publish returns once the event was handled, so an
    # outbox row is only marked published after its consumers committed (no loss on a crash).
    return MemoryBus(ack_after_consumed=True)


def build_platform(settings: Settings) -> Platform:
    redis_client: Any = None
    cache: CacheBackend
    limiter: RateLimiter
    if settings.redis_url:
        redis_client = aioredis.from_url(settings.redis_url, socket_timeout=0.5,
                                         socket_connect_timeout=0.5, health_check_interval=15)
        instrument_redis(redis_client)  # command spans, when tracing is on
        cache = RedisCache(redis_client, prefix=settings.redis_key_prefix + "cache:")
        limiter = RedisRateLimiter(redis_client, prefix=settings.redis_key_prefix + "rl:")
    else:
        cache = MemoryCache(max_items=settings.cache_memory_max_items)
        limiter = MemoryRateLimiter()
    key = signing_key(settings)
    admin_tokens = TokenService(key, issuer=settings.jwt_issuer,
                                ttl_seconds=settings.admin_access_ttl_seconds,
                                refresh_after_seconds=settings.admin_access_ttl_seconds // 2)
    tokens = TokenService(
        key,
        issuer=settings.jwt_issuer,
        ttl_seconds=settings.jwt_access_ttl_seconds,
        refresh_after_seconds=settings.jwt_refresh_after_seconds,
    )
    hasher = PasswordHasher(time_cost=settings.password_hash_time_cost,
                            memory_kib=settings.password_hash_memory_kib)
    databases = Databases(pool_size=settings.database_pool_size, echo=settings.database_echo)
    jobs = (_RedisJobQueues(settings, redis_client) if redis_client is not None
            else _SqlJobQueues(settings, databases))
    return Platform(
        settings=settings,
        databases=databases,
        bus=build_bus(settings),
        jobs=jobs,
        cache=cache,
        rate_limiter=limiter,
        tokens=tokens,
        admin_tokens=admin_tokens,
        hasher=hasher,
        redis=redis_client,
    )


async def close_platform(platform: Platform) -> None:
    await platform.bus.close()
    await platform.databases.dispose()
    if platform.redis is not None:
        await platform.redis.aclose()
