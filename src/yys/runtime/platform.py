"""Builds the shared infrastructure of one process from settings."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis

from yys.kit.auth.keys import SigningKey, load_or_create_pem
from yys.kit.auth.passwords import PasswordHasher
from yys.kit.auth.tokens import TokenService
from yys.kit.cache import MemoryCache, RedisCache
from yys.kit.cache.ports import CacheBackend
from yys.kit.db import Databases
from yys.kit.hosting import Platform
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


def build_platform(settings: Settings) -> Platform:
    redis_client: Any = None
    cache: CacheBackend
    limiter: RateLimiter
    if settings.redis_url:
        redis_client = aioredis.from_url(settings.redis_url, socket_timeout=0.5,
                                         socket_connect_timeout=0.5, health_check_interval=15)
        cache = RedisCache(redis_client, prefix=settings.redis_key_prefix + "cache:")
        limiter = RedisRateLimiter(redis_client, prefix=settings.redis_key_prefix + "rl:")
    else:
        cache = MemoryCache(max_items=settings.cache_memory_max_items)
        limiter = MemoryRateLimiter()
    tokens = TokenService(
        signing_key(settings),
        issuer=settings.jwt_issuer,
        ttl_seconds=settings.jwt_access_ttl_seconds,
        refresh_after_seconds=settings.jwt_refresh_after_seconds,
    )
    hasher = PasswordHasher(time_cost=settings.password_hash_time_cost,
                            memory_kib=settings.password_hash_memory_kib)
    return Platform(
        settings=settings,
        databases=Databases(pool_size=settings.database_pool_size, echo=settings.database_echo),
        cache=cache,
        rate_limiter=limiter,
        tokens=tokens,
        hasher=hasher,
        redis=redis_client,
    )


async def close_platform(platform: Platform) -> None:
    await platform.databases.dispose()
    if platform.redis is not None:
        await platform.redis.aclose()
