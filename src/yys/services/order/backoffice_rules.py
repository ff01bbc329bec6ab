"""Rules of the order lifecycle after payment (check-in, refund, expiry) and of the back office's
order queries (filters, sorting, paging). Pure Python, like domain.py (split from it to keep
both readable)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Final

from yys.contracts.trade import TradeState
from yys.kit.errors import BadRequest, Conflict
from yys.services.order.domain import (
    MAX_PAGE_SIZE,
    InvalidField,
    Order,
    OrderNotFound,
    check_move,
)

TRADE_CODE_MISMATCH: Final = 400012
REFUND_WINDOW_CLOSED: Final = 400013
SN_MAX: Final = 32
ADMIN_PAGE_SIZE: Final = 20


class TradeCodeMismatch(BadRequest):
    code = TRADE_CODE_MISMATCH
    default_msg = "tradeCode does not match this order"


class RefundWindowClosed(Conflict):
    code = REFUND_WINDOW_CLOSED
    default_msg = "the stay has started: the order can no longer be refunded"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks for a back-office action (a manager), as the audit log names them."""

    id: int
    name: str


# --- check-in, refund, expiry ------------------------------------------------------------------


def check_trade_code(order: Order, code: str) -> None:
    """The guest shows the code at the front desk; case and surrounding blanks do not matter.
    Compared in constant time: the code is the only secret that turns a booking into a stay."""
    given = code.strip().upper().encode()
    if not given or not hmac.compare_digest(given, order.trade_code.upper().encode()):
        raise TradeCodeMismatch()


def check_user_refund(order: Order | None, *, user_id: int, now: float) -> Order:
    """A guest may refund their own paid order until the stay starts. Someone else's order is
    indistinguishable from a missing one."""
    if order is None or order.user_id != user_id:
        raise OrderNotFound()
    if order.trade_state == TradeState.REFUNDED:
        return order  # a repeated request: already done
    check_move(order.trade_state, TradeState.REFUNDED)
    if now >= order.live_start:
        raise RefundWindowClosed()
    return order


def is_expired(order: Order, *, now: float, grace: float = 0.0) -> bool:
    """A paid order nobody checked in before the stay ended (plus `grace`) has expired."""
    return order.trade_state == TradeState.WAIT_USE and order.live_end + grace < now


def expiry_cutoff(now: float, grace: float = 0.0) -> int:
    """Orders whose stay ended before this moment (unix s) expire."""
    return int(now - grace)


@dataclass(frozen=True, slots=True)
class RefundRequest:
    """A refund the order owes its payer; `done` once payment confirmed it."""

    order_sn: str
    reason: str
    requested_by: str
    done: bool
    attempts: int
    last_error: str
    pay_sn: str
    create_time: int
    done_time: int  # 0 while pending


# --- back-office queries -----------------------------------------------------------------------

# Public sort keys → (field, descending). The repository maps fields to columns; nothing the
# caller sends reaches SQL text.
SORTS: Final = {
    "-createTime": ("create_time", True),
    "createTime": ("create_time", False),
    "-id": ("id", True),
    "id": ("id", False),
    "-orderTotalPrice": ("order_total_price", True),
    "orderTotalPrice": ("order_total_price", False),
    "-liveStartDate": ("live_start_date", True),
    "liveStartDate": ("live_start_date", False),
    "-payTime": ("pay_time", True),
    "payTime": ("pay_time", False),
}
DEFAULT_SORT: Final = "-createTime"


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int
    size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


def page_request(page: int | None, size: int | None) -> PageRequest:
    """`page` ≥ 1 (default 1); `pageSize` ≥ 1 (default 20), capped at 100."""
    page = 1 if page is None else page
    size = ADMIN_PAGE_SIZE if size is None else size
    if page < 1:
        raise InvalidField("page must be 1 or more")
    if size < 1:
        raise InvalidField("pageSize must be 1 or more")
    # Far past the end is an empty page, but the offset must stay a sane number.
    if page > 1_000_000:
        raise InvalidField("page is too large")
    return PageRequest(page, min(size, MAX_PAGE_SIZE))


def positive_id(value: int | None, name: str) -> int | None:
    if value is not None and value <= 0:
        raise InvalidField(f"{name} must be a positive integer")
    return value


def time_range(start: int | None, end: int | None) -> tuple[int | None, int | None]:
    for value, name in ((start, "from"), (end, "to")):
        if value is not None and value < 0:
            raise InvalidField(f"{name} must be unix seconds (0 or more)")
    if start is not None and end is not None and start > end:
        raise InvalidField("from must not be after to")
    return start, end


@dataclass(frozen=True, slots=True)
class OrderFilter:
    trade_state: int | None = None
    user_id: int | None = None
    homestay_id: int | None = None
    sn: str | None = None
    created_from: int | None = None  # unix s, inclusive
    created_to: int | None = None  # unix s, inclusive
    sort_field: str = SORTS[DEFAULT_SORT][0]
    descending: bool = True


def order_filter(*, trade_state: int | None = None, user_id: int | None = None,
                 homestay_id: int | None = None, sn: str | None = None,
                 created_from: int | None = None, created_to: int | None = None,
                 sort: str | None = None) -> OrderFilter:
    """Validate the back office's order filters (400 on anything out of range)."""
    if trade_state is not None and trade_state not in {s.value for s in TradeState}:
        raise InvalidField("tradeState must be one of -1, 0, 1, 2, 3, 4")
    if sn is not None and len(sn) > SN_MAX:
        raise InvalidField(f"sn is at most {SN_MAX} characters")
    key = sort or DEFAULT_SORT
    if key not in SORTS:
        raise InvalidField(f"sort must be one of {', '.join(SORTS)}")
    start, end = time_range(created_from, created_to)
    field, descending = SORTS[key]
    return OrderFilter(trade_state=trade_state, user_id=positive_id(user_id, "userId"),
                       homestay_id=positive_id(homestay_id, "homestayId"), sn=sn or None,
                       created_from=start, created_to=end, sort_field=field,
                       descending=descending)
