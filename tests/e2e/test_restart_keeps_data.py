"""`yys up` on an existing data dir keeps the data, and Ctrl-C stops it cleanly."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.e2e.api import call
from tests.e2e.conftest import clean_env, start_up

pytestmark = pytest.mark.e2e


def test_second_start_keeps_users_and_catalogue(tmp_path: Path) -> None:
    env = clean_env()
    with start_up(tmp_path, env) as first:
        reg = call(first.base_url, "/usercenter/v1/user/register",
                   {"mobile": "13712345678", "password": "keep-me-please"})
        assert reg.status == 200
        before = call(first.base_url, "/travel/v1/homestayBussiness/homestayBussinessList",
                      {"lastId": 0, "pageSize": 100}).body["list"]
        code = first.stop(signal.SIGINT)
        assert code == 0, first.log_tail()

    with start_up(tmp_path, env) as second:
        login = call(second.base_url, "/usercenter/v1/user/login",
                     {"mobile": "13712345678", "password": "keep-me-please"})
        assert login.status == 200
        after = call(second.base_url, "/travel/v1/homestayBussiness/homestayBussinessList",
                     {"lastId": 0, "pageSize": 100}).body["list"]
        assert [b["id"] for b in after] == [b["id"] for b in before]
