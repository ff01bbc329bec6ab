"""How the back office sees a user: the public profile fields plus state and bookkeeping.
Never the password hash. The same shape is the before/after of the audit entries."""

from __future__ import annotations

import calendar
from datetime import datetime

import msgspec

from yys.services.usercenter.domain import User


class UserItem(msgspec.Struct, rename="camel", kw_only=True):
    id: int
    mobile: str
    nickname: str
    sex: int
    avatar: str
    info: str
    disabled: bool
    version: int
    create_time: int
    update_time: int


def _unix(value: datetime) -> int:
    return calendar.timegm(value.timetuple())  # stored naive in UTC


def user_item(user: User) -> UserItem:
    return UserItem(id=user.id, mobile=user.mobile, nickname=user.nickname, sex=user.sex,
                    avatar=user.avatar, info=user.info, disabled=user.disabled,
                    version=user.version, create_time=_unix(user.create_time),
                    update_time=_unix(user.update_time))
