"""Users and their login methods: entities, input rules and the errors usercenter raises.

Pure Python on purpose: the rules here are unit-tested without a database or a framework.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from yys.kit.errors import BadRequest, Conflict, Forbidden, NotFound, RateLimited, Unauthorized

AUTH_SYSTEM = "system"  # auth_key = mobile
AUTH_WX_MINI = "wxMini"  # auth_key = openid

PASSWORD_MIN = 8
PASSWORD_MAX = 64
NICKNAME_MAX = 64
SEX_UNKNOWN = 0

_MOBILE = re.compile(r"1[0-9]{10}")  # not \d: it matches any Unicode digit

# --- errors (200xxx) -------------------------------------------------------------------------

MOBILE_TAKEN = 200001
WRONG_CREDENTIALS = 200002
USER_DISABLED = 200003
LOGIN_RATE_LIMITED = 200004
USER_NOT_FOUND = 200005
WX_AUTH_FAILED = 200006
WX_DATA_INVALID = 200007
INVALID_MOBILE = 200008
INVALID_PASSWORD = 200009
AUTH_ALREADY_BOUND = 200010


class MobileTaken(Conflict):
    code = MOBILE_TAKEN
    default_msg = "mobile already registered"


class WrongCredentials(Unauthorized):
    code = WRONG_CREDENTIALS
    # One message for an unknown mobile and a wrong password: callers must not learn which.
    default_msg = "wrong mobile or password"


class UserDisabled(Forbidden):
    code = USER_DISABLED
    default_msg = "account disabled"


class LoginRateLimited(RateLimited):
    code = LOGIN_RATE_LIMITED
    default_msg = "too many login attempts, try again later"


class UserNotFound(NotFound):
    code = USER_NOT_FOUND
    default_msg = "user not found"


class WxAuthFailed(Unauthorized):
    code = WX_AUTH_FAILED
    default_msg = "wechat login failed"


class WxDataInvalid(BadRequest):
    code = WX_DATA_INVALID
    default_msg = "wechat encrypted data invalid"


class InvalidMobile(BadRequest):
    code = INVALID_MOBILE
    default_msg = "mobile must be 11 digits starting with 1"


class InvalidPassword(BadRequest):
    code = INVALID_PASSWORD
    default_msg = f"password must be {PASSWORD_MIN}-{PASSWORD_MAX} characters"


class AuthAlreadyBound(Conflict):
    code = AUTH_ALREADY_BOUND
    default_msg = "this login is already bound to an account"


# --- entities --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class User:
    id: int
    mobile: str
    password_hash: str
    nickname: str
    sex: int
    avatar: str
    info: str
    disabled: bool
    version: int
    create_time: datetime
    update_time: datetime


@dataclass(frozen=True, slots=True)
class NewUser:
    mobile: str
    password_hash: str  # "" for accounts created through WeChat: they cannot log in by password
    nickname: str
    sex: int = SEX_UNKNOWN
    avatar: str = ""
    info: str = ""


@dataclass(frozen=True, slots=True)
class WxSession:
    openid: str
    session_key: str  # base64, as WeChat returns it
    unionid: str | None = None


@dataclass(frozen=True, slots=True)
class WxPhone:
    """The decrypted `getPhoneNumber` payload, after its watermark was checked."""

    phone_number: str
    pure_phone_number: str
    country_code: str
    nickname: str = ""
    avatar: str = ""


@dataclass(frozen=True, slots=True)
class WxIdentity:
    """Who WeChat says the caller is: resolved before any database work starts."""

    openid: str
    phone: WxPhone


# --- rules -----------------------------------------------------------------------------------


def validate_mobile(mobile: str) -> str:
    mobile = mobile.strip()
    if not _MOBILE.fullmatch(mobile):
        raise InvalidMobile()
    return mobile


def validate_password(password: str) -> str:
    # Length counts characters, not bytes; whitespace is significant and kept as typed.
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InvalidPassword()
    return password


def login_password_acceptable(password: str) -> bool:
    """Login only bounds the input (hashing megabytes is a DoS); the policy applies at register."""
    return 0 < len(password) <= PASSWORD_MAX


def default_nickname(mobile: str) -> str:
    """A friendly placeholder that does not reveal the full mobile."""
    return f"用户{mobile[-4:]}"


def wx_nickname(phone: WxPhone) -> str:
    name = phone.nickname.strip()[:NICKNAME_MAX]
    return name or default_nickname(phone.pure_phone_number)


def ensure_active(user: User) -> User:
    if user.disabled:
        raise UserDisabled()
    return user


# --- back office -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserFilter:
    """Admin list filters; None = not filtered."""

    mobile: str | None = None  # prefix
    nickname: str | None = None  # contains
    disabled: bool | None = None
