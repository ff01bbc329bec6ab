"""Composition root of the web service: the page router, its API client and static files.

No database, no other service: `needs` stays empty, so a split `web` process starts with only
the address of the API (YYS_WEB_API_BASE_URL, or the public base URL / edge by default).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Router
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.di import Provide
from litestar.static_files import create_static_files_router

from yys.clients import Clients
from yys.kit.hosting import HostedService, Platform
from yys.services.web.api_client import ApiClient
from yys.services.web.context import Web
from yys.services.web.errors import error_handlers, not_found_page
from yys.services.web.security import csrf_guard
from yys.services.web.settings import WebSettings
from yys.services.web.store import store_routes
from yys.services.web.views import Views

NAME = "web"
STATIC = Path(__file__).parent / "static"

# Pages only load this site's own scripts and styles (htmx is vendored); photos may come from
# any HTTPS host because the catalogue stores image URLs.
_SECURITY_HEADERS = [
    ResponseHeader(name="Content-Security-Policy", value=(
        "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'self'")),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="same-origin"),
]


def _console_routes() -> list[Any]:
    from yys.services.web import console

    return list(getattr(console, "console_routes", []))


def build_router(web: Web) -> Router:
    def provide_web() -> Web:
        return web

    static = create_static_files_router(
        path="/static", directories=[STATIC], name="web-static", include_in_schema=False,
        cache_control=CacheControlHeader(public=True, max_age=3600))
    return Router(
        path="/",
        route_handlers=[*store_routes, *_console_routes(), static],
        dependencies={"web": Provide(provide_web, sync_to_thread=False)},
        guards=[csrf_guard],
        exception_handlers=error_handlers(web.views),
        response_headers=_SECURITY_HEADERS,
        include_in_schema=False,
    )


def build(platform: Platform, clients: Clients) -> HostedService:
    return build_with(platform, clients, WebSettings())


def build_with(platform: Platform, clients: Clients, settings: WebSettings) -> HostedService:
    del clients  # the web service talks to the platform over its public HTTP API only
    api = ApiClient(settings.api_base(platform.settings), timeout=settings.api_timeout_seconds,
                    max_connections=settings.api_max_connections)
    web = Web(api=api, views=Views(), settings=settings)
    page_headers = {h.name: h.value for h in _SECURITY_HEADERS if h.value is not None}
    return HostedService(name=NAME, route_handlers=[build_router(web)], on_shutdown=[api.close],
                         not_found_page=not_found_page(web.views, page_headers))
