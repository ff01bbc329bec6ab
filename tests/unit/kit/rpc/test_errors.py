"""AppError ↔ gRPC status, both ways, for every kind; transport failures become Unavailable."""

from __future__ import annotations

import grpc
import pytest

from yys.kit.errors import AppError, Conflict, ErrorKind, NotFound, Unavailable
from yys.kit.http.errors import STATUS_BY_KIND as HTTP_STATUS_BY_KIND
from yys.kit.rpc.errors import (
    BASE_CLASS_BY_KIND,
    CLASS_KEY,
    CODE_KEY,
    KIND_BY_STATUS,
    STATUS_BY_KIND,
    from_status,
    to_status,
)


class OrderGone(NotFound):
    code = 400404
    default_msg = "order gone"

    def __init__(self) -> None:  # a domain error whose constructor takes no message
        super().__init__()


EXPECTED = {
    ErrorKind.BAD_REQUEST: grpc.StatusCode.INVALID_ARGUMENT,
    ErrorKind.UNAUTHORIZED: grpc.StatusCode.UNAUTHENTICATED,
    ErrorKind.FORBIDDEN: grpc.StatusCode.PERMISSION_DENIED,
    ErrorKind.NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    ErrorKind.CONFLICT: grpc.StatusCode.ABORTED,
    ErrorKind.RATE_LIMITED: grpc.StatusCode.RESOURCE_EXHAUSTED,
    ErrorKind.UNAVAILABLE: grpc.StatusCode.UNAVAILABLE,
    ErrorKind.INTERNAL: grpc.StatusCode.INTERNAL,
}


def test_table_covers_every_kind_and_is_a_bijection() -> None:
    assert STATUS_BY_KIND == EXPECTED
    assert set(STATUS_BY_KIND) == set(ErrorKind) == set(HTTP_STATUS_BY_KIND)
    assert {KIND_BY_STATUS[s]: s for s in KIND_BY_STATUS} == STATUS_BY_KIND


@pytest.mark.parametrize("kind", list(ErrorKind))
def test_each_kit_class_round_trips(kind: ErrorKind) -> None:
    cls = BASE_CLASS_BY_KIND[kind]
    sent = cls("something specific", code=123456, retry_after=7)
    code, details, trailers = to_status(sent)
    assert code is EXPECTED[kind]
    back = from_status(code, details, trailers)
    assert type(back) is cls
    assert (back.kind, back.code, back.msg, back.retry_after) == (kind, 123456, "something specific", 7)


def test_a_loaded_domain_class_is_rebuilt_even_with_its_own_constructor() -> None:
    code, details, trailers = to_status(OrderGone())
    back = from_status(code, details, trailers)
    assert type(back) is OrderGone
    assert (back.code, back.msg) == (400404, "order gone")


def test_an_unknown_class_falls_back_to_the_kit_class_of_its_kind() -> None:
    trailers = ((CODE_KEY, "400101"), (CLASS_KEY, "yys.services.order.domain.NotLoadedHere"))
    back = from_status(grpc.StatusCode.ABORTED, "order changed", trailers)
    assert type(back) is Conflict
    assert (back.code, back.msg) == (400101, "order changed")


def test_a_class_name_of_another_kind_is_not_trusted() -> None:
    trailers = ((CODE_KEY, "400404"), (CLASS_KEY, f"{OrderGone.__module__}.{OrderGone.__qualname__}"))
    back = from_status(grpc.StatusCode.ABORTED, "x", trailers)
    assert type(back) is Conflict


@pytest.mark.parametrize("code", [grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                                  grpc.StatusCode.CANCELLED])
def test_transport_failures_become_unavailable(code: grpc.StatusCode) -> None:
    back = from_status(code, "failed to connect to all addresses; last error: 10.0.0.1", None)
    assert type(back) is Unavailable
    assert back.code == 100009
    assert "10.0.0.1" not in back.msg  # transport details stay out of the public message


@pytest.mark.parametrize("code", [grpc.StatusCode.UNKNOWN, grpc.StatusCode.UNIMPLEMENTED,
                                  grpc.StatusCode.INTERNAL, grpc.StatusCode.RESOURCE_EXHAUSTED])
def test_other_foreign_statuses_become_a_server_error(code: grpc.StatusCode) -> None:
    back = from_status(code, "Exception calling application: boom", ())
    assert type(back) is AppError
    assert (back.kind, back.code, back.msg) == (ErrorKind.INTERNAL, 100001, "server error")


def test_bytes_metadata_values_are_accepted() -> None:
    back = from_status(grpc.StatusCode.NOT_FOUND, "nope", ((CODE_KEY, b"300001"),))
    assert type(back) is NotFound and back.code == 300001
