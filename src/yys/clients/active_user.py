"""The active-user check of user tokens, with a short local memory when usercenter is remote.

Every order, payment and review route asks usercenter whether the token's user still exists and
is not disabled. In one process that is a call into usercenter's own cache-aside directory
(microseconds; a disable invalidates it at once). In the split topology it is a gRPC call, the
most frequent one of the booking flow (one per authenticated request, next to the call the
request itself needs), so the caller remembers the users it found active for `ttl` seconds.

The trade-off: a user disabled in the back office keeps getting through the services that
remembered them as active for at most `ttl` seconds (default 5 s), in those processes only;
usercenter's own routes and every process that had not seen the user refuse at once. Only
"active" is remembered: a missing or disabled user is asked again on every request, so an
enable takes effect at once and a refusal never sticks. The memory is bounded (oldest entries
leave first). `ActiveUsers.forget` drops a user at once; nothing calls it across processes yet
(a "user disabled" event would: see docs/SPLIT.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from yys.kit.http.auth import ClaimsCheck, active_user_check
from yys.kit.observability.metrics import CACHE_REQUESTS

if TYPE_CHECKING:
    from yys.clients import Clients

ACTIVE_USER_TTL_SECONDS = 5.0
ACTIVE_USER_MAX_ENTRIES = 10_000
CACHE_NAME = "active_user"


class ActiveUsers:
    """User ids confirmed active, each for `ttl` seconds; at most `max_entries`."""

    def __init__(self, ttl: float = ACTIVE_USER_TTL_SECONDS,
                 max_entries: int = ACTIVE_USER_MAX_ENTRIES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._until: dict[int, float] = {}  # insertion order = age order: the first is the oldest

    def fresh(self, user_id: int) -> bool:
        until = self._until.get(user_id)
        if until is None:
            return False
        if until > self._clock():
            return True
        del self._until[user_id]
        return False

    def remember(self, user_id: int) -> None:
        self._until.pop(user_id, None)  # re-inserted last: the youngest again
        while len(self._until) >= self.max_entries:
            del self._until[next(iter(self._until))]
        self._until[user_id] = self._clock() + self.ttl

    def forget(self, user_id: int) -> None:
        self._until.pop(user_id, None)

    def __len__(self) -> int:
        return len(self._until)


class _Active:
    """What the check sees for a remembered user: present and not disabled."""

    disabled = False


_ACTIVE = _Active()


def is_remote(client: Any) -> bool:
    """Whether a bound client crosses a process boundary (remote clients say so)."""
    return bool(getattr(client, "remote", False))


def active_user(clients: Clients, *, memory: ActiveUsers | None = None) -> ClaimsCheck:
    """The user-token check every service applies: the account must still exist and not be
    disabled (asked of usercenter at call time; remembered briefly when usercenter is remote)."""
    users = memory if memory is not None else ActiveUsers()
    hits, misses = CACHE_REQUESTS.labels(CACHE_NAME, "hit"), CACHE_REQUESTS.labels(CACHE_NAME, "miss")

    async def lookup(user_id: int) -> object:
        usercenter = clients.usercenter
        if not is_remote(usercenter):
            return await usercenter.get_profile(user_id)
        if users.fresh(user_id):
            hits.inc()
            return _ACTIVE
        misses.inc()
        profile = await usercenter.get_profile(user_id)
        if profile is not None and not profile.disabled:
            users.remember(user_id)
        else:
            users.forget(user_id)
        return profile

    return active_user_check(lookup)
