"""Users: a filtered table with disable / enable, swapped in place row by row under htmx."""

from __future__ import annotations

from litestar import Response, get, post
from litestar.params import FromPath

from yys.services.web.api_client import ApiError
from yys.services.web.console.display import PAGE_SIZE, api_message, page_number, pager
from yys.services.web.console.forms import Msg
from yys.services.web.console.session import BASE, AnyRequest, ConsoleDep, is_htmx, redirect, render

FILTERS = ("mobile", "nickname", "disabled")


@get("/users")
async def users(request: AnyRequest, console: ConsoleDep) -> Response[str]:
    filters = {name: request.query_params.get(name, "").strip() for name in FILTERS}
    page = page_number(request.query_params.get("page"))
    error: Msg | None = None
    try:
        found = await console.office.page("users", {**filters, "page": page, "pageSize": PAGE_SIZE})
        total, items = found.total, found.items
    except ApiError as exc:
        if exc.status != 400:
            raise
        error, total, items = api_message(exc), 0, []
    return render(request, console.web, "console/users.html", {
        "filters": filters, "users": items, "error": error, "section": "users",
        "pager": pager(f"{BASE}/users", filters, page=page, total=total)}, me=console.me)


@post("/users/{user_id:int}/{change:str}")
async def set_disabled(request: AnyRequest, console: ConsoleDep,
                       user_id: FromPath[int], change: FromPath[str]) -> Response[str]:
    if change not in ("disable", "enable"):
        return redirect(request, f"{BASE}/users")
    error: Msg | None = None
    try:
        user = await console.office.post(f"users/{user_id}/{change}")
    except ApiError as exc:
        if exc.status in (401, 404):
            raise
        error = api_message(exc)
        user = await console.office.get(f"users/{user_id}")
    if is_htmx(request):
        # Only the row changes: the table, its filters and its page stay as they are.
        return render(request, console.web, "console/_user_row.html",
                      {"user": user, "row_error": error}, me=console.me)
    if error is not None:
        return render(request, console.web, "console/users.html", {
            "filters": dict.fromkeys(FILTERS, ""), "users": [user], "error": error,
            "section": "users", "pager": pager(f"{BASE}/users", {}, page=1, total=1)},
            me=console.me, status=403 if error.key == "console.err.forbidden" else 409)
    return redirect(request, f"{BASE}/users?ok=saved")


routes = [users, set_disabled]
