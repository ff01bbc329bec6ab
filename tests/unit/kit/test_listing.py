"""Admin paging and sort parsing: defaults, caps, and the sort whitelist."""

from __future__ import annotations

import pytest

from yys.kit.errors import BadRequest
from yys.kit.listing import (
    MAX_ID,
    MAX_PAGE_SIZE,
    PageRequest,
    Sort,
    page_request,
    parse_sort,
    resource_id,
)

ALLOWED = {"id": "id", "createTime": "create_time"}
DEFAULT = Sort("id", descending=True)


def test_paging_defaults_and_cap() -> None:
    assert page_request(None, None) == PageRequest(1, 20)
    assert page_request(3, 0) == PageRequest(3, 20)
    assert page_request(2, 10_000) == PageRequest(2, MAX_PAGE_SIZE)
    assert page_request(3, 10).offset == 20


@pytest.mark.parametrize(("page", "size"), [(0, 10), (-1, 10), (1, -1), (10**9, 10)])
def test_paging_refuses(page: int, size: int) -> None:
    with pytest.raises(BadRequest):
        page_request(page, size)


def test_sort_whitelist() -> None:
    assert parse_sort(None, ALLOWED, DEFAULT) == DEFAULT
    assert parse_sort(" ", ALLOWED, DEFAULT) == DEFAULT
    assert parse_sort("createTime", ALLOWED, DEFAULT) == Sort("create_time", False)
    assert parse_sort("-createTime", ALLOWED, DEFAULT) == Sort("create_time", True)
    for bad in ("create_time", "password", "-id; DROP TABLE x", "--id", "id desc"):
        with pytest.raises(BadRequest):
            parse_sort(bad, ALLOWED, DEFAULT)


def test_resource_id_range() -> None:
    assert resource_id(1) == 1 and resource_id(MAX_ID) == MAX_ID
    for bad in (0, -1, MAX_ID + 1):
        with pytest.raises(BadRequest):
            resource_id(bad)
