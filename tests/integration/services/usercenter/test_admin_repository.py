"""The admin user list on SQLite and MariaDB: prefix/contains filters taken literally, sort."""

from __future__ import annotations

import pytest

from yys.kit.db import Database
from yys.kit.listing import Sort
from yys.services.usercenter.domain import NewUser, UserFilter
from yys.services.usercenter.repository import SqlUserRepository

NEWEST = Sort("id", descending=True)


@pytest.fixture
async def users(db: Database) -> list[int]:
    async with db.unit_of_work() as conn:
        repo = SqlUserRepository(conn)
        ids = [await repo.create(NewUser(mobile=m, password_hash="h", nickname=n))
               for m, n in (("13800000001", "小明"), ("13800000002", "50%_off\\"),
                            ("13900000003", "老王"))]
        await repo.set_disabled(ids[2], disabled=True)
    return ids


async def test_filters(db: Database, users: list[int]) -> None:
    async with db.read() as conn:
        repo = SqlUserRepository(conn)
        total, found = await repo.list_users(UserFilter(), NEWEST, offset=0, limit=10)
        assert total == 3 and [u.id for u in found] == users[::-1]
        assert (await repo.list_users(UserFilter(mobile="1380"), NEWEST, offset=0, limit=10))[0] == 2
        assert (await repo.list_users(UserFilter(mobile="3800"), NEWEST, offset=0, limit=10))[0] == 0
        disabled = await repo.list_users(UserFilter(disabled=True), NEWEST, offset=0, limit=10)
        assert [u.id for u in disabled[1]] == [users[2]]
        for literal in ("%", "_", "\\", "%_off\\"):
            total, found = await repo.list_users(UserFilter(nickname=literal), NEWEST, offset=0,
                                                 limit=10)
            assert [u.id for u in found] == [users[1]], literal
        for nasty in ("' OR 1=1 --", "%", "_", "1%"):
            assert await repo.list_users(UserFilter(mobile=nasty), NEWEST, offset=0,
                                         limit=10) == (0, [])
        _, by_mobile = await repo.list_users(UserFilter(), Sort("mobile", False), offset=1,
                                             limit=1)
        assert [u.mobile for u in by_mobile] == ["13800000002"]
        with pytest.raises(ValueError, match="sort key"):
            await repo.list_users(UserFilter(), Sort("password", False), offset=0, limit=1)
