"""The event envelope and its JSON codec."""

from __future__ import annotations

import time

import msgspec
import pytest

from yys.kit.events import Event, EventDecodeError, decode_event, encode_event
from yys.kit.events.envelope import decode_headers, decode_payload, encode_json


def test_defaults_give_a_fresh_hex_id_and_a_timestamp() -> None:
    before = time.time()
    a = Event(topic="t", key="k", payload={})
    b = Event(topic="t", key="k", payload={})
    assert a.id != b.id
    assert len(a.id) == 32 and int(a.id, 16) >= 0
    assert before <= a.created_at <= time.time()
    assert a.headers == {}


def test_round_trip_keeps_every_field() -> None:
    event = Event(
        topic="payment-update-paystatus",
        key="order-1",
        payload={"sn": "abc", "amount": 100, "nested": {"ok": True, "list": [1, 2]}, "cn": "民宿"},
        headers={"traceparent": "00-abc-def-01"},
    )
    data = encode_event(event)
    assert isinstance(data, bytes)
    assert decode_event(data) == event
    assert decode_event(data.decode()) == event


def test_decode_rejects_garbage_and_wrong_shapes() -> None:
    with pytest.raises(EventDecodeError):
        decode_event(b"not json")
    with pytest.raises(EventDecodeError):
        decode_event(b'{"topic": "t"}')  # missing key and payload
    with pytest.raises(EventDecodeError):
        decode_event(b'{"topic": "t", "key": "k", "payload": [], "id": "x", "created_at": 1}')


def test_event_is_immutable_and_with_headers_copies() -> None:
    event = Event(topic="t", key="k", payload={}, headers={"a": "1"})
    with pytest.raises(AttributeError):
        event.topic = "other"  # type: ignore[misc]
    extended = event.with_headers(b="2")
    assert extended.headers == {"a": "1", "b": "2"}
    assert extended.id == event.id
    assert event.headers == {"a": "1"}


def test_json_helpers_used_by_the_outbox() -> None:
    assert decode_payload(encode_json({"x": [1, "y"]})) == {"x": [1, "y"]}
    assert decode_headers(encode_json({"h": "v"})) == {"h": "v"}
    with pytest.raises(msgspec.ValidationError):
        decode_headers('{"h": 1}')
    with pytest.raises(TypeError):
        encode_json({"not-json": object()})
