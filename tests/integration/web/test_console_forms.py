"""Catalogue forms in the console: create, edit, delete, and the API's validation errors shown
next to the field they concern (plain posts and htmx)."""

from __future__ import annotations

import re

import pytest

from tests.integration.web.conftest import Site
from tests.integration.web.console_helpers import admin_token, console_login

pytestmark = pytest.mark.asyncio(loop_scope="module")
EN = {"Accept-Language": "en"}


def field_error(html: str, name: str) -> str:
    """The text of the error shown under one input ('' if none)."""
    match = re.search(rf'<p class="field-error" id="err-{name}">([^<]*)</p>', html)
    return match.group(1) if match else ""


def version_of(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match, html[:500]
    return match.group(1)


def form_of(html: str) -> dict[str, str]:
    """The values a browser would post from the record form as it is shown."""
    form = html.split('id="record-form"')[1].split("</form>", maxsplit=1)[0]
    values = {name: value for name, value in re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', form)}
    for name, body in re.findall(r'<select[^>]*name="(\w+)"[^>]*>(.*?)</select>', form, re.S):
        picked = re.search(r'<option value="([^"]*)" selected>', body)
        values[name] = picked.group(1) if picked else ""
    for name, text in re.findall(r'<textarea[^>]*name="(\w+)"[^>]*>(.*?)</textarea>', form, re.S):
        values[name] = text
    return values


async def api_homestay(site: Site, homestay_id: int) -> dict[str, object]:
    token = await admin_token(site)
    async with site.api() as api:
        r = await api.get(f"/admin/v1/homestays/{homestay_id}", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    body: dict[str, object] = r.json()
    return body


async def test_an_api_validation_error_is_shown_next_to_its_field(site: Site) -> None:
    async with console_login(site, **EN) as client:
        page = await client.get("/console/homestays/2")
        form = {**form_of(page.text), "peopleNum": "0", "title": "Still here"}
        resp = await client.post("/console/homestays/2", data=form)
    assert resp.status_code == 422
    assert "people_num must be between 1 and 100" in field_error(resp.text, "peopleNum")
    assert re.search(r'id="f-peopleNum"[^>]*aria-invalid="true"', resp.text)
    assert 'value="Still here"' in resp.text  # what was typed is kept
    assert (await api_homestay(site, 2))["title"] != "Still here"


async def test_empty_required_text_and_a_missing_number_come_back_from_the_api(site: Site) -> None:
    async with console_login(site, **EN) as client:
        blank = await client.get("/console/homestays/new")
        form = {**form_of(blank.text), "title": "", "homestayPrice": "10"}
        resp = await client.post("/console/homestays/new", data=form)
        assert resp.status_code == 422
        assert field_error(resp.text, "homestayBusinessId") == "This field is required"
        again = await client.post("/console/homestays/new", data={**form, "homestayBusinessId": "1"})
    assert again.status_code == 422
    assert field_error(again.text, "title") == "title must not be empty"
    assert field_error(again.text, "homestayBusinessId") == ""


async def test_what_cannot_be_converted_is_refused_before_the_api(site: Site) -> None:
    async with console_login(site, **EN) as client:
        page = await client.get("/console/homestays/3")
        form = {**form_of(page.text), "homestayPrice": "12.345", "peopleNum": "many"}
        resp = await client.post("/console/homestays/3", data=form)
    assert resp.status_code == 422
    assert "two decimals" in field_error(resp.text, "homestayPrice")
    assert field_error(resp.text, "peopleNum") == "Enter a whole number"


async def test_htmx_gets_the_form_back_with_200_so_it_is_swapped_in_place(site: Site) -> None:
    async with console_login(site, **EN) as client:
        page = await client.get("/console/homestays/2")
        form = {**form_of(page.text), "peopleNum": "101"}
        resp = await client.post("/console/homestays/2", data=form, headers={"HX-Request": "true"})
    assert resp.status_code == 200
    assert 'id="record-form"' in resp.text and field_error(resp.text, "peopleNum")


async def test_create_edit_and_delete_a_homestay(site: Site) -> None:
    async with console_login(site, **EN) as client:
        blank = await client.get("/console/homestays/new")
        form = {**form_of(blank.text), "title": "Console-made cabin", "homestayBusinessId": "1",
                "homestayPrice": "321.5", "peopleNum": "3", "rowState": "1", "rowType": "0"}
        created = await client.post("/console/homestays/new", data=form)
        assert created.status_code == 303 and created.headers["location"] == "/console/homestays?ok=created"
        listing = await client.get("/console/homestays?title=Console-made")
        assert "Created." not in listing.text  # the notice belongs to the redirect target only
        ids = re.findall(r'href="/console/homestays/(\d+)"', listing.text)
        assert len(ids) == 1 and "¥321.50" in listing.text
        record_id = ids[0]

        page = await client.get(f"/console/homestays/{record_id}")
        edit = {**form_of(page.text), "homestayPrice": "400"}
        saved = await client.post(f"/console/homestays/{record_id}", data=edit,
                                  headers={"HX-Request": "true"})
        assert saved.headers["hx-redirect"] == "/console/homestays?ok=saved"
        notice = await client.get(saved.headers["hx-redirect"])
        assert 'role="status">Saved.' in notice.text

        # the same (now stale) version again: the API's 409 as a message above the form
        stale = await client.post(f"/console/homestays/{record_id}", data={**edit, "title": "Late"})
        assert stale.status_code == 409 and "Someone else changed this record" in stale.text

        confirm = await client.get(f"/console/homestays/{record_id}/delete")
        assert "recorded in the audit log" in confirm.text
        gone = await client.post(f"/console/homestays/{record_id}/delete",
                                 data={"version": version_of(confirm.text)})
        assert gone.headers["location"] == "/console/homestays?ok=deleted"
        after = await client.get(f"/console/homestays/{record_id}")
    assert after.status_code == 404
    assert (await api_homestay(site, 1))["id"] == 1


async def test_the_edit_reaches_the_api_with_price_in_yuan(site: Site) -> None:
    async with console_login(site, **EN) as client:
        page = await client.get("/console/homestays/4")
        form = {**form_of(page.text), "homestayPrice": "88.80"}
        resp = await client.post("/console/homestays/4", data=form)
    assert resp.status_code == 303
    assert (await api_homestay(site, 4))["homestayPrice"] == 88.8


async def test_comment_edit_sends_only_what_moderation_may_change(site: Site) -> None:
    async with console_login(site, **EN) as client:
        listing = await client.get("/console/homestay-comments")
        comment_id = re.findall(r'href="/console/homestay-comments/(\d+)"', listing.text)[0]
        page = await client.get(f"/console/homestay-comments/{comment_id}")
        assert re.search(r'id="f-homestayId"[^>]*readonly', page.text)
        form = {**form_of(page.text), "content": "", "homestayId": "999"}
        resp = await client.post(f"/console/homestay-comments/{comment_id}", data=form)
    assert resp.status_code == 422
    assert "content" in field_error(resp.text, "content")


async def test_an_activity_for_the_other_type_can_be_created_and_listed(site: Site) -> None:
    async with console_login(site, **EN) as client:
        resp = await client.post("/console/homestay-activities/new",
                                 data={"rowType": "goodBusiness", "dataId": "2", "rowStatus": "1"})
        bad = await client.post("/console/homestay-activities/new",
                                data={"rowType": "nonsense", "dataId": "2", "rowStatus": "1"})
        listing = await client.get("/console/homestay-activities?rowType=goodBusiness")
    assert resp.status_code == 303
    assert bad.status_code == 422 and field_error(bad.text, "rowType") == "Pick one of the options"
    assert "good host" in listing.text


async def test_a_cross_site_post_is_refused(site: Site) -> None:
    async with console_login(site, **EN) as client:
        resp = await client.post("/console/homestays/1/delete", data={"version": "0"},
                                 headers={"Origin": "https://evil.example"})
    assert resp.status_code == 403



async def test_the_first_field_in_error_gets_the_focus(site: Site) -> None:
    async with console_login(site, **EN) as client:
        page = await client.get("/console/homestays/2")
        form = {**form_of(page.text), "homestayPrice": "x", "peopleNum": "y"}
        resp = await client.post("/console/homestays/2", data=form)
    focused = re.findall(r'<(?:input|select|textarea) id="([^"]+)"[^>]*autofocus', resp.text)
    assert focused == ["f-homestayPrice"]  # the price comes before the people in the form
    assert "Edit homestay #2" in resp.text
