"""Usercenter use cases: register, login, WeChat mini-program login, detail.

Write use cases receive a repository opened by the caller (the request boundary commits); they
never commit themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from yys.kit.auth.tokens import IssuedToken
from yys.kit.ratelimit import RateLimiter
from yys.services.usercenter.domain import (
    AUTH_SYSTEM,
    AUTH_WX_MINI,
    InvalidMobile,
    InvalidPassword,
    LoginRateLimited,
    MobileTaken,
    NewUser,
    User,
    UserNotFound,
    WrongCredentials,
    WxAuthFailed,
    WxDataInvalid,
    WxIdentity,
    WxPhone,
    default_nickname,
    ensure_active,
    login_password_acceptable,
    validate_mobile,
    validate_password,
    wx_nickname,
)
from yys.services.usercenter.ports import PasswordHasher, TokenIssuer, UserRepository, WxMiniProvider

# Verified against for unknown mobiles so "no such user" costs as much as "wrong password".
_DUMMY_PASSWORD = "yys-timing-equaliser"


@dataclass(frozen=True, slots=True)
class LoginLimits:
    per_mobile: int
    per_client: int
    window_seconds: int


class UsercenterService:
    def __init__(self, *, hasher: PasswordHasher, tokens: TokenIssuer, limiter: RateLimiter,
                 wx: WxMiniProvider, limits: LoginLimits) -> None:
        self._hasher = hasher
        self._tokens = tokens
        self._limiter = limiter
        self._wx = wx
        self._limits = limits
        self._dummy_hash: str | None = None

    async def register(self, *, repo: UserRepository, mobile: str, password: str,
                       client: str) -> IssuedToken:
        """Create a password account and log it in; a taken mobile is `MobileTaken`."""
        mobile = validate_mobile(mobile)
        password = validate_password(password)
        await self._check_client_rate(client)
        if await repo.get_by_mobile(mobile) is not None:
            # Fast path only: the unique index decides races (the adapter raises MobileTaken).
            raise MobileTaken()
        password_hash = await self._hasher.hash(password)
        user_id = await repo.create(NewUser(mobile=mobile, password_hash=password_hash,
                                            nickname=default_nickname(mobile)))
        await repo.add_auth(user_id=user_id, auth_type=AUTH_SYSTEM, auth_key=mobile)
        return self._tokens.issue(user_id)

    async def login(self, *, repo: UserRepository, mobile: str, password: str,
                    client: str) -> IssuedToken:
        """Check mobile + password; unknown mobile and wrong password look the same."""
        try:
            mobile = validate_mobile(mobile)
        except InvalidMobile:
            raise WrongCredentials() from None
        if not login_password_acceptable(password):
            raise InvalidPassword()
        await self._check_login_rate(mobile, client)
        user = await repo.get_by_mobile(mobile)
        if user is None:
            await self._hasher.verify(await self._dummy(), password)
            raise WrongCredentials()
        if not user.password_hash or not await self._hasher.verify(user.password_hash, password):
            raise WrongCredentials()
        ensure_active(user)
        return self._tokens.issue(user.id)

    async def wx_identify(self, *, code: str, iv: str, encrypted_data: str,
                          client: str) -> WxIdentity:
        """Ask WeChat who this is (code → session, decrypt the phone payload). No database: the
        caller runs it before opening a transaction, so no connection waits on WeChat."""
        if not code.strip():
            raise WxAuthFailed("wechat code is required")
        if not iv or not encrypted_data:
            raise WxDataInvalid("iv and encryptedData are required")
        await self._check_client_rate(client)
        session = await self._wx.code_to_session(code)
        phone = self._wx.decrypt_phone(session, iv=iv, encrypted_data=encrypted_data)
        return WxIdentity(openid=session.openid, phone=phone)

    async def wx_login(self, *, repo: UserRepository, identity: WxIdentity) -> IssuedToken:
        """A known openid logs in, a known mobile gets the openid bound, else a new user."""
        user_id = await repo.find_user_id_by_auth(auth_type=AUTH_WX_MINI, auth_key=identity.openid)
        if user_id is None:
            user_id = await self._bind_or_create(repo, openid=identity.openid, phone=identity.phone)
        user = await repo.get_by_id(user_id)
        if user is None:
            raise UserNotFound()
        ensure_active(user)
        return self._tokens.issue(user.id)

    async def wx_mini_auth(self, *, repo: UserRepository, code: str, iv: str, encrypted_data: str,
                           client: str) -> IssuedToken:
        """`wx_identify` then `wx_login`, for callers that already hold a transaction."""
        identity = await self.wx_identify(code=code, iv=iv, encrypted_data=encrypted_data,
                                          client=client)
        return await self.wx_login(repo=repo, identity=identity)

    async def detail(self, *, repo: UserRepository, user_id: int) -> User:
        """The caller's own account."""
        user = await repo.get_by_id(user_id)
        if user is None:
            raise UserNotFound()
        return user

    async def _bind_or_create(self, repo: UserRepository, *, openid: str, phone: WxPhone) -> int:
        try:
            mobile = validate_mobile(phone.pure_phone_number)
        except InvalidMobile:
            raise WxDataInvalid("unsupported phone number") from None
        existing = await repo.get_by_mobile(mobile)
        if existing is not None:
            user_id = existing.id
        else:
            user_id = await repo.create(NewUser(mobile=mobile, password_hash="",
                                                nickname=wx_nickname(phone), avatar=phone.avatar))
            await repo.add_auth(user_id=user_id, auth_type=AUTH_SYSTEM, auth_key=mobile)
        await repo.add_auth(user_id=user_id, auth_type=AUTH_WX_MINI, auth_key=openid)
        return user_id

    async def _check_login_rate(self, mobile: str, client: str) -> None:
        # The per-mobile limit stops guessing one account's password from many addresses; the
        # per-client limit stops one address from spraying many accounts.
        limits = self._limits
        decision = await self._limiter.hit(f"login:mobile:{mobile}", limit=limits.per_mobile,
                                           window=limits.window_seconds)
        if not decision.allowed:
            raise LoginRateLimited(retry_after=max(1, decision.retry_after))
        await self._check_client_rate(client)

    async def _check_client_rate(self, client: str) -> None:
        # Register and WeChat login share the client budget: each costs a hash or an upstream call.
        limits = self._limits
        decision = await self._limiter.hit(f"login:client:{client}", limit=limits.per_client,
                                           window=limits.window_seconds)
        if not decision.allowed:
            raise LoginRateLimited(retry_after=max(1, decision.retry_after))

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await self._hasher.hash(_DUMMY_PASSWORD)
        return self._dummy_hash
