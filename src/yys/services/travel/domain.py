"""Catalogue entities and the value rules of the public read API. Pure Python."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from yys.kit.errors import BadRequest, Conflict, NotFound

# Error codes (300xxx, CONTRIBUTING.md).
HOMESTAY_NOT_FOUND: Final = 300001
BUSINESS_NOT_FOUND: Final = 300002
ACTIVITY_NOT_FOUND: Final = 300003
COMMENT_NOT_FOUND: Final = 300004
INVALID_FIELD: Final = 300005
COMMENT_EXISTS: Final = 300006
ORDER_NOT_USED: Final = 300007
ORDER_NOT_FOUND: Final = 300008

# Activity kinds keep the original's string values: clients and admin tools send them verbatim.
PREFERRED_HOMESTAY: Final = "preferredHomestay"
GOOD_BUSINESS: Final = "goodBusiness"
ACTIVITY_TYPES: Final = (PREFERRED_HOMESTAY, GOOD_BUSINESS)

ON_SHELF: Final = 1
OFF_SHELF: Final = 0
ACTIVE: Final = 1
PER_ROOM: Final = 0
PER_PERSON: Final = 1

DEFAULT_PAGE_SIZE: Final = 20
MAX_PAGE_SIZE: Final = 100
GUESS_SIZE: Final = 5
GOOD_BOSS_SIZE: Final = 10


class HomestayNotFound(NotFound):
    code = HOMESTAY_NOT_FOUND
    default_msg = "homestay not found"


class BusinessNotFound(NotFound):
    code = BUSINESS_NOT_FOUND
    default_msg = "homestay business not found"


class ActivityNotFound(NotFound):
    code = ACTIVITY_NOT_FOUND
    default_msg = "homestay activity not found"


class CommentNotFound(NotFound):
    code = COMMENT_NOT_FOUND
    default_msg = "homestay comment not found"


class InvalidField(BadRequest):
    code = INVALID_FIELD
    default_msg = "invalid field value"


class CommentExists(Conflict):
    code = COMMENT_EXISTS
    default_msg = "this order has already been commented on"


class OrderNotUsed(Conflict):
    code = ORDER_NOT_USED
    default_msg = "only a stay that has taken place can be commented on"


class OrderNotFound(NotFound):
    code = ORDER_NOT_FOUND
    default_msg = "order not found"


# --- money -------------------------------------------------------------------------------------

_CENT = Decimal("0.01")


def fen_to_yuan(fen: int) -> float:
    """Integer fen → yuan as a float that prints with at most two decimals (12345 → 123.45)."""
    return int(fen) / 100


def yuan_to_fen(yuan: float | int | str | Decimal) -> int:
    """Yuan from the edge → integer fen, rounding half up; more than two decimals is rejected so
    a typo like 99.999 does not silently become a different price."""
    try:
        amount = Decimal(str(yuan))
    except ArithmeticError:
        raise InvalidField("price must be a number") from None
    if not amount.is_finite() or amount < 0:
        raise InvalidField("price must be a non-negative number")
    if amount != amount.quantize(_CENT, rounding=ROUND_HALF_UP):
        raise InvalidField("price has more than two decimals")
    return int(amount * 100)


# --- paging ------------------------------------------------------------------------------------


def page_size(requested: int | None) -> int:
    """0/absent means the default; anything above the cap is capped rather than refused."""
    if requested is None or requested == 0:
        return DEFAULT_PAGE_SIZE
    if requested < 0:
        raise BadRequest("pageSize must not be negative")
    return min(requested, MAX_PAGE_SIZE)


def page_offset(page: int | None, size: int) -> int:
    """Pages are 1-based; 0/absent means the first page."""
    if page is None or page == 0:
        return 0
    if page < 0:
        raise BadRequest("page must not be negative")
    return (page - 1) * size


def keyset_before(last_id: int | None) -> int | None:
    """`lastId` 0/absent starts from the newest row; otherwise rows with a smaller id follow."""
    if last_id is None or last_id == 0:
        return None
    if last_id < 0:
        raise BadRequest("lastId must not be negative")
    return last_id


def require_id(value: int, what: str = "id") -> int:
    if value <= 0:
        raise BadRequest(f"{what} must be a positive integer")
    return value


# --- entities ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Homestay:
    id: int
    title: str
    sub_title: str
    banner: str
    info: str
    people_num: int
    homestay_business_id: int
    user_id: int
    row_state: int
    row_type: int
    food_info: str
    food_price: int
    homestay_price: int
    market_homestay_price: int
    version: int = 0
    create_time: int = 0
    update_time: int = 0

    @property
    def on_shelf(self) -> bool:
        return self.row_state == ON_SHELF


@dataclass(frozen=True, slots=True)
class Business:
    id: int
    title: str
    user_id: int
    info: str
    boss_info: str
    license_fron: str
    license_back: str
    row_state: int
    star: float
    tags: str
    cover: str
    header_img: str
    sell_month: int = 0
    person_consume: int = 0
    version: int = 0
    comment_count: int = 0
    create_time: int = 0
    update_time: int = 0

    @property
    def on_shelf(self) -> bool:
        return self.row_state == ON_SHELF


@dataclass(frozen=True, slots=True)
class Activity:
    id: int
    row_type: str
    data_id: int
    row_status: int
    version: int = 0
    create_time: int = 0
    update_time: int = 0


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    homestay_id: int
    user_id: int
    order_sn: str
    content: str
    star: int
    create_time: int
    version: int = 0
    update_time: int = 0


@dataclass(frozen=True, slots=True)
class Profile:
    """The part of a usercenter profile the catalogue shows next to a boss or a comment."""

    nickname: str
    avatar: str
    info: str


UNKNOWN_PROFILE: Final = Profile(nickname="", avatar="", info="")


@dataclass(frozen=True, slots=True)
class Boss:
    id: int
    user_id: int
    nickname: str
    avatar: str
    info: str
    rank: int


@dataclass(frozen=True, slots=True)
class CommentView:
    comment: Comment
    nickname: str
    avatar: str


def make_boss(business: Business, profile: Profile, rank: int) -> Boss:
    """A business shown as its boss: the business' own boss text wins over the profile's."""
    return Boss(id=business.id, user_id=business.user_id, nickname=profile.nickname,
                avatar=profile.avatar, info=business.boss_info or profile.info, rank=rank)


def rank_bosses(businesses: list[Business], profiles: dict[int, Profile]) -> list[Boss]:
    """Activity order is the ranking (1 = first); a missing profile still shows the business."""
    return [make_boss(b, profiles.get(b.user_id, UNKNOWN_PROFILE), i)
            for i, b in enumerate(businesses, start=1)]


def attach_authors(comments: list[Comment], profiles: dict[int, Profile]) -> list[CommentView]:
    views = []
    for c in comments:
        p = profiles.get(c.user_id, UNKNOWN_PROFILE)
        views.append(CommentView(comment=c, nickname=p.nickname, avatar=p.avatar))
    return views


# --- comments by guests ------------------------------------------------------------------------

COMMENT_MAX: Final = 500


@dataclass(frozen=True, slots=True)
class OrderRef:
    """What a comment needs to know about the order it is written for."""

    sn: str
    user_id: int
    homestay_id: int
    used: bool  # the stay took place (trade state "used")


def check_reviewable(order: OrderRef | None, *, user_id: int, homestay_id: int) -> OrderRef:
    """Only the guest's own order of this homestay, after the stay. Someone else's order looks
    exactly like a missing one, so order numbers cannot be probed."""
    if order is None or order.user_id != user_id or order.homestay_id != homestay_id:
        raise OrderNotFound()
    if not order.used:
        raise OrderNotUsed()
    return order


def comment_text(content: str) -> str:
    text = content.strip()
    if not 1 <= len(text) <= COMMENT_MAX:
        raise InvalidField(f"content must be 1 to {COMMENT_MAX} characters")
    return text


# --- admin list filters (None = no filter) -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class HomestayFilter:
    title: str | None = None  # contains
    homestay_business_id: int | None = None
    row_state: int | None = None
    row_type: int | None = None


@dataclass(frozen=True, slots=True)
class BusinessFilter:
    title: str | None = None  # contains
    user_id: int | None = None
    row_state: int | None = None


@dataclass(frozen=True, slots=True)
class ActivityFilter:
    row_type: str | None = None
    row_status: int | None = None
    data_id: int | None = None


@dataclass(frozen=True, slots=True)
class CommentFilter:
    homestay_id: int | None = None
    user_id: int | None = None
    order_sn: str | None = None
    star: int | None = None
