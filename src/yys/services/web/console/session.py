"""The operator's session: the admin token in its own cookie, the calling manager, page rendering.

The admin token lives in `yys_console`, HttpOnly and SameSite=Strict, scoped to `/console`: the
storefront never sees it, the guest's `yys_token` is never sent to the API as an admin, and other
sites cannot make a browser send it. Each page asks the API who the token belongs to (`/me`), so a
disabled manager or a changed role shows at once; the API still decides every call.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias
from urllib.parse import quote, urlsplit

from litestar import MediaType, Request, Response
from litestar.di import NamedDependency

from yys.services.web.api_client import ApiError
from yys.services.web.console.backoffice import Backoffice, Me
from yys.services.web.context import Web, WebDep
from yys.services.web.views import language

CONSOLE_COOKIE = "yys_console"
# Request state that lets the console's error handler render a whole page (with the navigation
# when the manager is known).
WEB_STATE = "console_web"
ME_STATE = "console_me"
BASE = "/console"
AnyRequest = Request[Any, Any, Any]

# `?ok=` after a redirect → the message shown on the next page (PRG without a session store).
NOTICES = {"saved": "console.saved", "created": "console.created", "deleted": "console.deleted",
           "done": "console.done", "checked-in": "console.orders.checkedIn",
           "refunded": "console.orders.refunded", "cancelled": "console.orders.cancelled",
           "out": "console.login.out", "expired": "console.login.expired"}


class LoginRequired(Exception):
    """No admin token, or the API no longer accepts it (`expired`): back to the console login."""

    def __init__(self, *, expired: bool = False) -> None:
        super().__init__("login required")
        self.expired = expired


class PageNotFound(Exception):
    """A console URL that names nothing (a malformed id): the console's not-found page."""


@dataclass(frozen=True)
class Console:
    """What a console page handler works with."""

    web: Web
    office: Backoffice
    me: Me


# Handler parameter type: `async def page(request, console: ConsoleDep)`.
ConsoleDep: TypeAlias = NamedDependency[Console]


def is_htmx(request: AnyRequest) -> bool:
    return request.headers.get("hx-request") == "true"


async def provide_console(request: AnyRequest, web: WebDep) -> Console:
    """The `console` dependency: the logged-in manager, or LoginRequired."""
    request.state[WEB_STATE] = web
    token = request.cookies.get(CONSOLE_COOKIE)
    if not token:
        raise LoginRequired()
    office = Backoffice(web.api, token)
    try:
        me = await office.me()
    except ApiError as exc:
        if exc.status == 401:
            raise LoginRequired(expired=True) from exc
        raise
    request.state[ME_STATE] = me
    return Console(web=web, office=office, me=me)


def set_console_cookie(response: Response[Any], token: str, expires_at: int, *, secure: bool) -> None:
    response.set_cookie(CONSOLE_COOKIE, token, max_age=max(0, expires_at - int(time.time())),
                        path=BASE, httponly=True, samesite="strict", secure=secure)


def clear_console_cookie(response: Response[Any]) -> None:
    response.delete_cookie(CONSOLE_COOKIE, path=BASE)


def redirect(request: AnyRequest, target: str) -> Response[str]:
    """See other: a 303 for a plain form post, `HX-Redirect` for htmx (it would swap a 303's page)."""
    if is_htmx(request):
        return Response("", status_code=200, media_type=MediaType.HTML,
                        headers={"HX-Redirect": target})
    return Response("", status_code=303, media_type=MediaType.HTML, headers={"Location": target})


def _back_to(request: AnyRequest) -> str:
    """Where to return after logging in: this page; for a form post, the page the form was on
    (a post's URL answers GET with nothing useful, and re-doing the post silently is wrong)."""
    if request.method == "GET":
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.path == BASE or referer.path.startswith(BASE + "/"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return BASE


def to_login(request: AnyRequest, *, expired: bool) -> Response[str]:
    here = _back_to(request)
    target = f"{BASE}/login?next={quote(here, safe='')}" + ("&ok=expired" if expired else "")
    response = redirect(request, target)
    clear_console_cookie(response)
    return response


def render(request: AnyRequest, web: Web, template: str, context: Mapping[str, Any], *,
           me: Me | None, status: int = 200) -> Response[str]:
    """A console page: the layout gets the manager, the section and the `?ok=` notice."""
    notice = NOTICES.get(request.query_params.get("ok", ""))
    page = {"me": me, "notice": notice, "base": BASE, "errors": {}, "error": None,
            "section": "", "lang_now": language(request), **context}
    return web.views.render(request, template, page, status=status,
                            headers={"Cache-Control": "no-store"})


def fragment(text: str, *, status: int = 200) -> Response[str]:
    return Response(text, status_code=status, media_type=MediaType.HTML,
                    headers={"Cache-Control": "no-store"})
