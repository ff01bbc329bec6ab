"""HTTP routes of admin (`/admin/v1`): login, the caller's account, managers, the audit log.
Thin adapters around the use cases; JSON camelCase, unix seconds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, TypeAlias

import msgspec
from litestar import Request, Router, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from yys.kit.http.admin import AdminPrincipal
from yys.kit.http.clientaddr import client_address
from yys.services.admin.audit import AuditService
from yys.services.admin.domain import (
    AuditFilter,
    AuditRecord,
    Manager,
    ManagerFilter,
    non_negative,
    page_request,
    parse_role,
    positive_id,
)
from yys.services.admin.login import LoginService
from yys.services.admin.service import Actor, ManagerPatch, ManagerService


class LoginReq(msgspec.Struct, rename="camel"):
    username: str
    password: str


class TokenResp(msgspec.Struct, rename="camel"):
    access_token: str
    access_expire: int


class PasswordReq(msgspec.Struct, rename="camel"):
    old_password: str
    new_password: str


class CreateManagerReq(msgspec.Struct, rename="camel"):
    username: str
    password: str
    role: str


class PatchManagerReq(msgspec.Struct, rename="camel"):
    version: int
    role: str | None = None
    password: str | None = None
    disabled: bool | None = None


class ManagerItem(msgspec.Struct, rename="camel"):
    id: int
    username: str
    role: str
    disabled: bool
    version: int
    create_time: int
    update_time: int


class ManagerList(msgspec.Struct):
    total: int
    # Named `items` here: a field called `list` would shadow the builtin in its own annotation.
    items: list[ManagerItem] = msgspec.field(name="list")


class AuditItem(msgspec.Struct, rename="camel"):
    id: int
    actor_id: int
    actor_name: str
    action: str
    resource: str
    resource_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    at: int
    service: str
    create_time: int


class AuditList(msgspec.Struct):
    total: int
    items: list[AuditItem] = msgspec.field(name="list")


class Empty(msgspec.Struct):
    pass


@dataclass(frozen=True)
class AdminApi:
    login: LoginService
    managers: ManagerService
    audit: AuditService


Api: TypeAlias = NamedDependency[AdminApi]
Principal: TypeAlias = NamedDependency[AdminPrincipal]
AnyRequest: TypeAlias = Request[Any, Any, Any]
Page = Annotated[int | None, QueryParameter(name="page")]
PageSize = Annotated[int | None, QueryParameter(name="pageSize")]


def actor(principal: AdminPrincipal) -> Actor:
    return Actor(principal.id, principal.username)


def manager_item(m: Manager) -> ManagerItem:
    # Never the password hash, nor the lockout counters.
    return ManagerItem(id=m.id, username=m.username, role=m.role.label, disabled=m.disabled,
                       version=m.version, create_time=m.create_time, update_time=m.update_time)


def audit_item(r: AuditRecord) -> AuditItem:
    return AuditItem(id=r.id, actor_id=r.actor_id, actor_name=r.actor_name, action=r.action,
                     resource=r.resource, resource_id=r.resource_id, before=r.before,
                     after=r.after, at=r.at, service=r.service, create_time=r.at)


@post("/auth/login", status_code=200, summary="Log in as a manager")
async def login(data: JSONBody[LoginReq], request: AnyRequest, admin_api: Api) -> TokenResp:
    token = await admin_api.login.login(username=data.username, password=data.password,
                                        client=client_address(request))
    return TokenResp(access_token=token.access_token, access_expire=token.access_expire)


@get("/me", summary="The calling manager")
async def me(manager: Principal, admin_api: Api) -> ManagerItem:
    return manager_item(await admin_api.managers.get(manager_id=manager.id))


@post("/me/password", status_code=200, summary="Change the caller's own password")
async def change_password(data: JSONBody[PasswordReq], manager: Principal, admin_api: Api) -> Empty:
    # Any role, viewers included: one's own password is not a back-office write.
    await admin_api.managers.change_own_password(actor=actor(manager),
                                                 old_password=data.old_password,
                                                 new_password=data.new_password)
    return Empty()


@get("/managers", summary="Managers (superadmin)")
async def list_managers(*, superadmin: Principal, admin_api: Api, page: Page = None,
                        page_size: PageSize = None, username: FromQuery[str | None] = None,
                        role: FromQuery[str | None] = None) -> ManagerList:
    where = ManagerFilter(username=username.strip().lower() if username else None,
                          role=parse_role(role) if role else None)
    total, found = await admin_api.managers.search(where=where,
                                                   page=page_request(page, page_size))
    return ManagerList(total=total, items=[manager_item(m) for m in found])


@post("/managers", status_code=200, summary="Create a manager (superadmin)")
async def create_manager(data: JSONBody[CreateManagerReq], superadmin: Principal,
                         admin_api: Api) -> ManagerItem:
    created = await admin_api.managers.create(actor=actor(superadmin), username=data.username,
                                              password=data.password, role=data.role)
    return manager_item(created)


@get("/managers/{manager_id:int}", summary="One manager (superadmin)")
async def get_manager(manager_id: FromPath[int], superadmin: Principal, admin_api: Api) -> ManagerItem:
    found = await admin_api.managers.get(manager_id=positive_id(manager_id))
    return manager_item(found)


@patch("/managers/{manager_id:int}", summary="Change role, password or disabled (superadmin)")
async def patch_manager(manager_id: FromPath[int], data: JSONBody[PatchManagerReq], superadmin: Principal,
                        admin_api: Api) -> ManagerItem:
    changed = await admin_api.managers.update(
        actor=actor(superadmin), manager_id=positive_id(manager_id),
        patch=ManagerPatch(version=data.version, role=data.role, password=data.password,
                           disabled=data.disabled))
    return manager_item(changed)


@delete("/managers/{manager_id:int}", status_code=200, summary="Delete a manager (superadmin)")
async def delete_manager(manager_id: FromPath[int], superadmin: Principal, admin_api: Api,
                         version: FromQuery[int | None] = None) -> Empty:
    await admin_api.managers.delete(actor=actor(superadmin), manager_id=positive_id(manager_id),
                                    version=version)
    return Empty()


@get("/audit-log", summary="Audit log, newest first (any admin role)")
async def audit_log(*, manager: Principal, admin_api: Api, page: Page = None,
                    page_size: PageSize = None, resource: FromQuery[str | None] = None,
                    actor_id: Annotated[int | None, QueryParameter(name="actorId")] = None,
                    action: FromQuery[str | None] = None,
                    since: Annotated[int | None, QueryParameter(name="from")] = None,
                    until: Annotated[int | None, QueryParameter(name="to")] = None,
                    ) -> AuditList:
    where = AuditFilter(resource=resource or None, action=action or None,
                        actor_id=non_negative(actor_id, "actorId"),
                        since=non_negative(since, "from"), until=non_negative(until, "to"))
    total, found = await admin_api.audit.search(where=where, page=page_request(page, page_size))
    return AuditList(total=total, items=[audit_item(r) for r in found])


def build_router(api: AdminApi, *, reader: Provide, superadmin: Provide) -> Router:
    """`reader` / `superadmin` come from `yys.kit.http.admin.admin_guards`."""

    def provide_api() -> AdminApi:
        return api

    return Router(
        path="/admin/v1",
        route_handlers=[login, me, change_password, list_managers, create_manager, get_manager,
                        patch_manager, delete_manager, audit_log],
        dependencies={
            "admin_api": Provide(provide_api, sync_to_thread=False),
            "manager": reader,
            "superadmin": superadmin,
        },
        tags=["admin"],
    )
