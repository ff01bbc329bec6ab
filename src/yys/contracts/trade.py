"""Shared enums and events of the booking and payment flow (ARCHITECTURE.md §3)."""

from __future__ import annotations

from enum import IntEnum

import msgspec

# Kafka topic names. The payment service is the only producer of this one.
TOPIC_PAYMENT_STATUS = "payment-update-paystatus"


class TradeState(IntEnum):
    CANCELLED = -1
    WAIT_PAY = 0
    WAIT_USE = 1
    USED = 2
    REFUNDED = 3
    EXPIRED = 4


class PayStatus(IntEnum):
    FAILED = -1
    WAIT_PAY = 0
    PAID = 1
    REFUNDED = 2


class PaymentStatusChanged(msgspec.Struct, frozen=True, rename="camel", kw_only=True):
    """Payload of `payment-update-paystatus` (field names as in the original)."""

    order_sn: str
    pay_status: int
    pay_sn: str
    pay_total: int  # fen
    pay_time: int  # unix seconds


class OrderView(msgspec.Struct, frozen=True, kw_only=True):
    """What payment may know about an order."""

    sn: str
    user_id: int
    trade_state: int
    order_total_price: int  # fen
    title: str
    homestay_id: int
    create_time: int


class PaymentView(msgspec.Struct, frozen=True, kw_only=True):
    sn: str
    order_sn: str
    user_id: int
    pay_status: int
    pay_total: int  # fen
    pay_mode: str
    transaction_id: str
    pay_time: int
