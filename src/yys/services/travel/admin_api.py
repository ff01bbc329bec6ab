"""Back-office routes of the catalogue (`/admin/v1/homestays`, `homestay-businesses`,
`homestay-activities`, `homestay-comments`): list, create, detail, partial update, soft delete.
Any admin role may read; writes need `operator` (the guards come from the wiring)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeAlias, TypeVar

import msgspec
from litestar import Router, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter

from yys.kit.http.admin import AdminPrincipal
from yys.kit.listing import MAX_ID, PageRequest, Sort, page_request, parse_sort, resource_id
from yys.services.travel.admin_schemas import (
    ActivityCreate,
    ActivityPatch,
    BusinessCreate,
    BusinessPatch,
    CommentCreate,
    CommentPatch,
    HomestayCreate,
    HomestayPatch,
    values_of,
)
from yys.services.travel.admin_service import (
    ACTIVITIES,
    BUSINESSES,
    COMMENTS,
    HOMESTAYS,
    Resource,
    TravelAdminService,
)
from yys.services.travel.admin_views import (
    ActivityItem,
    BusinessItem,
    CommentItem,
    HomestayItem,
    activity_item,
    business_item,
    comment_item,
    homestay_item,
)
from yys.services.travel.domain import (
    ACTIVITY_TYPES,
    ActivityFilter,
    BusinessFilter,
    CommentFilter,
    HomestayFilter,
    InvalidField,
)

ItemT = TypeVar("ItemT")

# Typed dependency aliases: the handlers read like their contract.
Svc: TypeAlias = NamedDependency[TravelAdminService]
Admin: TypeAlias = NamedDependency[AdminPrincipal]
RecordId: TypeAlias = FromPath[int]

# API field name → repository sort key (see admin_repository for what each list accepts).
COMMON_SORTS = {"id": "id", "createTime": "create_time", "updateTime": "update_time"}
HOMESTAY_SORTS = {**COMMON_SORTS, "title": "title", "peopleNum": "people_num",
                  "homestayPrice": "homestay_price", "rowState": "row_state"}
BUSINESS_SORTS = {**COMMON_SORTS, "title": "title", "star": "star",
                  "commentCount": "comment_count", "sellMonth": "sell_month"}
ACTIVITY_SORTS = {**COMMON_SORTS, "dataId": "data_id"}
COMMENT_SORTS = {**COMMON_SORTS, "star": "star"}
NEWEST = Sort("id", descending=True)

# Query parameters. Ids and paging are range-checked by kit.listing (400, never a driver error).
PageNo = Annotated[int | None, QueryParameter(name="page")]
PageSize = Annotated[int | None, QueryParameter(name="pageSize")]
SortBy = Annotated[str | None, QueryParameter(name="sort", max_length=64)]
OptId = int | None


def _flag(name: str) -> Any:
    return QueryParameter(name=name, ge=0, le=1)


def _text(name: str) -> Any:
    return QueryParameter(name=name, max_length=64)


Version = Annotated[int | None, QueryParameter(name="version", ge=0, le=MAX_ID)]


class ListOut(msgspec.Struct, Generic[ItemT]):
    total: int
    items: list[ItemT] = msgspec.field(name="list")


def _opt_id(value: int | None, what: str) -> int | None:
    return None if value is None else resource_id(value, what)


def _paging(page: int | None, size: int | None, sort: str | None,
            allowed: dict[str, str]) -> tuple[PageRequest, Sort]:
    return page_request(page, size), parse_sort(sort, allowed, NEWEST)


def _homestay_routes(writer: Provide) -> list[Any]:
    @get("/homestays", summary="Homestays, on and off shelf (title contains, business, state, type)")
    async def listing(*, svc: Svc, admin: Admin, page: PageNo = None,
                      page_size: PageSize = None, sort: SortBy = None,
                      title: Annotated[str | None, _text("title")] = None,
                      business: Annotated[OptId, QueryParameter(name="homestayBusinessId")] = None,
                      row_state: Annotated[int | None, _flag("rowState")] = None,
                      row_type: Annotated[int | None, _flag("rowType")] = None,
                      ) -> ListOut[HomestayItem]:
        paging, order = _paging(page, page_size, sort, HOMESTAY_SORTS)
        found = await svc.homestays(f=HomestayFilter(
            title=title, homestay_business_id=_opt_id(business, "homestayBusinessId"),
            row_state=row_state, row_type=row_type), sort=order, page=paging)
        return ListOut(found.total, [homestay_item(h) for h in found.items])

    @post("/homestays", status_code=200, dependencies={"admin": writer}, summary="Create a homestay")
    async def create(svc: Svc, data: JSONBody[HomestayCreate],
                     admin: Admin) -> HomestayItem:
        return homestay_item(await svc.create(HOMESTAYS, actor=admin, values=values_of(data)))

    @patch("/homestays/{record_id:int}", dependencies={"admin": writer},
           summary="Change the fields sent (needs the current version)")
    async def change(svc: Svc, record_id: RecordId, data: JSONBody[HomestayPatch],
                     admin: Admin) -> HomestayItem:
        return homestay_item(await svc.update(
            HOMESTAYS, actor=admin, record_id=resource_id(record_id), version=data.version,
            changes=values_of(data)))

    return [listing, create, change]


def _business_routes(writer: Provide) -> list[Any]:
    @get("/homestay-businesses", summary="Businesses (title contains, owner, state)")
    async def listing(*, svc: Svc, admin: Admin, page: PageNo = None,
                      page_size: PageSize = None, sort: SortBy = None,
                      title: Annotated[str | None, _text("title")] = None,
                      user_id: Annotated[OptId, QueryParameter(name="userId")] = None,
                      row_state: Annotated[int | None, _flag("rowState")] = None,
                      ) -> ListOut[BusinessItem]:
        paging, order = _paging(page, page_size, sort, BUSINESS_SORTS)
        found = await svc.businesses(f=BusinessFilter(
            title=title, user_id=_opt_id(user_id, "userId"), row_state=row_state),
            sort=order, page=paging)
        return ListOut(found.total, [business_item(b) for b in found.items])

    @post("/homestay-businesses", status_code=200, dependencies={"admin": writer},
          summary="Create a business")
    async def create(svc: Svc, data: JSONBody[BusinessCreate],
                     admin: Admin) -> BusinessItem:
        return business_item(await svc.create(BUSINESSES, actor=admin, values=values_of(data)))

    @patch("/homestay-businesses/{record_id:int}", dependencies={"admin": writer},
           summary="Change the fields sent (needs the current version)")
    async def change(svc: Svc, record_id: RecordId, data: JSONBody[BusinessPatch],
                     admin: Admin) -> BusinessItem:
        return business_item(await svc.update(
            BUSINESSES, actor=admin, record_id=resource_id(record_id), version=data.version,
            changes=values_of(data)))

    return [listing, create, change]


def _activity_routes(writer: Provide) -> list[Any]:
    @get("/homestay-activities", summary="Featured homestays and businesses (type, status)")
    async def listing(*, svc: Svc, admin: Admin, page: PageNo = None,
                      page_size: PageSize = None, sort: SortBy = None,
                      row_type: Annotated[str | None, _text("rowType")] = None,
                      row_status: Annotated[int | None, _flag("rowStatus")] = None,
                      data_id: Annotated[OptId, QueryParameter(name="dataId")] = None,
                      ) -> ListOut[ActivityItem]:
        paging, order = _paging(page, page_size, sort, ACTIVITY_SORTS)
        if row_type is not None and row_type not in ACTIVITY_TYPES:
            raise InvalidField(f"rowType must be one of {', '.join(ACTIVITY_TYPES)}")
        found = await svc.activities(f=ActivityFilter(
            row_type=row_type, row_status=row_status, data_id=_opt_id(data_id, "dataId")),
            sort=order, page=paging)
        return ListOut(found.total, [activity_item(a) for a in found.items])

    @post("/homestay-activities", status_code=200, dependencies={"admin": writer},
          summary="Feature a homestay or a business")
    async def create(svc: Svc, data: JSONBody[ActivityCreate],
                     admin: Admin) -> ActivityItem:
        return activity_item(await svc.create(ACTIVITIES, actor=admin, values=values_of(data)))

    @patch("/homestay-activities/{record_id:int}", dependencies={"admin": writer},
           summary="Change the fields sent (needs the current version)")
    async def change(svc: Svc, record_id: RecordId, data: JSONBody[ActivityPatch],
                     admin: Admin) -> ActivityItem:
        return activity_item(await svc.update(
            ACTIVITIES, actor=admin, record_id=resource_id(record_id), version=data.version,
            changes=values_of(data)))

    return [listing, create, change]


def _comment_routes(writer: Provide) -> list[Any]:
    @get("/homestay-comments", summary="Guests' comments (homestay, user, order, star)")
    async def listing(*, svc: Svc, admin: Admin, page: PageNo = None,
                      page_size: PageSize = None, sort: SortBy = None,
                      homestay_id: Annotated[OptId, QueryParameter(name="homestayId")] = None,
                      user_id: Annotated[OptId, QueryParameter(name="userId")] = None,
                      order_sn: Annotated[str | None, _text("orderSn")] = None,
                      star: Annotated[int | None, QueryParameter(name="star", ge=1, le=5)] = None,
                      ) -> ListOut[CommentItem]:
        paging, order = _paging(page, page_size, sort, COMMENT_SORTS)
        found = await svc.comments(f=CommentFilter(
            homestay_id=_opt_id(homestay_id, "homestayId"), user_id=_opt_id(user_id, "userId"),
            order_sn=order_sn, star=star), sort=order, page=paging)
        return ListOut(found.total, [comment_item(c) for c in found.items])

    @post("/homestay-comments", status_code=200, dependencies={"admin": writer},
          summary="Create a comment")
    async def create(svc: Svc, data: JSONBody[CommentCreate],
                     admin: Admin) -> CommentItem:
        return comment_item(await svc.create(COMMENTS, actor=admin, values=values_of(data)))

    @patch("/homestay-comments/{record_id:int}", dependencies={"admin": writer},
           summary="Moderate a comment: content and star (needs the current version)")
    async def change(svc: Svc, record_id: RecordId, data: JSONBody[CommentPatch],
                     admin: Admin) -> CommentItem:
        return comment_item(await svc.update(
            COMMENTS, actor=admin, record_id=resource_id(record_id), version=data.version,
            changes=values_of(data)))

    return [listing, create, change]


def _record_routes(resource: Resource[Any], view: Callable[[Any], Any],
                   writer: Provide) -> list[Any]:
    """GET and DELETE of one record: the same for every resource."""
    path = f"/{resource.name}/{{record_id:int}}"

    @get(path, summary=f"One of {resource.name}")
    async def read(svc: Svc, record_id: RecordId, admin: Admin) -> Any:
        return view(await svc.get(resource, record_id=resource_id(record_id)))

    @delete(path, status_code=204, dependencies={"admin": writer},
            summary=f"Soft-delete one of {resource.name} (only at ?version= when given)")
    async def remove(svc: Svc, record_id: RecordId, admin: Admin,
                     version: Version = None) -> None:
        await svc.delete(resource, actor=admin, record_id=resource_id(record_id), version=version)

    return [read, remove]


def build_admin_router(service: TravelAdminService, *, reader: Provide, writer: Provide) -> Router:
    """Reads take the router's `reader` guard; every write handler overrides it with `writer`."""

    def provide_service() -> TravelAdminService:
        return service

    handlers = [*_homestay_routes(writer), *_business_routes(writer), *_activity_routes(writer),
                *_comment_routes(writer)]
    for resource, view in ((HOMESTAYS, homestay_item), (BUSINESSES, business_item),
                           (ACTIVITIES, activity_item), (COMMENTS, comment_item)):
        handlers += _record_routes(resource, view, writer)
    return Router(path="/admin/v1", tags=["admin: catalogue"], route_handlers=handlers,
                  dependencies={"svc": Provide(provide_service, sync_to_thread=False),
                                "admin": reader})
