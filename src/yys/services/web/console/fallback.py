"""Console URLs that name no page answer with console pages, never the API's JSON: unknown paths
get the not-found page, and a GET of a form's POST-only address (a reload, an old bookmark, the
return from a login) goes back to its section."""

from __future__ import annotations

from litestar import Response, get, route
from litestar.params import FromPath

from yys.services.web.console.forms import Msg
from yys.services.web.console.session import BASE, AnyRequest, PageNotFound, is_htmx, redirect, render
from yys.services.web.context import WebDep

POST_ONLY = ["/users/{user_id:int}/{change:str}", "/managers/{manager_id:int}",
             "/managers/{manager_id:int}/delete", "/settlements/run", "/logout"]


def not_found_page(request: AnyRequest, web: WebDep) -> Response[str]:
    message = Msg(key="console.err.notFound", text=request.url.path)
    return render(request, web, "console/error.html", {"error": message, "status": 404},
                  me=None, status=200 if is_htmx(request) else 404)


@route("/{rest:path}", http_method=["GET", "POST"])
async def unknown(request: AnyRequest, web: WebDep, rest: FromPath[str]) -> Response[str]:
    del rest  # the route exists only to answer for every unknown console path
    return not_found_page(request, web)


@get(POST_ONLY)
async def section(request: AnyRequest) -> Response[str]:
    first = request.url.path.removeprefix(BASE).strip("/").split("/")[0]
    return redirect(request, f"{BASE}/{first}" if first not in ("", "logout") else BASE)


def record_id(raw: str) -> int:
    """A record id from a path segment; anything else is the console's 404 page."""
    if not raw.isdigit() or not 0 < int(raw) < 2**63:
        raise PageNotFound()
    return int(raw)


routes = [unknown, section]
