from __future__ import annotations

import time

from yys.kit.auth.passwords import PasswordHasher
from yys.kit.db import Database
from yys.services.usercenter.domain import AUTH_SYSTEM
from yys.services.usercenter.repository import SqlUserRepository
from yys.services.usercenter.seed import guest_nickname, seed_hosts, seed_users


async def test_seed_users_bulk_and_idempotent(db: Database) -> None:
    hasher = PasswordHasher(time_cost=1, memory_kib=1024)
    started = time.perf_counter()
    ids = await seed_users(db, hasher, count=2500, start_mobile=13800000000)
    assert time.perf_counter() - started < 30
    assert len(ids) == len(set(ids)) == 2500
    again = await seed_users(db, hasher, count=2600, start_mobile=13800000000)
    assert again[:2500] == ids
    assert len(set(again)) == 2600
    async with db.read() as conn:
        repo = SqlUserRepository(conn)
        user = await repo.get_by_mobile("13800000007")
        assert user is not None
        assert user.id == ids[7]
        assert user.nickname == guest_nickname(7)
        assert user.avatar.startswith("/static/demo/avatars/")  # served by the web service
        assert await hasher.verify(user.password_hash, "password123")
        auth = await repo.find_user_id_by_auth(auth_type=AUTH_SYSTEM, auth_key="13800002599")
        assert auth == again[-1]


async def test_seed_hosts_use_their_own_range(db: Database) -> None:
    hasher = PasswordHasher(time_cost=1, memory_kib=1024)
    hosts = await seed_hosts(db, hasher, count=3)
    guests = await seed_users(db, hasher, count=3)
    assert not set(hosts) & set(guests)
    async with db.read() as conn:
        host = await SqlUserRepository(conn).get_by_mobile("13900000000")
    assert host is not None
    assert host.nickname.endswith("老板")
    assert await seed_users(db, hasher, count=0) == []


def test_nicknames_mix_chinese_and_english() -> None:
    names = [guest_nickname(n) for n in range(50)]
    assert len(set(names)) > 40
    assert any(n.isascii() for n in names)
    assert any(not n.isascii() for n in names)
