"""The log processors: redaction of secret fields and of tokens inside text, the request
context, and standard-library records rendered as the same JSON."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from yys.kit.observability.logging import (
    REDACTED,
    bind_request,
    configure_logging,
    redact,
    reset_request,
    set_user_id,
)

JWT = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlLWJ5dGVz"


def test_secret_named_fields_are_replaced_at_any_depth() -> None:
    event = redact(None, "info", {
        "event": "login", "password": "hunter2", "accessToken": "abc", "apiV3Key": "k" * 32,
        "headers": {"Authorization": "Bearer abc.def", "Content-Type": "application/json"},
        "items": [{"refresh_token": "r"}, {"mobile": "13800000000"}],
        "key": "order-42", "mobile": "13800000000", "private_key_file": "/keys/a.pem",
    })
    assert event["password"] == event["accessToken"] == event["apiV3Key"] == REDACTED
    assert event["headers"] == {"Authorization": REDACTED, "Content-Type": "application/json"}
    assert event["items"] == [{"refresh_token": REDACTED}, {"mobile": "13800000000"}]
    assert event["private_key_file"] == REDACTED
    # Partition keys and ordinary fields stay readable.
    assert event["key"] == "order-42" and event["mobile"] == "13800000000"


def test_tokens_inside_text_are_masked() -> None:
    event = redact(None, "info", {"event": f"rejected Bearer {JWT} from client",
                                  "error": f"bad token {JWT}", "note": "bearer of good news"})
    assert JWT not in json.dumps(event)
    assert event["event"] == f"rejected {REDACTED} from client"
    assert event["note"] == "bearer of good news"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    try:
        yield
    finally:
        structlog.reset_defaults()
        root = logging.getLogger()
        for handler in list(root.handlers):
            root.removeHandler(handler)


@pytest.mark.usefixtures("restore_logging")
def test_stdlib_and_structlog_lines_share_the_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(level="INFO", json=True, service="unit")  # binds the captured stdout
    token = bind_request("req-1")
    try:
        set_user_id(7)
        logging.getLogger("some.library").warning("connect failed: %s", "Bearer " + JWT,
                                                  extra={"password": "p", "attempt": 2})
        structlog.get_logger("yys.test").info("done", token="t0ken")
    finally:
        reset_request(token)
    structlog.get_logger("yys.test").info("outside a request")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    stdlib, native, outside = lines
    assert stdlib["logger"] == "some.library" and stdlib["level"] == "warning"
    assert stdlib["password"] == REDACTED and stdlib["attempt"] == 2 and JWT not in stdlib["event"]
    assert native["token"] == REDACTED
    for line in (stdlib, native):
        assert line["service"] == "unit" and line["request_id"] == "req-1" and line["user_id"] == 7
        assert "timestamp" in line
    assert "request_id" not in outside and "user_id" not in outside
