"""HTTP routes of usercenter (`/usercenter/v1`): thin adapters around `UsercenterService`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody

from yys.kit.auth.tokens import IssuedToken, TokenService
from yys.kit.http.auth import provide_user_id
from yys.kit.http.clientaddr import client_address
from yys.services.usercenter.directory import UserDirectory
from yys.services.usercenter.service import UsercenterService


class RegisterReq(msgspec.Struct, rename="camel"):
    mobile: str
    password: str


class LoginReq(msgspec.Struct, rename="camel"):
    mobile: str
    password: str


class WxMiniAuthReq(msgspec.Struct, rename="camel"):
    code: str
    iv: str
    encrypted_data: str


class TokenResp(msgspec.Struct, rename="camel"):
    access_token: str
    access_expire: int
    refresh_after: int


class UserInfo(msgspec.Struct, rename="camel"):
    id: int
    mobile: str
    nickname: str
    sex: int
    avatar: str
    info: str


class DetailResp(msgspec.Struct, rename="camel"):
    user_info: UserInfo


@dataclass(frozen=True)
class UsercenterApi:
    service: UsercenterService
    directory: UserDirectory
    tokens: TokenService


# Typed dependency aliases keep the handlers readable.
Api: TypeAlias = NamedDependency[UsercenterApi]
UserId: TypeAlias = NamedDependency[int]  # the caller, from the bearer token (see build_router)
AnyRequest: TypeAlias = Request[Any, Any, Any]


def _token(issued: IssuedToken) -> TokenResp:
    return TokenResp(access_token=issued.access_token, access_expire=issued.access_expire,
                     refresh_after=issued.refresh_after)


@post("/user/register", status_code=200, summary="Register by mobile and password")
async def register(data: JSONBody[RegisterReq], request: AnyRequest, uc: Api) -> TokenResp:
    async with uc.directory.writing() as repo:
        issued = await uc.service.register(repo=repo, mobile=data.mobile, password=data.password,
                                           client=client_address(request))
    return _token(issued)


@post("/user/login", status_code=200, summary="Log in by mobile and password")
async def login(data: JSONBody[LoginReq], request: AnyRequest, uc: Api) -> TokenResp:
    async with uc.directory.reading() as repo:
        issued = await uc.service.login(repo=repo, mobile=data.mobile, password=data.password,
                                        client=client_address(request))
    return _token(issued)


@post("/user/detail", status_code=200, summary="The caller's account")
async def detail(user_id: UserId, uc: Api) -> DetailResp:
    async with uc.directory.reading() as repo:
        user = await uc.service.detail(repo=repo, user_id=user_id)
    return DetailResp(user_info=UserInfo(id=user.id, mobile=user.mobile, nickname=user.nickname,
                                         sex=user.sex, avatar=user.avatar, info=user.info))


@post("/user/wxMiniAuth", status_code=200, summary="Log in with a WeChat mini-program code")
async def wx_mini_auth(data: JSONBody[WxMiniAuthReq], request: AnyRequest, uc: Api) -> TokenResp:
    identity = await uc.service.wx_identify(code=data.code, iv=data.iv,
                                            encrypted_data=data.encrypted_data,
                                            client=client_address(request))
    async with uc.directory.writing() as repo:
        issued = await uc.service.wx_login(repo=repo, identity=identity)
    return _token(issued)


@get("/.well-known/jwks.json", summary="Public keys that verify user tokens")
async def jwks(uc: Api) -> Response[dict[str, Any]]:
    # Istio's RequestAuthentication and other verifiers poll this; let them cache it briefly.
    return Response(uc.tokens.jwks(), headers={"Cache-Control": "public, max-age=300"})


def build_router(api: UsercenterApi) -> Router:
    def provide_api() -> UsercenterApi:
        return api

    return Router(
        path="/usercenter/v1",
        route_handlers=[register, login, detail, wx_mini_auth, jwks],
        dependencies={
            "uc": Provide(provide_api, sync_to_thread=False),
            "user_id": provide_user_id(api.tokens, check=api.directory.check_claims),
        },
        tags=["usercenter"],
    )
