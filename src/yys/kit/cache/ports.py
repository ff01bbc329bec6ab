"""The cache port: bytes in, bytes out, plus a short-lived lock for cross-process singleflight."""

from __future__ import annotations

from typing import Protocol


class CacheUnavailableError(Exception):
    """The backend cannot be reached; callers fall back to the source of truth."""


class CacheBackend(Protocol):
    name: str

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl: float) -> None: ...

    async def delete(self, *keys: str) -> None: ...

    async def try_lock(self, key: str, ttl: float) -> str | None:
        """Take the lock if free; return its token, or None if someone else holds it."""
        ...

    async def unlock(self, key: str, token: str) -> None: ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...
