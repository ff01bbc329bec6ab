"""Failures of a page become a page (or, for an htmx fragment, an inline message), never JSON.

An API error that is the user's to fix is shown where it happened by the handler itself; what
reaches these handlers is what the page could not handle: 404 → the not-found page, an expired
session → back to the login form, anything else → the error page with the API's safe message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException
from markupsafe import escape

from yys.services.web.api_client import ApiError
from yys.services.web.api_messages import explain
from yys.services.web.i18n import Translate, translator
from yys.services.web.security import clear_token_cookie
from yys.services.web.views import Views, language

log = structlog.get_logger("yys.web")
AnyRequest = Request[Any, Any, Any]


def is_htmx(request: AnyRequest) -> bool:
    return request.headers.get("hx-request") == "true"


def login_redirect(request: AnyRequest, login_path: str = "/login") -> Response[str]:
    """Back to the login form, then to this page (htmx follows `HX-Redirect`, not a 303)."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = f"{login_path}?next={quote(here, safe='')}"
    response: Response[str]
    if is_htmx(request):
        response = Response("", status_code=200, headers={"HX-Redirect": target})
    else:
        response = Response("", status_code=303, headers={"Location": target})
    clear_token_cookie(response)
    return response


def error_handlers(views: Views) -> dict[Any, Any]:
    def page(request: AnyRequest, status: int, title: str, text: str) -> Response[str]:
        if is_htmx(request):
            # A fragment swap must not drop a whole page into the target: an inline message.
            return Response(f'<p class="error" role="alert">{_escape(text)}</p>', status_code=200,
                            media_type=MediaType.HTML, headers={"HX-Reswap": "innerHTML"})
        return views.render(request, "error.html", {"status": status, "title": title,
                                                    "text": text}, status=status)

    def api_error(request: AnyRequest, exc: ApiError) -> Response[str]:
        if exc.status == 401:
            return login_redirect(request)
        t = _t(request)
        if exc.status == 404:
            return page(request, 404, t("error.not_found"), t("error.not_found.text"))
        if exc.status >= 500:
            log.warning("api call failed", status=exc.status, code=exc.code, msg=exc.msg)
            return page(request, exc.status, t("error.server"), explain(exc, t))
        return page(request, exc.status, t("error.title"), explain(exc, t))

    def not_found(request: AnyRequest, _: NotFoundException) -> Response[str]:
        t = _t(request)
        return page(request, 404, t("error.not_found"), t("error.not_found.text"))

    def forbidden(request: AnyRequest, exc: PermissionDeniedException) -> Response[str]:
        t = _t(request)
        return page(request, 403, t("error.forbidden"), str(exc.detail or t("error.forbidden")))

    def http_error(request: AnyRequest, exc: HTTPException) -> Response[str]:
        t = _t(request)
        if exc.status_code >= 500:
            log.error("page failed", status=exc.status_code, detail=exc.detail)
            return page(request, exc.status_code, t("error.server"), t("error.server.text"))
        return page(request, exc.status_code, t("error.title"), str(exc.detail or ""))

    def unexpected(request: AnyRequest, exc: Exception) -> Response[str]:
        log.exception("page failed", exc_info=exc)
        t = _t(request)
        return page(request, 500, t("error.server"), t("error.server.text"))

    return {ApiError: api_error, NotFoundException: not_found, PermissionDeniedException: forbidden,
            HTTPException: http_error, Exception: unexpected}


def not_found_page(views: Views, headers: Mapping[str, str]) -> Callable[[AnyRequest], Response[str]]:
    """The page for a path no route matches (mounted by the runtime for browsers, see
    `HostedService.not_found_page`), with the pages' own security headers."""

    def page(request: AnyRequest) -> Response[str]:
        t = _t(request)
        return views.render(request, "error.html", {
            "status": 404, "title": t("error.not_found"), "text": t("error.not_found.text")},
            status=404, headers=headers)

    return page


def _t(request: AnyRequest) -> Translate:
    return translator(language(request))


def _escape(text: str) -> str:
    return str(escape(text))
