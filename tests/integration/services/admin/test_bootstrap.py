"""The bootstrap admin: created once on startup, its generated password printed once on a line
of its own (never in the logs), and replicas starting together create exactly one."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest

from tests.integration.services.admin.conftest import BASE, admin_settings, login, running
from yys.kit.db import Database
from yys.kit.hosting import Platform
from yys.runtime.platform import build_platform, close_platform
from yys.services.admin.domain import ManagerFilter, PageRequest
from yys.services.admin.service import ManagerService
from yys.services.admin.wiring import bootstrap_hook, unit_factories

PRINTED = re.compile(r"^admin password: (\S{20,})$", re.MULTILINE)


async def test_generated_password_printed_once(tmp_path: Path, database_url: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    settings = admin_settings(tmp_path, database_url, admin_password=None)
    async with running(settings) as (client, _):
        captured = capsys.readouterr()
        (password,) = PRINTED.findall(captured.err)  # stderr: stdout is for JSON log lines
        assert (captured.out + captured.err).count(password) == 1  # not in any log line
        assert await login(client, "admin", password)
    async with running(settings) as (client, _):  # a restart: nothing new, nothing printed
        captured = capsys.readouterr()
        assert "admin password" not in captured.out + captured.err
        assert await login(client, "admin", password)
        resp = await client.post(f"{BASE}/auth/login", json={"username": "admin",
                                                             "password": "bootstrap-pass1"})
        assert resp.status_code == 401


async def test_configured_password_is_used_and_not_printed(tmp_path: Path, database_url: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    async with running(admin_settings(tmp_path, database_url)) as (client, _):
        assert await login(client)
    captured = capsys.readouterr()
    assert "admin password" not in captured.out and "bootstrap-pass1" not in captured.out + captured.err


def _service(platform: Platform, db: Database) -> ManagerService:
    reads, writes = unit_factories(db)

    async def nothing(_: int) -> None:
        return None

    return ManagerService(reads=reads, writes=writes, hasher=platform.hasher, clock=time.time,
                          changed=nothing)


async def test_replicas_starting_together_create_one_admin(
        tmp_path: Path, database_url: str, db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    platform = build_platform(admin_settings(tmp_path, database_url, admin_password=None))
    replicas = [Database(database_url, pool_size=2) for _ in range(4)]
    try:
        hooks = [bootstrap_hook(_service(platform, r), platform.settings) for r in replicas]
        await asyncio.gather(*(hook() for hook in hooks))
        assert len(PRINTED.findall(capsys.readouterr().err)) == 1
        total, found = await _service(platform, db).search(where=ManagerFilter(),
                                                           page=PageRequest())
        assert total == 1 and found[0].username == "admin"
    finally:
        for replica in replicas:
            await replica.dispose()
        await close_platform(platform)
