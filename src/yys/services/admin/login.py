"""Manager login: one answer for every credential failure, a per-address rate limit, and a
lockout counted in the database (so it holds across replicas and restarts)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from yys.kit.ratelimit import RateLimiter
from yys.services.admin.domain import (
    LoginLocked,
    LoginPolicy,
    LoginRateLimited,
    Manager,
    WrongCredentials,
    login_input_acceptable,
    normalize_username,
)
from yys.services.admin.ports import PasswordHasher, TokenIssuer, UnitFactory

# Verified against for unknown usernames so "no such manager" costs as much as a wrong password.
_DUMMY_PASSWORD = "yys-admin-timing-equaliser"


@dataclass(frozen=True, slots=True)
class ClientLimit:
    attempts: int
    window_seconds: int


@dataclass(frozen=True, slots=True)
class AdminToken:
    access_token: str
    access_expire: int


class LoginService:
    def __init__(self, *, reads: UnitFactory, writes: UnitFactory, hasher: PasswordHasher,
                 issue: TokenIssuer, limiter: RateLimiter, client_limit: ClientLimit,
                 policy: LoginPolicy, clock: Callable[[], float]) -> None:
        self._reads = reads
        self._writes = writes
        self._hasher = hasher
        self._issue = issue
        self._limiter = limiter
        self._client_limit = client_limit
        self._policy = policy
        self._clock = clock
        self._dummy_hash: str | None = None

    async def login(self, *, username: str, password: str, client: str) -> AdminToken:
        """A token for the right password of an enabled, unlocked manager."""
        await self._check_client_rate(client)
        if not login_input_acceptable(username, password):
            raise WrongCredentials()
        async with self._reads() as unit:
            manager = await unit.managers.get_by_username(normalize_username(username))
        now = int(self._clock())
        if manager is None:
            await self._hasher.verify(await self._dummy(), password)
            raise WrongCredentials()
        wait = self._policy.retry_after(manager, now)
        if wait:
            # Even the right password waits: otherwise the lock would not slow a guesser down.
            raise LoginLocked(retry_after=wait)
        if not await self._hasher.verify(manager.password_hash, password):
            await self._record_failure(manager.id, now)
            raise WrongCredentials()
        if manager.disabled:
            raise WrongCredentials()
        if manager.failed_logins:
            await self._reset(manager)
        token, expire = self._issue(manager)
        return AdminToken(access_token=token, access_expire=expire)

    async def _record_failure(self, manager_id: int, now: int) -> None:
        # Read-modify-write under the row lock (IMMEDIATE on SQLite): concurrent failures from
        # several replicas all count.
        async with self._writes() as unit:
            current = await unit.managers.get(manager_id, for_update=True)
            if current is None:
                return
            failed, locked_until = self._policy.after_failure(current.failed_logins, now)
            await unit.managers.set_login_state(manager_id, failed_logins=failed,
                                                locked_until=locked_until or current.locked_until)

    async def _reset(self, manager: Manager) -> None:
        async with self._writes() as unit:
            await unit.managers.set_login_state(manager.id, failed_logins=0,
                                                locked_until=manager.locked_until)

    async def _check_client_rate(self, client: str) -> None:
        limit = self._client_limit
        decision = await self._limiter.hit(f"admin-login:client:{client}", limit=limit.attempts,
                                           window=limit.window_seconds)
        if not decision.allowed:
            raise LoginRateLimited(retry_after=max(1, decision.retry_after))

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await self._hasher.hash(_DUMMY_PASSWORD)
        return self._dummy_hash
