"""Back-office routes on users (`/admin/v1/users`): list (mobile prefix, nickname contains,
disabled), detail, disable, enable. Any admin role may read; disable/enable need `operator`."""

from __future__ import annotations

from typing import Annotated, TypeAlias

import msgspec
from litestar import Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter

from yys.kit.http.admin import AdminPrincipal
from yys.kit.listing import Sort, page_request, parse_sort, resource_id
from yys.services.usercenter.admin_service import UserAdminService
from yys.services.usercenter.admin_views import UserItem, user_item
from yys.services.usercenter.domain import UserFilter

Svc: TypeAlias = NamedDependency[UserAdminService]
Admin: TypeAlias = NamedDependency[AdminPrincipal]
UserId: TypeAlias = FromPath[int]

SORTS = {"id": "id", "createTime": "create_time", "updateTime": "update_time", "mobile": "mobile"}
NEWEST = Sort("id", descending=True)


class UserListOut(msgspec.Struct):
    total: int
    items: list[UserItem] = msgspec.field(name="list")


@get("/users", summary="Users (mobile prefix, nickname contains, disabled)")
async def list_users(
    *, svc: Svc, admin: Admin,
    page: Annotated[int | None, QueryParameter(name="page")] = None,
    page_size: Annotated[int | None, QueryParameter(name="pageSize")] = None,
    sort: Annotated[str | None, QueryParameter(name="sort", max_length=64)] = None,
    mobile: Annotated[str | None, QueryParameter(name="mobile", max_length=20)] = None,
    nickname: Annotated[str | None, QueryParameter(name="nickname", max_length=64)] = None,
    disabled: Annotated[bool | None, QueryParameter(name="disabled")] = None,
) -> UserListOut:
    found = await svc.users(f=UserFilter(mobile=mobile, nickname=nickname, disabled=disabled),
                            sort=parse_sort(sort, SORTS, NEWEST),
                            page=page_request(page, page_size))
    return UserListOut(found.total, [user_item(u) for u in found.items])


@get("/users/{user_id:int}", summary="One user")
async def get_user(svc: Svc, admin: Admin, user_id: UserId) -> UserItem:
    return user_item(await svc.user(user_id=resource_id(user_id)))


def build_admin_router(service: UserAdminService, *, reader: Provide, writer: Provide) -> Router:
    """Reads take the router's `reader` guard; the two writes override it with `writer`."""

    def provide_service() -> UserAdminService:
        return service

    @post("/users/{user_id:int}/disable", status_code=200, dependencies={"admin": writer},
          summary="Disable a user: their tokens stop working and login is refused, at once")
    async def disable(svc: Svc, admin: Admin, user_id: UserId) -> UserItem:
        return user_item(await svc.set_disabled(actor=admin, user_id=resource_id(user_id),
                                                disabled=True))

    @post("/users/{user_id:int}/enable", status_code=200, dependencies={"admin": writer},
          summary="Enable a disabled user again")
    async def enable(svc: Svc, admin: Admin, user_id: UserId) -> UserItem:
        return user_item(await svc.set_disabled(actor=admin, user_id=resource_id(user_id),
                                                disabled=False))

    return Router(path="/admin/v1", tags=["admin: users"],
                  route_handlers=[list_users, get_user, disable, enable],
                  dependencies={"svc": Provide(provide_service, sync_to_thread=False),
                                "admin": reader})
