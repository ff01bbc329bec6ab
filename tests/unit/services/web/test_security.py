"""Where a login may send the browser next."""

from __future__ import annotations

import pytest

from yys.services.web.security import safe_next


@pytest.mark.parametrize(("target", "expected"), [
    ("/orders", "/orders"), ("/homestay/3?x=1", "/homestay/3?x=1"), (None, "/"), ("", "/"),
    ("//evil.example/", "/"), ("https://evil.example/", "/"), ("/\\evil.example", "/"),
    ("orders", "/"),
])
def test_only_local_paths(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected
