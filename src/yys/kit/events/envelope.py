"""The event envelope every bus adapter carries, and its JSON codec."""

from __future__ import annotations

import time
import uuid
from typing import Any

import msgspec


def new_event_id() -> str:
    """A fresh event id: uuid4 as 32 hex characters (the consumers' dedup key)."""
    return uuid.uuid4().hex


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """One domain-free event.

    `key` is the partition key: events with the same key keep their order on the bus.
    `headers` carry cross-cutting context (trace propagation), never business data.
    """

    topic: str
    key: str
    payload: dict[str, Any]
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    id: str = msgspec.field(default_factory=new_event_id)
    created_at: float = msgspec.field(default_factory=time.time)

    def with_headers(self, **extra: str) -> Event:
        """A copy with `extra` merged over the existing headers (the id is kept)."""
        return msgspec.structs.replace(self, headers={**self.headers, **extra})


class EventDecodeError(ValueError):
    """Bytes that are not a valid event envelope."""


_encoder = msgspec.json.Encoder()
_event_decoder = msgspec.json.Decoder(Event)
_dict_decoder = msgspec.json.Decoder(dict[str, Any])
_headers_decoder = msgspec.json.Decoder(dict[str, str])


def encode_event(event: Event) -> bytes:
    """The whole envelope as compact JSON bytes."""
    return _encoder.encode(event)


def decode_event(data: bytes | str) -> Event:
    """Parse and validate an envelope produced by `encode_event`."""
    try:
        return _event_decoder.decode(data)
    except msgspec.DecodeError as exc:
        raise EventDecodeError(str(exc)) from exc


def encode_json(value: dict[str, Any] | dict[str, str]) -> str:
    """A payload or header mapping as JSON text (what the outbox table stores)."""
    return _encoder.encode(value).decode()


def decode_payload(text: str | bytes) -> dict[str, Any]:
    return _dict_decoder.decode(text)


def decode_headers(text: str | bytes) -> dict[str, str]:
    return _headers_decoder.decode(text)
