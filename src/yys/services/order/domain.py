"""Homestay orders: pricing, booking rules, the trade-state machine, order numbers and the
decisions taken when a payment arrives. Pure Python, unit-tested without IO."""

from __future__ import annotations

import enum
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from yys.contracts.trade import TradeState
from yys.kit.errors import BadRequest, Conflict, NotFound, Unavailable

# --- errors (400xxx) ---------------------------------------------------------------------------

ORDER_NOT_FOUND: Final = 400001
HOMESTAY_NOT_FOUND: Final = 400002
HOMESTAY_OFF_SHELF: Final = 400003
INVALID_LIVE_TIME: Final = 400004
INVALID_PEOPLE_NUM: Final = 400005
REMARK_TOO_LONG: Final = 400006
IDEMPOTENCY_KEY_REUSED: Final = 400007
ILLEGAL_STATE_CHANGE: Final = 400008
INVALID_IDEMPOTENCY_KEY: Final = 400009
CATALOGUE_UNAVAILABLE: Final = 400010
INVALID_FIELD: Final = 400011


class OrderNotFound(NotFound):
    code = ORDER_NOT_FOUND
    default_msg = "order not found"


class HomestayNotFound(NotFound):
    code = HOMESTAY_NOT_FOUND
    default_msg = "homestay not found"


class HomestayOffShelf(Conflict):
    code = HOMESTAY_OFF_SHELF
    default_msg = "homestay is not available for booking"


class InvalidLiveTime(BadRequest):
    code = INVALID_LIVE_TIME
    default_msg = "invalid live time"


class InvalidPeopleNum(BadRequest):
    code = INVALID_PEOPLE_NUM
    default_msg = "livePeopleNum is out of range"


class RemarkTooLong(BadRequest):
    code = REMARK_TOO_LONG
    default_msg = "remark is too long"


class IdempotencyKeyReused(Conflict):
    code = IDEMPOTENCY_KEY_REUSED
    default_msg = "idempotency key was already used with a different request"


class InvalidIdempotencyKey(BadRequest):
    code = INVALID_IDEMPOTENCY_KEY
    default_msg = "Idempotency-Key must be 1-64 visible ASCII characters"


class IllegalStateChange(Conflict):
    code = ILLEGAL_STATE_CHANGE
    default_msg = "illegal order state change"


class CatalogueUnavailable(Unavailable):
    code = CATALOGUE_UNAVAILABLE
    default_msg = "homestay catalogue temporarily unavailable"


class InvalidField(BadRequest):
    code = INVALID_FIELD
    default_msg = "invalid field value"


# --- constants ---------------------------------------------------------------------------------

DAY_SECONDS: Final = 86400
MAX_LIVE_DAYS: Final = 365  # also keeps every total far inside a signed 64-bit column
REMARK_MAX: Final = 200
IDEMPOTENCY_KEY_MAX: Final = 64
PER_ROOM: Final = 0
PER_PERSON: Final = 1
ON_SHELF: Final = 1
DEFAULT_PAGE_SIZE: Final = 20
MAX_PAGE_SIZE: Final = 100
ALL_STATES: Final = -99
# No 0/O, 1/I/L: a trade code is read aloud or typed at the front desk.
TRADE_CODE_ALPHABET: Final = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRADE_CODE_LENGTH: Final = 8
SN_PREFIX: Final = "HSO"
_SN_RANDOM_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
_SN_RANDOM_LENGTH: Final = 10
PAY_TYPE_WECHAT: Final = "WECHAT_PAY"


# --- pricing -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Price:
    homestay_total: int  # fen
    food_total: int
    order_total: int


