"""Cache port, its two adapters and the cache-aside helper."""

from yys.kit.cache.aside import CacheAside
from yys.kit.cache.memory import MemoryCache
from yys.kit.cache.ports import CacheBackend, CacheUnavailableError
from yys.kit.cache.redis import RedisCache

__all__ = ["CacheAside", "CacheBackend", "CacheUnavailableError", "MemoryCache", "RedisCache"]
