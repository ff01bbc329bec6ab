"""What the usercenter use cases need from the outside world."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from yys.contracts.admin import AuditEntry
from yys.kit.auth.tokens import IssuedToken
from yys.kit.listing import Sort
from yys.services.usercenter.domain import NewUser, User, UserFilter, WxPhone, WxSession


class UserRepository(Protocol):
    """Users and their login methods, inside one transaction opened by the caller."""

    async def get_by_id(self, user_id: int) -> User | None: ...

    async def get_by_mobile(self, mobile: str) -> User | None: ...

    async def get_many(self, user_ids: Sequence[int]) -> list[User]: ...

    async def create(self, new: NewUser) -> int:
        """Insert a user; raises `MobileTaken` when the mobile exists (unique index)."""
        ...

    async def add_auth(self, *, user_id: int, auth_type: str, auth_key: str) -> None:
        """Bind a login method; raises `AuthAlreadyBound` on a duplicate."""
        ...

    async def find_user_id_by_auth(self, *, auth_type: str, auth_key: str) -> int | None: ...

    async def set_disabled(self, user_id: int, *, disabled: bool) -> bool:
        """Flip the disabled flag (bumps `version`); False if the user does not exist."""
        ...


class UserAdminRepository(Protocol):
    """What the back office needs, inside one transaction (or read) opened by the caller."""

    async def get_by_id(self, user_id: int) -> User | None: ...

    async def list_users(self, f: UserFilter, sort: Sort, *, offset: int,
                         limit: int) -> tuple[int, list[User]]: ...

    async def set_disabled(self, user_id: int, *, disabled: bool) -> bool: ...

    async def record_audit(self, entry: AuditEntry) -> None:
        """Put the entry in the service's outbox, in this transaction."""
        ...


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, hashed: str, password: str) -> bool: ...


class WxMiniProvider(Protocol):
    """WeChat mini-program login: `code` → session, then the encrypted phone payload."""

    async def code_to_session(self, code: str) -> WxSession:
        """Raises `WxAuthFailed` when WeChat rejects the code."""
        ...

    def decrypt_phone(self, session: WxSession, *, iv: str, encrypted_data: str) -> WxPhone:
        """Raises `WxDataInvalid` (undecryptable) or `WxAuthFailed` (foreign watermark)."""
        ...


class TokenIssuer(Protocol):
    def issue(self, subject: int) -> IssuedToken: ...
