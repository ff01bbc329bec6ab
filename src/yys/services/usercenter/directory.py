"""Cached reads of users by id (cache-aside), shared by the token check and the profile client.

Every user write goes through `writing()`, which drops the touched users' entries after the
transaction commits, so a reader can never re-cache the pre-commit row.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

import msgspec

from yys.kit.auth.tokens import Claims
from yys.kit.cache import CacheAside
from yys.kit.cache.ports import CacheBackend
from yys.kit.db import Database
from yys.kit.errors import Unauthorized
from yys.kit.settings import Settings
from yys.services.usercenter.domain import User
from yys.services.usercenter.repository import SqlUserRepository


class UserSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """What other services and the auth check need: no mobile, no password hash."""

    id: int
    nickname: str
    avatar: str
    info: str
    sex: int
    disabled: bool

    @classmethod
    def of(cls, user: User) -> UserSnapshot:
        return cls(id=user.id, nickname=user.nickname, avatar=user.avatar, info=user.info,
                   sex=user.sex, disabled=user.disabled)


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(UserSnapshot)


def snapshot_cache(backend: CacheBackend, settings: Settings) -> CacheAside[UserSnapshot]:
    return CacheAside(
        backend,
        name="usercenter:user",
        encode=_encoder.encode,
        decode=_decoder.decode,
        ttl=settings.cache_ttl_seconds,
        negative_ttl=settings.cache_negative_ttl_seconds,
        jitter=settings.cache_ttl_jitter,
        enabled=settings.cache_enabled,
    )


class UserDirectory:
    def __init__(self, db: Database, cache: CacheAside[UserSnapshot]) -> None:
        self._db = db
        self._cache = cache

    async def _load(self, user_ids: Sequence[int]) -> dict[int, UserSnapshot]:
        async with self._db.read() as conn:
            users = await SqlUserRepository(conn).get_many(user_ids)
        return {u.id: UserSnapshot.of(u) for u in users}

    async def get(self, user_id: int) -> UserSnapshot | None:
        async def load() -> UserSnapshot | None:
            return (await self._load([user_id])).get(user_id)

        return await self._cache.get(str(user_id), load)

    async def get_many(self, user_ids: Sequence[int]) -> dict[int, UserSnapshot]:
        ids = list(dict.fromkeys(user_ids))
        batch: asyncio.Task[dict[int, UserSnapshot]] | None = None

        def loader(user_id: int) -> Callable[[], Awaitable[UserSnapshot | None]]:
            async def load() -> UserSnapshot | None:
                # All misses of this call share one `IN (...)` query instead of one query each.
                nonlocal batch
                if batch is None:
                    batch = asyncio.ensure_future(self._load(ids))
                return (await batch).get(user_id)

            return load

        found = await asyncio.gather(*(self._cache.get(str(i), loader(i)) for i in ids))
        return {s.id: s for s in found if s is not None}

    async def invalidate(self, *user_ids: int) -> None:
        if user_ids:
            await self._cache.invalidate(*(str(i) for i in user_ids))

    async def check_claims(self, claims: Claims) -> None:
        """Token check: the account must still exist and not be disabled."""
        snapshot = await self.get(claims.subject)
        if snapshot is None or snapshot.disabled:
            raise Unauthorized()

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[SqlUserRepository]:
        """A unit of work over users; touched users leave the cache once it has committed."""
        async with self._db.unit_of_work() as conn:
            repo = SqlUserRepository(conn)
            yield repo
        await self.invalidate(*repo.written)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqlUserRepository]:
        async with self._db.read() as conn:
            yield SqlUserRepository(conn)
