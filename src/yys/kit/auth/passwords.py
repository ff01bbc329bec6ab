"""Argon2id password hashing, run in a worker thread so it never blocks the event loop."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class PasswordHasher:
    def __init__(self, *, time_cost: int = 2, memory_kib: int = 19 * 1024) -> None:
        # OWASP's minimum Argon2id profile (19 MiB, t=2, p=1) keeps login fast on 2 cores.
        self._hasher = _Argon2(time_cost=time_cost, memory_cost=memory_kib, parallelism=1,
                               type=Type.ID)

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, hashed: str, password: str) -> bool:
        def check() -> bool:
            try:
                return bool(self._hasher.verify(hashed, password))
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(check)

    def needs_rehash(self, hashed: str) -> bool:
        return bool(self._hasher.check_needs_rehash(hashed))
