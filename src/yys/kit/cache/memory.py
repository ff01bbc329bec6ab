"""In-process cache for the one-process embedded default: a bounded LRU with expiry."""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict


class MemoryCache:
    name = "memory"

    def __init__(self, *, max_items: int = 100_000) -> None:
        self._items: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._locks: dict[str, tuple[float, str]] = {}
        self._max_items = max_items

    async def get(self, key: str) -> bytes | None:
        item = self._items.get(key)
        if item is None:
            return None
        expires, value = item
        if expires <= time.monotonic():
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return value

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        self._items[key] = (time.monotonic() + ttl, value)
        self._items.move_to_end(key)
        while len(self._items) > self._max_items:
            self._items.popitem(last=False)

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._items.pop(key, None)

    async def try_lock(self, key: str, ttl: float) -> str | None:
        now = time.monotonic()
        held = self._locks.get(key)
        if held is not None and held[0] > now:
            return None
        token = uuid.uuid4().hex
        self._locks[key] = (now + ttl, token)
        return token

    async def unlock(self, key: str, token: str) -> None:
        held = self._locks.get(key)
        if held is not None and held[1] == token:
            del self._locks[key]

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._items.clear()
