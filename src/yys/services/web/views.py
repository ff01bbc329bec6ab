"""HTML rendering: one Jinja2 environment, and what every page gets (`t`, `lang`, the user).

Pages render themselves into a `Response` here rather than through the app's template config,
so the web service stays one mountable router whatever else the process hosts.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import MediaType, Request, Response

from yys.services.web.i18n import LANG_COOKIE, Translate, negotiate, translator
from yys.services.web.security import TOKEN_COOKIE

TEMPLATES = Path(__file__).parent / "templates"
AnyRequest = Request[Any, Any, Any]


def _date(ts: int | float | None) -> str:
    """A unix time as the UTC calendar date (the API bills stays by UTC days)."""
    if not ts:
        return ""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def _datetime(ts: int | float | None) -> str:
    if not ts:
        return ""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _yuan(value: float | int | None) -> str:
    return f"{(value or 0):,.2f}".rstrip("0").rstrip(".") if value else "0"


def _images(banner: str | None) -> list[str]:
    return [u.strip() for u in (banner or "").split(",") if u.strip()]


def build_environment(directory: Path = TEMPLATES) -> Environment:
    env = Environment(loader=FileSystemLoader(directory), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      auto_reload=False)
    env.filters.update(date=_date, datetime=_datetime, yuan=_yuan, images=_images)
    return env


def language(request: AnyRequest) -> str:
    return negotiate(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


class Views:
    """`render(request, "store/home.html", {...})` → an HTML response in the request's language."""

    def __init__(self, env: Environment | None = None) -> None:
        self.env = env or build_environment()

    def translate(self, request: AnyRequest) -> Translate:
        return translator(language(request))

    def html(self, request: AnyRequest, template: str, context: Mapping[str, Any] | None = None
             ) -> str:
        lang = language(request)
        page = {
            "request": request,
            "lang": lang,
            "t": translator(lang),
            "logged_in": bool(request.cookies.get(TOKEN_COOKIE)),
            "path": request.url.path,
            "now": int(time.time()),
            **(context or {}),
        }
        return self.env.get_template(template).render(page)

    def render(self, request: AnyRequest, template: str, context: Mapping[str, Any] | None = None,
               *, status: int = 200, headers: Mapping[str, str] | None = None) -> Response[str]:
        return Response(self.html(request, template, context), status_code=status,
                        media_type=MediaType.HTML, headers=dict(headers or {}))
