"""Deadlines that follow a request across services.

A server interceptor records the incoming call's deadline in a context variable; every outgoing
call takes the smaller of its default timeout and what is left of that deadline, so a chain of
calls never outlives the first caller's patience (the answer would be thrown away anyway).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from yys.kit.errors import Unavailable

# Absolute, on the monotonic clock; None outside a call that carries a deadline.
_deadline: ContextVar[float | None] = ContextVar("yys_rpc_deadline", default=None)


def remaining() -> float | None:
    """Seconds left of the current incoming deadline, or None when there is none."""
    at = _deadline.get()
    return None if at is None else at - time.monotonic()


def enter(seconds: float | None) -> Token[float | None] | None:
    """Start a deadline `seconds` from now (None: none); pass the result to `leave`. The
    function form of `deadline_scope`, for the per-call server path (no generator frame)."""
    if seconds is None:
        return None
    at = time.monotonic() + seconds
    current = _deadline.get()
    return _deadline.set(at if current is None or at < current else current)


def leave(token: Token[float | None] | None) -> None:
    if token is not None:
        _deadline.reset(token)


@contextmanager
def deadline_scope(seconds: float | None) -> Iterator[None]:
    """Within the block, outgoing calls finish at most `seconds` from now (None: no cap).

    A nested scope can only shorten the deadline, never extend it."""
    if seconds is None:
        yield
        return
    at = time.monotonic() + seconds
    current = _deadline.get()
    token = _deadline.set(at if current is None else min(at, current))
    try:
        yield
    finally:
        _deadline.reset(token)


def outgoing_timeout(default: float) -> float:
    """The timeout for an outgoing call; raises `Unavailable` if the deadline has already passed
    (starting a call nobody waits for only adds load)."""
    left = remaining()
    if left is None:
        return default
    if left <= 0:
        raise Unavailable("deadline exceeded")
    return min(default, left)
