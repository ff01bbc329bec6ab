from __future__ import annotations

from datetime import UTC, datetime

import pytest

from yys.kit.errors import AppError, ErrorKind
from yys.services.usercenter import domain
from yys.services.usercenter.domain import (
    InvalidMobile,
    InvalidPassword,
    User,
    UserDisabled,
    WxPhone,
    default_nickname,
    ensure_active,
    login_password_acceptable,
    validate_mobile,
    validate_password,
    wx_nickname,
)


@pytest.mark.parametrize("mobile", ["13800000000", "19999999999", " 13800000000 ", "10000000000"])
def test_valid_mobiles(mobile: str) -> None:
    assert validate_mobile(mobile) == mobile.strip()


@pytest.mark.parametrize("mobile", ["", "1380000000", "138000000000", "23800000000", "1380000000a",
                                    "+8613800000000", "１３８００００００００", "1３８００００００００"])
def test_invalid_mobiles(mobile: str) -> None:
    with pytest.raises(InvalidMobile):
        validate_mobile(mobile)


@pytest.mark.parametrize("password", ["12345678", "x" * 64, "密码密码密码密码", "pass word"])
def test_valid_passwords(password: str) -> None:
    assert validate_password(password) == password


@pytest.mark.parametrize("password", ["", "1234567", "x" * 65])
def test_invalid_passwords(password: str) -> None:
    with pytest.raises(InvalidPassword):
        validate_password(password)


def test_login_password_bounds() -> None:
    assert login_password_acceptable("a")
    assert not login_password_acceptable("")
    assert not login_password_acceptable("x" * 65)


def test_nicknames() -> None:
    assert default_nickname("13812345678") == "用户5678"
    assert wx_nickname(WxPhone("13812345678", "13812345678", "86")) == "用户5678"
    assert wx_nickname(WxPhone("13812345678", "13812345678", "86", nickname=" 小明 ")) == "小明"
    assert len(wx_nickname(WxPhone("1", "13812345678", "86", nickname="x" * 100))) == 64


def test_ensure_active() -> None:
    now = datetime.now(UTC)
    user = User(1, "13800000000", "", "n", 0, "", "", False, 0, now, now)
    assert ensure_active(user) is user
    with pytest.raises(UserDisabled):
        ensure_active(User(1, "13800000000", "", "n", 0, "", "", True, 0, now, now))


def test_error_codes_are_usercenter_codes_and_unique() -> None:
    errors = [v for v in vars(domain).values()
              if isinstance(v, type) and issubclass(v, Exception) and v.__module__ == domain.__name__]
    codes = [e.code for e in errors]
    assert len(codes) == len(set(codes))
    assert all(200000 < c < 201000 for c in codes)


@pytest.mark.parametrize(("error", "kind"), [
    (domain.MobileTaken, ErrorKind.CONFLICT),
    (domain.WrongCredentials, ErrorKind.UNAUTHORIZED),
    (domain.UserDisabled, ErrorKind.FORBIDDEN),
    (domain.LoginRateLimited, ErrorKind.RATE_LIMITED),
    (domain.WxDataInvalid, ErrorKind.BAD_REQUEST),
    (domain.WxAuthFailed, ErrorKind.UNAUTHORIZED),
])
def test_error_kinds(error: type[AppError], kind: ErrorKind) -> None:
    assert error.kind is kind
