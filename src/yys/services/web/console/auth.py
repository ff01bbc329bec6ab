"""Console login and logout. The admin token goes into the console's own cookie (session.py)."""

from __future__ import annotations

from litestar import Response, get, post

from yys.kit.http.clientaddr import client_address
from yys.services.web.api_client import ApiError
from yys.services.web.console.backoffice import Backoffice
from yys.services.web.console.forms import Msg
from yys.services.web.console.session import (
    BASE,
    AnyRequest,
    clear_console_cookie,
    redirect,
    render,
    set_console_cookie,
)
from yys.services.web.context import WebDep
from yys.services.web.security import safe_next


def _next(raw: str | None) -> str:
    target = safe_next(raw, BASE)
    # Only back into the console: the login form must not bounce an operator anywhere else.
    return target if target == BASE or target.startswith(BASE + "/") or \
        target.startswith(BASE + "?") else BASE


async def form_of(request: AnyRequest) -> dict[str, str]:
    form = await request.form()
    return {str(k): str(v) for k, v in form.items()}


@get("/login", sync_to_thread=False)
def login_page(request: AnyRequest, web: WebDep) -> Response[str]:
    return render(request, web, "console/login.html",
                  {"next": _next(request.query_params.get("next")), "username": ""}, me=None)


@post("/login")
async def login(request: AnyRequest, web: WebDep) -> Response[str]:
    form = await form_of(request)
    username, target = form.get("username", "").strip(), _next(form.get("next"))
    try:
        token = await Backoffice.login(web.api, username=username, password=form.get("password", ""),
                                       client=client_address(request))
    except ApiError as exc:
        # The API's one message for every credential failure (or its rate-limit message).
        status = exc.status if exc.status in (400, 401, 429) else 503
        return render(request, web, "console/login.html",
                      {"next": target, "username": username, "error": Msg(text=exc.msg)},
                      me=None, status=200 if request.headers.get("hx-request") else status)
    response = redirect(request, target)
    set_console_cookie(response, token.access_token, token.access_expire,
                       secure=web.settings.cookie_secure)
    return response


@post("/logout", sync_to_thread=False)
def logout(request: AnyRequest) -> Response[str]:
    # Admin tokens are stateless JWTs: logging out forgets this browser's copy.
    response = redirect(request, f"{BASE}/login?ok=out")
    clear_console_cookie(response)
    return response


routes = [login_page, login, logout]
