"""Demo and benchmark users, inserted in bulk.

One password hash is computed and reused for every seeded user: Argon2id costs ~50 ms a hash,
so hashing per user would turn a 100k-user seed from seconds into hours. Re-running skips mobiles
that already exist, so a partial seed can be resumed.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from yys.kit.db import Database
from yys.services.usercenter import tables as t
from yys.services.usercenter.domain import AUTH_SYSTEM
from yys.services.usercenter.ports import PasswordHasher
from yys.services.usercenter.repository import utcnow

CHUNK = 1000

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈"
_GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
          "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "子涵", "欣怡", "梓轩", "浩然", "雨桐",
          "思远", "一诺", "佳怡", "宇航", "晨曦", "若溪"]
_ENGLISH = ["Alice", "Ben", "Chloe", "Daniel", "Emma", "Felix", "Grace", "Henry", "Ivy", "Jack",
            "Kate", "Leo", "Mia", "Noah", "Olivia", "Peter", "Quinn", "Ruby", "Sam", "Tina",
            "Vincent", "Wendy", "Zoe"]
_GUEST_INFO = ["喜欢海边的民宿", "周末出行爱好者", "带娃旅行中", "摄影爱好者", "Backpacker, coffee lover",
               "徒步和露营", "美食探店", "", ""]
_HOST_INFO = ["用心经营每一间房", "十年民宿老板，欢迎来坐坐", "山里的小院，等你来", "海景房主理人",
              "Family-run guesthouse since 2015", "古镇老宅改造，保留老味道"]


def guest_nickname(n: int) -> str:
    """Deterministic, varied names: mostly Chinese, every fifth one English."""
    if n % 5 == 4:
        return f"{_ENGLISH[n % len(_ENGLISH)]}{n % 97}"
    return _SURNAMES[n % len(_SURNAMES)] + _GIVEN[(n // len(_SURNAMES)) % len(_GIVEN)]


def host_nickname(n: int) -> str:
    return f"{_SURNAMES[n % len(_SURNAMES)]}老板"


# Drawn for the demo and served by the web service under /static/demo/avatars/ (the edge routes
# /static/ to web): seeded profiles show a face offline, with no third-party host involved.
DEMO_AVATARS = ("sky", "leaf", "peach", "sand", "plum", "teal")


def avatar_url(mobile: str) -> str:
    # crc32, not hash(): the same user keeps the same avatar in every process and run.
    return f"/static/demo/avatars/{DEMO_AVATARS[zlib.crc32(mobile.encode()) % len(DEMO_AVATARS)]}.svg"


async def seed_users(db: Database, hasher: PasswordHasher, *, count: int,
                     start_mobile: int = 13800000000, password: str = "password123") -> list[int]:
    """Create `count` guest users with consecutive mobiles; return the ids of all of them
    (already existing ones included), in mobile order."""
    return await _seed(db, hasher, count=count, start_mobile=start_mobile, password=password,
                       nickname=guest_nickname, infos=_GUEST_INFO)


async def seed_hosts(db: Database, hasher: PasswordHasher, *, count: int,
                     start_mobile: int = 13900000000, password: str = "password123") -> list[int]:
    """Like `seed_users`, for homestay owners (a separate mobile range and host-style profiles)."""
    return await _seed(db, hasher, count=count, start_mobile=start_mobile, password=password,
                       nickname=host_nickname, infos=_HOST_INFO)


async def _seed(db: Database, hasher: PasswordHasher, *, count: int, start_mobile: int,
                password: str, nickname: Callable[[int], str], infos: Sequence[str]) -> list[int]:
    if count <= 0:
        return []
    password_hash = await hasher.hash(password)
    ids: list[int] = []
    for first in range(0, count, CHUNK):
        mobiles = [str(start_mobile + n) for n in range(first, min(count, first + CHUNK))]
        async with db.unit_of_work() as conn:
            ids.extend(await _seed_chunk(conn, mobiles, first=first, password_hash=password_hash,
                                         nickname=nickname, infos=infos))
    return ids


async def _ids_by_mobile(conn: Any, mobiles: Sequence[str]) -> dict[str, int]:
    rows = await conn.execute(
        sa.select(t.user.c.mobile, t.user.c.id).where(t.user.c.mobile.in_(mobiles))
    )
    return {m: int(i) for m, i in rows}


async def _seed_chunk(conn: Any, mobiles: Sequence[str], *, first: int, password_hash: str,
                      nickname: Callable[[int], str], infos: Sequence[str]) -> list[int]:
    existing = await _ids_by_mobile(conn, mobiles)
    now = utcnow()
    fresh = [(k, m) for k, m in enumerate(mobiles) if m not in existing]
    rows: list[dict[str, Any]] = [
        {"mobile": m, "password": password_hash, "nickname": nickname(first + k),
         "sex": (first + k) % 3, "avatar": avatar_url(m), "info": infos[(first + k) % len(infos)],
         "disabled": False, "create_time": now, "update_time": now, "version": 0}
        for k, m in fresh
    ]
    if not rows:
        return [existing[m] for m in mobiles]
    await conn.execute(sa.insert(t.user), rows)  # executemany: one round trip per chunk
    ids = await _ids_by_mobile(conn, mobiles)
    auth_rows = [
        {"user_id": ids[m], "auth_type": AUTH_SYSTEM, "auth_key": m, "create_time": now,
         "update_time": now}
        for _, m in fresh
    ]
    await conn.execute(sa.insert(t.user_auth), auth_rows)
    return [ids[m] for m in mobiles]