def live_days(start: int, end: int) -> int:
    """Nights billed: any started day counts (`ceil((end - start) / 86400)`)."""
    if end <= start:
        raise InvalidLiveTime("liveEndTime must be after liveStartTime")
    return -(-(end - start) // DAY_SECONDS)


def price_order(*, row_type: int, homestay_price: int, food_price: int, days: int, people: int,
                with_food: bool) -> Price:
    """Per API.md: room × days (per room) or room × people × days (per person), plus food ×
    people × days when food is booked. Integer fen throughout, so totals are exact."""
    if min(homestay_price, food_price) < 0 or days < 1 or people < 1:
        raise InvalidField("prices must be non-negative and days/people positive")
    per_stay = homestay_price * days
    homestay_total = per_stay * people if row_type == PER_PERSON else per_stay
    food_total = food_price * people * days if with_food else 0
    return Price(homestay_total=homestay_total, food_total=food_total,
                 order_total=homestay_total + food_total)


# --- booking rules -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BookingRequest:
    homestay_id: int
    with_food: bool
    live_start: int  # unix s
    live_end: int
    people: int
    remark: str

    def fingerprint(self) -> str:
        """Stable hash of the request body: what an Idempotency-Key replay must match."""
        canonical = json.dumps(
            [self.homestay_id, self.with_food, self.live_start, self.live_end, self.people,
             self.remark], ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def start_of_day(now: float) -> int:
    """00:00 UTC of `now`'s day: the earliest start accepted, which tolerates client clock skew
    and lets a guest book tonight from any time zone that is already on this date."""
    return int(now) - int(now) % DAY_SECONDS


def check_booking(request: BookingRequest, *, now: float) -> int:
    """Validate what does not need the homestay; returns the number of days."""
    if request.homestay_id <= 0:
        raise InvalidField("homestayId must be a positive integer")
    if request.live_start < start_of_day(now):
        raise InvalidLiveTime("liveStartTime must not be in the past")
    days = live_days(request.live_start, request.live_end)
    if days > MAX_LIVE_DAYS:
        raise InvalidLiveTime(f"a stay is at most {MAX_LIVE_DAYS} days")
    if request.people < 1:
        raise InvalidPeopleNum()
    if len(request.remark) > REMARK_MAX:
        raise RemarkTooLong(f"remark is at most {REMARK_MAX} characters")
    return days


def check_people(people: int, capacity: int) -> None:
    if not 1 <= people <= capacity:
        raise InvalidPeopleNum(f"livePeopleNum must be between 1 and {capacity}")


def check_idempotency_key(key: str) -> str:
    if not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX or not all(33 <= ord(c) <= 126 for c in key):
        raise InvalidIdempotencyKey()
    return key


def replayed_sn(*, stored_fingerprint: str, stored_sn: str, request: BookingRequest) -> str:
    """Same key and same body → the order already made; same key, other body → 409."""
    if stored_fingerprint != request.fingerprint():
        raise IdempotencyKeyReused()
    return stored_sn


# --- identifiers -------------------------------------------------------------------------------

RandomChoice = Callable[[str], str]


def new_order_sn(now: float, choice: RandomChoice = secrets.choice) -> str:
    """`HSO` + UTC time to the millisecond + 10 random base32 characters: sorts by creation time,
    and collisions are negligible (32^10 per millisecond) even across replicas."""
    moment = datetime.fromtimestamp(now, UTC)
    stamp = moment.strftime("%Y%m%d%H%M%S") + f"{moment.microsecond // 1000:03d}"
    return SN_PREFIX + stamp + "".join(choice(_SN_RANDOM_ALPHABET) for _ in range(_SN_RANDOM_LENGTH))


def new_trade_code(choice: RandomChoice = secrets.choice) -> str:
    return "".join(choice(TRADE_CODE_ALPHABET) for _ in range(TRADE_CODE_LENGTH))


# --- the trade-state machine -------------------------------------------------------------------

ALLOWED_MOVES: Final = frozenset({
    (TradeState.WAIT_PAY, TradeState.CANCELLED),
    (TradeState.WAIT_PAY, TradeState.WAIT_USE),
    (TradeState.WAIT_USE, TradeState.USED),
    (TradeState.WAIT_USE, TradeState.REFUNDED),
    (TradeState.WAIT_USE, TradeState.EXPIRED),
})


def can_move(current: int, target: int) -> bool:
    return (current, target) in ALLOWED_MOVES


def check_move(current: int, target: int) -> None:
    if not can_move(current, target):
        raise IllegalStateChange(f"order cannot move from state {current} to {target}")


def source_state(target: int) -> TradeState:
    """Every target state has exactly one source, so a transition is one conditional UPDATE."""
    sources = [src for src, dst in ALLOWED_MOVES if dst == target]
    if len(sources) != 1:
        raise IllegalStateChange(f"no order can move to state {target}")
    return sources[0]


def parse_state_filter(value: int) -> int | None:
    if value == ALL_STATES:
        return None
    if value not in {s.value for s in TradeState}:
        raise InvalidField("tradeState must be -99 (all) or one of -1, 0, 1, 2, 3, 4")
    return value


# --- entities ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HomestayTerms:
    """The parts of the homestay that are copied into the order (prices in fen)."""

    id: int
    title: str
    sub_title: str
    cover: str
    info: str
    people_num: int
    row_type: int
    food_info: str
    food_price: int
    homestay_price: int
    market_homestay_price: int
    homestay_business_id: int
    homestay_user_id: int


def cover_of(banner: str) -> str:
    """The banner is a comma-separated list of images; the first is the cover."""
    return banner.split(",", 1)[0].strip()


@dataclass(frozen=True, slots=True)
class NewOrder:
    sn: str
    user_id: int
    homestay: HomestayTerms
    need_food: bool
    live_start: int
    live_end: int
    live_people_num: int
    remark: str
    trade_code: str
    price: Price
    create_time: int


def new_order(*, user_id: int, request: BookingRequest, homestay: HomestayTerms, days: int,
              now: float, sn: str, trade_code: str) -> NewOrder:
    check_people(request.people, homestay.people_num)
    price = price_order(row_type=homestay.row_type, homestay_price=homestay.homestay_price,
                        food_price=homestay.food_price, days=days, people=request.people,
                        with_food=request.with_food)
    return NewOrder(sn=sn, user_id=user_id, homestay=homestay, need_food=request.with_food,
                    live_start=request.live_start, live_end=request.live_end,
                    live_people_num=request.people, remark=request.remark,
                    trade_code=trade_code, price=price, create_time=int(now))


@dataclass(frozen=True, slots=True)
class Order:
    id: int
    sn: str
    user_id: int
    homestay: HomestayTerms
    need_food: bool
    live_start: int
    live_end: int
    live_people_num: int
    trade_state: int
    trade_code: str
    remark: str
    price: Price
    create_time: int
    pay_time: int  # 0 while unpaid
    pay_type: str
    pay_sn: str
    pay_note: str
    version: int
    update_time: int = 0


@dataclass(frozen=True, slots=True)
class Payment:
    """A successful payment as reported by the payment service."""

    order_sn: str
    pay_sn: str
    total: int  # fen
    pay_time: int
    pay_type: str = PAY_TYPE_WECHAT


# --- payments that do not simply pay a waiting order -------------------------------------------


class PaymentAction(enum.Enum):
    ALREADY_APPLIED = "already_applied"  # redelivery of the payment that paid this order
    REFUND = "refund"  # the money must go back: closed order, wrong amount, unknown order
    REVIEW = "review"  # a second payment of a paid order: needs a human, never auto-refunded


REASON_CLOSED: Final = "order closed before payment"
REASON_AMOUNT: Final = "payment amount does not match the order"
REASON_UNKNOWN: Final = "order not found"


@dataclass(frozen=True, slots=True)
class PaymentDecision:
    action: PaymentAction
    reason: str = ""


def decide_unapplied_payment(order: Order | None, payment: Payment) -> PaymentDecision:
    """What to do with a payment the conditional `0 → 1` update did not apply."""
    if order is None:
        return PaymentDecision(PaymentAction.REFUND, REASON_UNKNOWN)
    if order.trade_state == TradeState.WAIT_PAY:
        # The update only fails on a waiting order when the amount differs.
        return PaymentDecision(PaymentAction.REFUND, REASON_AMOUNT)
    if order.trade_state == TradeState.CANCELLED:
        return PaymentDecision(PaymentAction.REFUND, REASON_CLOSED)
    if order.pay_sn == payment.pay_sn:
        return PaymentDecision(PaymentAction.ALREADY_APPLIED)
    # Refunding "the order's payment" would hit the payment that did pay it; leave it to an
    # operator (the payment service normally allows one payment per order anyway).
    return PaymentDecision(PaymentAction.REVIEW, "order already paid by another payment")


# --- paging ------------------------------------------------------------------------------------


def page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidField("pageSize must not be negative")
    return DEFAULT_PAGE_SIZE if requested == 0 else min(requested, MAX_PAGE_SIZE)


def keyset_before(last_id: int) -> int | None:
    if last_id < 0:
        raise InvalidField("lastId must not be negative")
    return None if last_id == 0 else last_id


def fen_to_yuan(fen: int) -> float:
    return int(fen) / 100
