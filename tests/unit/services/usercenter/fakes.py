"""In-memory fakes of the usercenter ports, injected into the service (no monkeypatching)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from yys.kit.ratelimit import Decision
from yys.services.usercenter.domain import (
    AuthAlreadyBound,
    MobileTaken,
    NewUser,
    User,
    WxAuthFailed,
    WxPhone,
    WxSession,
)


class FakeUserRepository:
    def __init__(self) -> None:
        self.users: dict[int, User] = {}
        self.auths: dict[tuple[str, str], int] = {}
        self._next_id = 1

    async def get_by_id(self, user_id: int) -> User | None:
        return self.users.get(user_id)

    async def get_by_mobile(self, mobile: str) -> User | None:
        return next((u for u in self.users.values() if u.mobile == mobile), None)

    async def get_many(self, user_ids: Sequence[int]) -> list[User]:
        return [self.users[i] for i in dict.fromkeys(user_ids) if i in self.users]

    async def create(self, new: NewUser) -> int:
        if await self.get_by_mobile(new.mobile) is not None:
            raise MobileTaken()
        now = datetime.now(UTC)
        user = User(id=self._next_id, mobile=new.mobile, password_hash=new.password_hash,
                    nickname=new.nickname, sex=new.sex, avatar=new.avatar, info=new.info,
                    disabled=False, version=0, create_time=now, update_time=now)
        self.users[user.id] = user
        self._next_id += 1
        return user.id

    async def add_auth(self, *, user_id: int, auth_type: str, auth_key: str) -> None:
        taken_by_user = any(t == auth_type and uid == user_id for (t, _), uid in self.auths.items())
        if (auth_type, auth_key) in self.auths or taken_by_user:
            raise AuthAlreadyBound()
        self.auths[(auth_type, auth_key)] = user_id

    async def find_user_id_by_auth(self, *, auth_type: str, auth_key: str) -> int | None:
        return self.auths.get((auth_type, auth_key))

    async def set_disabled(self, user_id: int, *, disabled: bool) -> bool:
        user = self.users.get(user_id)
        if user is None:
            return False
        self.users[user_id] = replace(user, disabled=disabled, version=user.version + 1)
        return True


class FakeHasher:
    """Reversible 'hash' that counts verifications (the timing-equaliser test needs that)."""

    def __init__(self) -> None:
        self.verifications = 0

    async def hash(self, password: str) -> str:
        return f"h:{password}"

    async def verify(self, hashed: str, password: str) -> bool:
        self.verifications += 1
        return hashed == f"h:{password}"


class FakeLimiter:
    """Counts hits per key without windows; `limit` applies as given."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    async def hit(self, key: str, *, limit: int, window: int) -> Decision:
        self.counts[key] = self.counts.get(key, 0) + 1
        return Decision(self.counts[key] <= limit, window)

    async def reset(self, key: str) -> None:
        self.counts.pop(key, None)


class FakeWx:
    """code → openid `open-<code>`; encrypted data is the phone number itself."""

    async def code_to_session(self, code: str) -> WxSession:
        if code == "bad":
            raise WxAuthFailed()
        return WxSession(openid=f"open-{code}", session_key="k")

    def decrypt_phone(self, session: WxSession, *, iv: str, encrypted_data: str) -> WxPhone:
        return WxPhone(phone_number=encrypted_data, pure_phone_number=encrypted_data,
                       country_code="86", nickname="微信用户" if iv == "named" else "")
