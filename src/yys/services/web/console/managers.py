"""Managers (superadmin only): list, create, change role / enable / disable, delete.

Other roles get the API's 403 as a message on the page, not a blank or an error page."""

from __future__ import annotations

from litestar import Response, get, post
from litestar.params import FromPath

from yys.services.web.api_client import ApiError
from yys.services.web.console.auth import form_of
from yys.services.web.console.backoffice import Page
from yys.services.web.console.display import PAGE_SIZE, api_message, page_number, pager
from yys.services.web.console.forms import Msg, place_error
from yys.services.web.console.session import BASE, AnyRequest, Console, ConsoleDep, is_htmx, redirect, render

ROLES = ("superadmin", "operator", "viewer")
FIELDS = ("username", "password", "role")


async def _page(request: AnyRequest, console: Console, *, values: dict[str, str] | None = None,
                errors: dict[str, Msg] | None = None, error: Msg | None = None,
                status: int = 200) -> Response[str]:
    page = page_number(request.query_params.get("page"))
    try:
        found = await console.office.page("managers", {"page": page, "pageSize": PAGE_SIZE})
    except ApiError as exc:
        if exc.status != 403:
            raise
        found, error = Page(total=0, items=[]), error or api_message(exc)
    return render(request, console.web, "console/managers.html", {
        "managers": found.items, "roles": ROLES, "section": "managers", "errors": errors or {},
        "error": error, "values": values or {"username": "", "password": "", "role": "operator"},
        "pager": pager(f"{BASE}/managers", {}, page=page, total=found.total)},
        me=console.me, status=200 if is_htmx(request) else status)


@get("/managers")
async def managers(request: AnyRequest, console: ConsoleDep) -> Response[str]:
    return await _page(request, console)


@post("/managers")
async def create_manager(request: AnyRequest, console: ConsoleDep) -> Response[str]:
    form = await form_of(request)
    values = {name: form.get(name, "").strip() for name in FIELDS}
    try:
        await console.office.post("managers", {**values, "password": form.get("password", "")})
    except ApiError as exc:
        if exc.status == 400:
            errors, general = place_error(exc.msg, FIELDS)
            return await _page(request, console, values={**values, "password": ""}, errors=errors,
                               error=general, status=422)
        if exc.status == 401:
            raise
        return await _page(request, console, values={**values, "password": ""},
                           error=api_message(exc), status=min(exc.status, 503))
    return redirect(request, f"{BASE}/managers?ok=created")


@post("/managers/{manager_id:int}")
async def change_manager(request: AnyRequest, console: ConsoleDep,
                         manager_id: FromPath[int]) -> Response[str]:
    """One change per post: `role`, or `disabled` (true/false); always with the `version`."""
    form = await form_of(request)
    body: dict[str, object] = {"version": int(form["version"]) if form.get("version", "").isdigit()
                               else -1}
    if form.get("role"):
        body["role"] = form["role"]
    if form.get("disabled") in ("true", "false"):
        body["disabled"] = form["disabled"] == "true"
    try:
        await console.office.patch(f"managers/{manager_id}", body)
    except ApiError as exc:
        if exc.status == 401:
            raise
        return await _page(request, console, error=api_message(exc), status=min(exc.status, 503))
    return redirect(request, f"{BASE}/managers?ok=saved")


@post("/managers/{manager_id:int}/delete")
async def delete_manager(request: AnyRequest, console: ConsoleDep,
                         manager_id: FromPath[int]) -> Response[str]:
    form = await form_of(request)
    version = form.get("version", "")
    try:
        await console.office.delete(f"managers/{manager_id}",
                                    version=int(version) if version.isdigit() else None)
    except ApiError as exc:
        if exc.status == 401:
            raise
        return await _page(request, console, error=api_message(exc), status=min(exc.status, 503))
    return redirect(request, f"{BASE}/managers?ok=deleted")


routes = [managers, create_manager, change_manager, delete_manager]
