"""The admin console at `/console`: server-rendered pages over the admin API (`/admin/v1`).

`console_routes` is mounted by the web wiring; `MESSAGES` is merged into the web i18n catalog.
"""

from __future__ import annotations

from typing import Any

from litestar import Response, Router
from litestar.di import Provide
from markupsafe import escape

from yys.services.web.api_client import ApiError
from yys.services.web.console import (
    auth,
    catalogue,
    dashboard,
    fallback,
    managers,
    orders,
    records,
    users,
)
from yys.services.web.console.backoffice import Me
from yys.services.web.console.display import api_message
from yys.services.web.console.messages import MESSAGES
from yys.services.web.console.session import (
    BASE,
    ME_STATE,
    WEB_STATE,
    AnyRequest,
    LoginRequired,
    PageNotFound,
    fragment,
    is_htmx,
    provide_console,
    render,
    to_login,
)
from yys.services.web.context import Web
from yys.services.web.i18n import translator
from yys.services.web.views import language

__all__ = ["MESSAGES", "console_routes"]


def _page_not_found(request: AnyRequest, _: PageNotFound) -> Response[str]:
    web = request.state.get(WEB_STATE)
    if not isinstance(web, Web):
        return fragment("<!doctype html><title>404</title><p role=alert>not found</p>", status=404)
    return fallback.not_found_page(request, web)


def _login_required(request: AnyRequest, exc: LoginRequired) -> Response[str]:
    return to_login(request, expired=exc.expired)


def _api_error(request: AnyRequest, exc: ApiError) -> Response[str]:
    """What a page handler let through: 401 → login again; else the message in the console."""
    if exc.status == 401:
        return to_login(request, expired=True)
    message = api_message(exc)
    status = exc.status if 400 <= exc.status < 600 else 502
    t = translator(language(request))
    text = t(message.key, msg=message.text) if message.key else message.text
    if is_htmx(request):
        # Whatever the element asked to swap, the message goes to the top of the page's main.
        response = fragment(f'<p class="error" role="alert">{escape(text)}</p>')
        response.headers.update({"HX-Retarget": "#main", "HX-Reswap": "afterbegin",
                                 "HX-Reselect": "p.error"})
        return response
    web = request.state.get(WEB_STATE)
    if not isinstance(web, Web):  # failed before the console dependency ran: a bare page
        return fragment(f"<!doctype html><title>{status}</title><p role=alert>{escape(text)}</p>",
                        status=status)
    me = request.state.get(ME_STATE)
    return render(request, web, "console/error.html", {"error": message, "status": status},
                  me=me if isinstance(me, Me) else None, status=status)


console_routes: list[Any] = [
    Router(
        path=BASE,
        route_handlers=[*auth.routes, *dashboard.routes, *catalogue.routes, *orders.routes,
                        *users.routes, *records.routes, *managers.routes, *fallback.routes],
        dependencies={"console": Provide(provide_console)},
        exception_handlers={LoginRequired: _login_required, ApiError: _api_error,
                            PageNotFound: _page_not_found},
    )
]
