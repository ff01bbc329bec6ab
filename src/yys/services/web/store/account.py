"""Register, log in, log out, and the language switch."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post

from yys.kit.http.clientaddr import client_address
from yys.services.web.api_client import ApiError
from yys.services.web.api_messages import explain
from yys.services.web.context import Web, WebDep
from yys.services.web.i18n import LANG_COOKIE, LANGUAGES
from yys.services.web.security import clear_token_cookie, safe_next, set_token_cookie
from yys.services.web.store.forms import read_form
from yys.services.web.store.gateway import StoreApi

AnyRequest = Request[Any, Any, Any]
ONE_YEAR = 365 * 24 * 3600


def _redirect(target: str) -> Response[str]:
    return Response("", status_code=303, headers={"Location": target})


def _form_page(request: AnyRequest, web: Web, mode: str, *, mobile: str = "", next_path: str = "/",
               error: str | None = None, status: int = 200) -> Response[str]:
    return web.views.render(request, "store/auth.html", {
        "mode": mode, "mobile": mobile, "next": next_path, "error": error}, status=status)


@get("/login", name="store-login-form")
async def login_form(request: AnyRequest, web: WebDep) -> Response[str]:
    return _form_page(request, web, "login", next_path=safe_next(request.query_params.get("next")))


@get("/register", name="store-register-form")
async def register_form(request: AnyRequest, web: WebDep) -> Response[str]:
    return _form_page(request, web, "register",
                      next_path=safe_next(request.query_params.get("next")))


async def _authenticate(request: AnyRequest, web: Web, mode: str) -> Response[str]:
    form = await read_form(request)
    mobile, password = form.get("mobile", "").strip(), form.get("password", "")
    next_path = safe_next(form.get("next"))
    api = StoreApi(web.api)
    try:
        client = client_address(request)
        token = await (api.login(mobile, password, client=client) if mode == "login"
                       else api.register(mobile, password, client=client))
    except ApiError as exc:
        if exc.status >= 500:
            raise
        # Wrong password, taken mobile, bad format, rate limit: shown on the form itself.
        return _form_page(request, web, mode, mobile=mobile, next_path=next_path,
                          error=explain(exc, web.views.translate(request)), status=exc.status)
    response = _redirect(next_path)
    set_token_cookie(response, token.access_token, token.access_expire, secure=web.settings.cookie_secure)
    return response


@post("/login", name="store-login", status_code=303)
async def login(request: AnyRequest, web: WebDep) -> Response[str]:
    return await _authenticate(request, web, "login")


@post("/register", name="store-register", status_code=303)
async def register(request: AnyRequest, web: WebDep) -> Response[str]:
    return await _authenticate(request, web, "register")


@post("/logout", name="store-logout", status_code=303)
async def logout() -> Response[str]:
    response = _redirect("/")
    clear_token_cookie(response)
    return response


@post("/lang", name="store-lang", status_code=303)
async def switch_language(request: AnyRequest, web: WebDep) -> Response[str]:
    form = await read_form(request)
    lang = form.get("lang", "")
    response = _redirect(safe_next(form.get("next")))
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=ONE_YEAR, path="/", samesite="lax",
                            secure=web.settings.cookie_secure)
    return response
