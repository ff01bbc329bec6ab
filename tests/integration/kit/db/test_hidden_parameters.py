"""Bound values never reach error messages (which get logged)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from yys.kit.db import Database


async def test_failed_statements_do_not_carry_their_values() -> None:
    """Errors get logged; the values they were bound to (hashes, tokens) must not be in them."""
    db = Database("sqlite+aiosqlite:///:memory:")
    try:
        async with db.unit_of_work() as conn:
            await conn.execute(text("CREATE TABLE t (v TEXT UNIQUE)"))
            await conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": "secret-token-1"})
            with pytest.raises(IntegrityError) as failed:
                await conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": "secret-token-1"})
        assert "secret-token-1" not in str(failed.value)
        assert "hidden" in str(failed.value)
    finally:
        await db.dispose()
