"""HTTP routes of `/travel/v1` (public, POST + JSON, field names of the original API)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Annotated, Any

import msgspec
from litestar import Router, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from yys.kit.auth.tokens import TokenService
from yys.kit.http.auth import ClaimsCheck, provide_user_id
from yys.services.travel.domain import Boss, Business, CommentView, Homestay, fen_to_yuan
from yys.services.travel.reviews import ReviewService
from yys.services.travel.service import TravelService

# Bounds the parser enforces (400) before any use case runs: ids fit a BIGINT, and a page
# number cannot push an OFFSET past what a database accepts.
Id = Annotated[int, msgspec.Meta(le=2**63 - 1)]
PageNo = Annotated[int, msgspec.Meta(le=1_000_000)]
Size = Annotated[int, msgspec.Meta(le=2**31)]


class _In(msgspec.Struct, rename="camel", kw_only=True):
    pass


class PageReq(_In):
    page: PageNo = 0
    page_size: Size = 0


class BusinessHomestaysReq(_In):
    homestay_business_id: Id
    last_id: Id = 0
    page_size: Size = 0


class KeysetReq(_In):
    last_id: Id = 0
    page_size: Size = 0


class CommentsReq(_In):
    homestay_id: Id
    last_id: Id = 0
    page_size: Size = 0


class IdReq(_In):
    id: Id


class AddCommentReq(_In):
    homestay_id: Id
    order_sn: Annotated[str, msgspec.Meta(max_length=64)]
    content: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    star: Annotated[int, msgspec.Meta(ge=1, le=5)]


class AddCommentOut(msgspec.Struct):
    id: int


class EmptyReq(_In):
    pass


class HomestayOut(msgspec.Struct, rename="camel", kw_only=True):
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
    food_price: float
    homestay_price: float
    market_homestay_price: float


class BossOut(msgspec.Struct, rename="camel", kw_only=True):
    id: int
    user_id: int
    nickname: str
    avatar: str
    info: str
    rank: int


class BusinessItemOut(msgspec.Struct, rename="camel", kw_only=True):
    id: int
    title: str
    info: str
    tags: str
    cover: str
    star: float
    is_fav: bool
    header_img: str
    sell_month: int
    person_consume: float


class CommentOut(msgspec.Struct, rename="camel", kw_only=True):
    id: int
    homestay_id: int
    user_id: int
    nickname: str
    avatar: str
    content: str
    star: int
    create_time: int


class HomestayListOut(msgspec.Struct):
    items: list[HomestayOut] = msgspec.field(name="list")


class HomestayDetailOut(msgspec.Struct):
    homestay: HomestayOut


class BossListOut(msgspec.Struct):
    items: list[BossOut] = msgspec.field(name="list")


class BossDetailOut(msgspec.Struct):
    boss: BossOut


class BusinessListOut(msgspec.Struct):
    items: list[BusinessItemOut] = msgspec.field(name="list")


class CommentListOut(msgspec.Struct):
    items: list[CommentOut] = msgspec.field(name="list")


def homestay_out(h: Homestay) -> HomestayOut:
    return HomestayOut(
        id=h.id, title=h.title, sub_title=h.sub_title, banner=h.banner, info=h.info,
        people_num=h.people_num, homestay_business_id=h.homestay_business_id, user_id=h.user_id,
        row_state=h.row_state, row_type=h.row_type, food_info=h.food_info,
        food_price=fen_to_yuan(h.food_price), homestay_price=fen_to_yuan(h.homestay_price),
        market_homestay_price=fen_to_yuan(h.market_homestay_price),
    )


def boss_out(b: Boss) -> BossOut:
    return BossOut(id=b.id, user_id=b.user_id, nickname=b.nickname, avatar=b.avatar,
                   info=b.info, rank=b.rank)


def business_item_out(b: Business) -> BusinessItemOut:
    # The public list has no caller identity, so nothing can be a favourite of "the caller".
    return BusinessItemOut(id=b.id, title=b.title, info=b.info, tags=b.tags, cover=b.cover,
                           star=b.star, is_fav=False, header_img=b.header_img,
                           sell_month=b.sell_month, person_consume=fen_to_yuan(b.person_consume))


def comment_out(v: CommentView) -> CommentOut:
    c = v.comment
    return CommentOut(id=c.id, homestay_id=c.homestay_id, user_id=c.user_id,
                      nickname=v.nickname, avatar=v.avatar, content=c.content, star=c.star,
                      create_time=c.create_time)


_JSON_HEADERS = [(b"content-type", b"application/json")]
_encode = msgspec.json.Encoder().encode


class JsonBody:
    """A pre-encoded 200 JSON response, sent straight to the ASGI server. The hot detail path
    returns this instead of a Litestar `Response`, skipping its per-request object graph."""

    __slots__ = ("_body",)
    status_code = 200  # read by after-request hooks that normalise statuses

    def __init__(self, body: bytes) -> None:
        self._body = body

    async def __call__(self, scope: MutableMapping[str, Any],
                       receive: Callable[[], Awaitable[Any]],
                       send: Callable[[MutableMapping[str, Any]], Awaitable[None]]) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*_JSON_HEADERS, (b"content-length", b"%d" % len(self._body))]})
        await send({"type": "http.response.body", "body": self._body})


def router(service: TravelService, reviews: ReviewService, tokens: TokenService,
           user_check: ClaimsCheck | None = None) -> Router:
    """The handlers close over the service: no dependency injection on the hot paths."""

    @post("/homestay/homestayList", status_code=200,
          responses={200: ResponseSpec(HomestayListOut, description="Preferred homestays")})
    async def homestay_list(data: JSONBody[PageReq]) -> JsonBody:
        found = await service.preferred_homestays(page=data.page, size=data.page_size)
        return JsonBody(_encode(HomestayListOut([homestay_out(h) for h in found])))

    @post("/homestay/businessList", status_code=200)
    async def business_list(data: JSONBody[BusinessHomestaysReq]) -> HomestayListOut:
        found = await service.business_homestays(business_id=data.homestay_business_id,
                                                 last_id=data.last_id, size=data.page_size)
        return HomestayListOut([homestay_out(h) for h in found])

    @post("/homestay/guessList", status_code=200)
    async def guess_list(data: JSONBody[EmptyReq]) -> HomestayListOut:
        return HomestayListOut([homestay_out(h) for h in await service.guess_homestays()])

    @post("/homestay/homestayDetail", status_code=200,
          responses={200: ResponseSpec(HomestayDetailOut, description="The homestay")})
    async def homestay_detail(data: JSONBody[IdReq]) -> JsonBody:
        found = await service.homestay_detail(homestay_id=data.id)
        return JsonBody(_encode(HomestayDetailOut(homestay_out(found))))

    @post("/homestayBussiness/goodBoss", status_code=200)
    async def good_boss(data: JSONBody[EmptyReq]) -> BossListOut:
        return BossListOut([boss_out(b) for b in await service.good_bosses()])

    @post("/homestayBussiness/homestayBussinessList", status_code=200)
    async def business_page(data: JSONBody[KeysetReq]) -> BusinessListOut:
        found = await service.businesses(last_id=data.last_id, size=data.page_size)
        return BusinessListOut([business_item_out(b) for b in found])

    @post("/homestayBussiness/homestayBussinessDetail", status_code=200)
    async def business_detail(data: JSONBody[IdReq]) -> BossDetailOut:
        return BossDetailOut(boss_out(await service.business_boss(business_id=data.id)))

    @post("/homestayComment/commentList", status_code=200)
    async def comment_list(data: JSONBody[CommentsReq]) -> CommentListOut:
        found = await service.comments(homestay_id=data.homestay_id, last_id=data.last_id,
                                       size=data.page_size)
        return CommentListOut([comment_out(v) for v in found])

    @post("/homestayComment/addComment", status_code=200,
          dependencies={"user_id": provide_user_id(tokens, check=user_check)})
    async def add_comment(data: JSONBody[AddCommentReq],
                          user_id: NamedDependency[int]) -> AddCommentOut:
        new_id = await reviews.add_comment(user_id=user_id, homestay_id=data.homestay_id,
                                           order_sn=data.order_sn, content=data.content,
                                           star=data.star)
        return AddCommentOut(new_id)

    return Router(path="/travel/v1", tags=["travel"], route_handlers=[
        homestay_list, business_list, guess_list, homestay_detail, good_boss, business_page,
        business_detail, comment_list, add_comment,
    ])
