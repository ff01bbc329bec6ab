"""Channel arguments shared by servers and clients (keepalive, message size, reconnects)."""

from __future__ import annotations

from typing import Any

DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024

# Clients ping an idle connection every 30 s and drop it if the ping is not answered in 10 s, so
# a peer that vanished without a FIN (node lost, NAT/conntrack timeout) is noticed. The server
# must accept pings at least that often or it answers GOAWAY "too_many_pings".
CLIENT_KEEPALIVE_MS = 30_000
KEEPALIVE_TIMEOUT_MS = 10_000
SERVER_MIN_PING_INTERVAL_MS = 10_000

# gRPC's default reconnect backoff grows to 120 s: after a long outage a caller would keep
# failing for up to two minutes after the callee is back. Capped so it recovers within ~2 s.
RECONNECT_INITIAL_MS = 200
RECONNECT_MAX_MS = 2_000

Options = list[tuple[str, Any]]


def size_options(max_message_bytes: int) -> Options:
    return [("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", max_message_bytes)]


def server_options(max_message_bytes: int) -> Options:
    return [
        *size_options(max_message_bytes),
        ("grpc.keepalive_time_ms", CLIENT_KEEPALIVE_MS),
        ("grpc.keepalive_timeout_ms", KEEPALIVE_TIMEOUT_MS),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.min_recv_ping_interval_without_data_ms", SERVER_MIN_PING_INTERVAL_MS),
        ("grpc.http2.max_ping_strikes", 2),
    ]


def client_options(max_message_bytes: int) -> Options:
    return [
        *size_options(max_message_bytes),
        ("grpc.keepalive_time_ms", CLIENT_KEEPALIVE_MS),
        ("grpc.keepalive_timeout_ms", KEEPALIVE_TIMEOUT_MS),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_pings_without_data", 0),
        ("grpc.initial_reconnect_backoff_ms", RECONNECT_INITIAL_MS),
        ("grpc.min_reconnect_backoff_ms", RECONNECT_INITIAL_MS),
        ("grpc.max_reconnect_backoff_ms", RECONNECT_MAX_MS),
        ("grpc.enable_retries", 1),
        # The service config below is ours; ignore one a DNS TXT record might carry.
        ("grpc.service_config_disable_resolution", 1),
    ]
