"""Catalogue pages (homestays, businesses, activities, comments): a filtered, paged table, and
create / edit / delete forms whose API errors are shown next to the field they name.

One set of handlers per resource, generated from its description in `resources.py`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Response, get, post
from litestar.params import FromPath

from yys.services.web.api_client import ApiError
from yys.services.web.console import fallback
from yys.services.web.console.auth import form_of
from yys.services.web.console.backoffice import Record
from yys.services.web.console.display import PAGE_SIZE, api_message, cell, page_number, pager
from yys.services.web.console.forms import Msg, Parsed, form_values, parse, place_error
from yys.services.web.console.resources import CATALOGUE, Resource
from yys.services.web.console.session import BASE, AnyRequest, Console, ConsoleDep, is_htmx, redirect, render
from yys.services.web.i18n import translator
from yys.services.web.views import language


def _filters(resource: Resource, request: AnyRequest) -> dict[str, str]:
    return {f.name: request.query_params.get(f.name, "").strip() for f in resource.filters}


def _form_page(request: AnyRequest, console: Console, resource: Resource, *,
               record: Record | None, values: dict[str, str], errors: dict[str, Msg] | None = None,
               error: Msg | None = None, status: int = 200) -> Response[str]:
    creating = record is None
    if (errors or error) and is_htmx(request):
        status = 200  # htmx swaps only 2xx answers; the errors are in the page either way
    return render(request, console.web, "console/form.html", {
        "resource": resource, "record": record, "creating": creating, "values": values,
        "errors": errors or {}, "error": error, "section": resource.slug,
        "fields": resource.fields, "locked": {f.name for f in resource.fields
                                              if f.create_only and not creating},
    }, me=console.me, status=status)


def _failed(request: AnyRequest, console: Console, resource: Resource, *, record: Record | None,
            values: dict[str, str], exc: ApiError) -> Response[str]:
    """An API refusal of a write, shown in the form: next to the named fields when it is a
    validation error, above the form otherwise (403 for a read-only role, 409 for a stale edit)."""
    if exc.status == 400:
        names = [f.name for f in resource.editable(creating=record is None)]
        errors, general = place_error(exc.msg, names)
        return _form_page(request, console, resource, record=record, values=values, errors=errors,
                          error=general, status=422)
    return _form_page(request, console, resource, record=record, values=values,
                      error=api_message(exc), status=exc.status if exc.status < 500 else 503)


def _sort_links(resource: Resource, filters: dict[str, str], sort: str) -> dict[str, str]:
    """Per sortable column, the list URL sorted by it: ascending first, then flipped."""
    kept = {k: v for k, v in filters.items() if v and k != "sort"}
    links = {}
    for name in resource.sorts:
        target = f"-{name}" if sort == name else name
        links[name] = f"{BASE}/{resource.slug}?{urlencode({**kept, 'sort': target})}"
    return links


def _resource_routes(resource: Resource) -> list[Any]:
    path = f"/{resource.slug}"

    @get(path)
    async def listing(request: AnyRequest, console: ConsoleDep) -> Response[str]:
        filters = _filters(resource, request)
        sort = resource.sort_of(request.query_params.get("sort"))
        if sort:  # kept by the pager and the filter form like a filter
            filters["sort"] = sort
        page = page_number(request.query_params.get("page"))
        error: Msg | None = None
        try:
            found = await console.office.page(resource.slug,
                                              {**filters, "page": page, "pageSize": PAGE_SIZE})
            total, items = found.total, found.items
        except ApiError as exc:
            if exc.status != 400:
                raise
            error, total, items = api_message(exc), 0, []
        t = translator(language(request))
        columns = [resource.field(name) for name in resource.columns]
        rows = [{"id": item["id"], "cells": [cell(f, item.get(f.name), t) for f in columns]}
                for item in items]
        return render(request, console.web, "console/list.html", {
            "resource": resource, "filters": filters, "columns": columns, "rows": rows,
            "sort": sort, "sort_links": _sort_links(resource, filters, sort),
            "pager": pager(f"{BASE}{path}", filters, page=page, total=total), "error": error,
            "section": resource.slug}, me=console.me)

    @get(f"{path}/new")
    async def new(request: AnyRequest, console: ConsoleDep) -> Response[str]:
        return _form_page(request, console, resource, record=None,
                          values=form_values(resource.fields, None))

    @post(f"{path}/new")
    async def create(request: AnyRequest, console: ConsoleDep) -> Response[str]:
        form = await form_of(request)
        parsed = parse(resource.editable(creating=True), form, creating=True)
        if parsed.errors:
            return _form_page(request, console, resource, record=None, values=form,
                              errors=parsed.errors, status=422)
        try:
            await console.office.post(resource.slug, parsed.body)
        except ApiError as exc:
            return _failed(request, console, resource, record=None, values=form, exc=exc)
        return redirect(request, f"{BASE}{path}?ok=created")

    return [listing, new, create, *_record_routes(resource)]


def _record_routes(resource: Resource) -> list[Any]:
    """Edit and delete of one record (`raw_id`: a console 404 page unless it is an id)."""
    path = f"/{resource.slug}"
    one = f"{path}/{{raw_id:str}}"

    @get(one)
    async def edit(request: AnyRequest, console: ConsoleDep, raw_id: FromPath[str]) -> Response[str]:
        record_id = fallback.record_id(raw_id)
        record = await console.office.get(f"{resource.slug}/{record_id}")
        return _form_page(request, console, resource, record=record,
                          values=form_values(resource.fields, record))

    @post(one)
    async def update(request: AnyRequest, console: ConsoleDep, raw_id: FromPath[str]) -> Response[str]:
        record_id = fallback.record_id(raw_id)
        form = await form_of(request)
        record = await console.office.get(f"{resource.slug}/{record_id}")
        # Locked fields show the stored value; the rest what was typed.
        values = {**form_values(resource.fields, record), **form}
        parsed: Parsed = parse(resource.editable(creating=False), form, creating=False)
        version = form.get("version", "")
        if not version.isdigit():
            parsed.errors.setdefault("version", Msg(key="console.err.int"))
        if parsed.errors:
            return _form_page(request, console, resource, record=record, values=values,
                              errors=parsed.errors, status=422)
        try:
            await console.office.patch(f"{resource.slug}/{record_id}",
                                       {**parsed.body, "version": int(version)})
        except ApiError as exc:
            return _failed(request, console, resource, record=record, values=values, exc=exc)
        return redirect(request, f"{BASE}{path}?ok=saved")

    @get(f"{one}/delete")
    async def confirm_delete(request: AnyRequest, console: ConsoleDep,
                             raw_id: FromPath[str]) -> Response[str]:
        record_id = fallback.record_id(raw_id)
        record = await console.office.get(f"{resource.slug}/{record_id}")
        return render(request, console.web, "console/delete.html",
                      {"resource": resource, "record": record, "section": resource.slug},
                      me=console.me)

    @post(f"{one}/delete")
    async def remove(request: AnyRequest, console: ConsoleDep, raw_id: FromPath[str]) -> Response[str]:
        record_id = fallback.record_id(raw_id)
        form = await form_of(request)
        version = form.get("version", "")
        try:
            await console.office.delete(f"{resource.slug}/{record_id}",
                                        version=int(version) if version.isdigit() else None)
        except ApiError as exc:
            if exc.status in (401, 404):
                raise
            record = await console.office.get(f"{resource.slug}/{record_id}")
            return render(request, console.web, "console/delete.html",
                          {"resource": resource, "record": record, "section": resource.slug,
                           "error": api_message(exc)}, me=console.me,
                          status=200 if is_htmx(request) else exc.status)
        return redirect(request, f"{BASE}{path}?ok=deleted")

    return [edit, update, confirm_delete, remove]


routes = [handler for resource in CATALOGUE.values() for handler in _resource_routes(resource)]
