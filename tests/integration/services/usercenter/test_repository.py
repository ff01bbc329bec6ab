"""Behaviour of the SQL `UserRepository` on SQLite and MariaDB."""

from __future__ import annotations

import asyncio

import pytest

from yys.kit.db import Database
from yys.services.usercenter.domain import (
    AUTH_SYSTEM,
    AUTH_WX_MINI,
    AuthAlreadyBound,
    MobileTaken,
    NewUser,
)
from yys.services.usercenter.repository import SqlUserRepository


def _new(mobile: str = "13800000001", **kw: object) -> NewUser:
    fields: dict[str, object] = {"mobile": mobile, "password_hash": "$argon2id$x",
                                 "nickname": "张三", **kw}
    return NewUser(**fields)  # type: ignore[arg-type]


async def test_create_and_read_back(db: Database) -> None:
    async with db.unit_of_work() as conn:
        repo = SqlUserRepository(conn)
        user_id = await repo.create(_new(nickname="小明 🏡", avatar="https://a/b.png", info="hi",
                                         sex=1))
        assert repo.written == {user_id}
    async with db.read() as conn:
        repo = SqlUserRepository(conn)
        user = await repo.get_by_id(user_id)
        assert user is not None
        assert (user.mobile, user.nickname, user.avatar, user.info, user.sex) == (
            "13800000001", "小明 🏡", "https://a/b.png", "hi", 1)
        assert user.password_hash == "$argon2id$x"
        assert user.disabled is False
        assert user.version == 0
        assert user.create_time == user.update_time
        assert await repo.get_by_mobile("13800000001") == user
        assert await repo.get_by_mobile("13800000002") is None
        assert await repo.get_by_id(user_id + 1000) is None


async def test_ids_increase(db: Database) -> None:
    async with db.unit_of_work() as conn:
        repo = SqlUserRepository(conn)
        first = await repo.create(_new("13800000001"))
        second = await repo.create(_new("13800000002"))
    assert second > first > 0


async def test_duplicate_mobile_is_mobile_taken(db: Database) -> None:
    async with db.unit_of_work() as conn:
        await SqlUserRepository(conn).create(_new())
    with pytest.raises(MobileTaken):
        async with db.unit_of_work() as conn:
            await SqlUserRepository(conn).create(_new(nickname="other"))
    async with db.read() as conn:
        assert len(await SqlUserRepository(conn).get_many([1, 2, 3])) == 1


async def test_failed_transaction_leaves_nothing(db: Database) -> None:
    with pytest.raises(MobileTaken):
        async with db.unit_of_work() as conn:
            repo = SqlUserRepository(conn)
            await repo.create(_new("13800000001"))
            await repo.create(_new("13800000001"))
    async with db.read() as conn:
        assert await SqlUserRepository(conn).get_by_mobile("13800000001") is None


async def test_concurrent_creates_of_one_mobile(db: Database) -> None:
    async def create() -> str:
        try:
            async with db.unit_of_work() as conn:
                await SqlUserRepository(conn).create(_new())
        except MobileTaken:
            return "taken"
        return "created"

    results = await asyncio.gather(create(), create(), create())
    assert sorted(results) == ["created", "taken", "taken"]


async def test_auth_bindings(db: Database) -> None:
    async with db.unit_of_work() as conn:
        repo = SqlUserRepository(conn)
        user_id = await repo.create(_new())
        await repo.add_auth(user_id=user_id, auth_type=AUTH_SYSTEM, auth_key="13800000001")
        await repo.add_auth(user_id=user_id, auth_type=AUTH_WX_MINI, auth_key="openid-1")
        other = await repo.create(_new("13800000002"))
    async with db.read() as conn:
        repo = SqlUserRepository(conn)
        assert await repo.find_user_id_by_auth(auth_type=AUTH_WX_MINI, auth_key="openid-1") == user_id
        assert await repo.find_user_id_by_auth(auth_type=AUTH_SYSTEM, auth_key="openid-1") is None
    # The same openid cannot be bound twice, nor can a user get a second WeChat login.
    for uid, key in ((other, "openid-1"), (user_id, "openid-2")):
        with pytest.raises(AuthAlreadyBound):
            async with db.unit_of_work() as conn:
                await SqlUserRepository(conn).add_auth(user_id=uid, auth_type=AUTH_WX_MINI,
                                                       auth_key=key)


async def test_get_many(db: Database) -> None:
    async with db.unit_of_work() as conn:
        repo = SqlUserRepository(conn)
        ids = [await repo.create(_new(f"1380000000{n}")) for n in range(3)]
    async with db.read() as conn:
        repo = SqlUserRepository(conn)
        found = await repo.get_many([ids[2], ids[0], ids[0], 99999])
        assert sorted(u.id for u in found) == [ids[0], ids[2]]
        assert await repo.get_many([]) == []


async def test_set_disabled_bumps_version(db: Database) -> None:
    async with db.unit_of_work() as conn:
        user_id = await SqlUserRepository(conn).create(_new())
    async with db.unit_of_work() as conn:
        repo = SqlUserRepository(conn)
        assert await repo.set_disabled(user_id, disabled=True)
        assert not await repo.set_disabled(user_id + 1000, disabled=True)
    async with db.read() as conn:
        user = await SqlUserRepository(conn).get_by_id(user_id)
    assert user is not None
    assert user.disabled is True
    assert user.version == 1
