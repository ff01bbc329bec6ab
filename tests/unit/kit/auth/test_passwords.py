from __future__ import annotations

import pytest

from yys.kit.auth.passwords import PasswordHasher


@pytest.fixture
def hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_kib=1024)


async def test_hash_and_verify(hasher: PasswordHasher) -> None:
    hashed = await hasher.hash("password123")
    assert hashed.startswith("$argon2id$")
    assert "password123" not in hashed
    assert await hasher.verify(hashed, "password123")
    assert not await hasher.verify(hashed, "password124")


async def test_hashes_are_salted(hasher: PasswordHasher) -> None:
    assert await hasher.hash("same") != await hasher.hash("same")


async def test_unicode_password(hasher: PasswordHasher) -> None:
    hashed = await hasher.hash("密码🔒密码")
    assert await hasher.verify(hashed, "密码🔒密码")


@pytest.mark.parametrize("bad", ["", "not-a-hash", "$argon2id$v=19$garbage"])
async def test_malformed_hash_never_verifies(hasher: PasswordHasher, bad: str) -> None:
    assert not await hasher.verify(bad, "anything")


async def test_needs_rehash_after_cost_change(hasher: PasswordHasher) -> None:
    hashed = await hasher.hash("password123")
    assert not hasher.needs_rehash(hashed)
    assert PasswordHasher(time_cost=2, memory_kib=1024).needs_rehash(hashed)
