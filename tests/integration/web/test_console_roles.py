"""Roles in the console: viewers see read-only pages and get the API's 403 as a message when
they try anyway; operators write but cannot manage managers; a superadmin manages managers."""

from __future__ import annotations

import re

import pytest
import pytest_asyncio

from tests.integration.web.conftest import Site
from tests.integration.web.console_helpers import ROLE_PASSWORD, console_login, ensure_manager, guest_order

pytestmark = pytest.mark.asyncio(loop_scope="module")
EN = {"Accept-Language": "en"}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def roles(site: Site) -> None:
    await ensure_manager(site, "console-viewer", "viewer")
    await ensure_manager(site, "console-operator", "operator")


async def test_a_viewer_sees_read_only_pages(site: Site, roles: None) -> None:
    async with console_login(site, "console-viewer", ROLE_PASSWORD, **EN) as client:
        listing = await client.get("/console/homestays")
        edit = await client.get("/console/homestays/1")
        users = await client.get("/console/users")
        settlements = await client.get("/console/settlements")
        dashboard = await client.get("/console")
    assert "can view but not change anything" in listing.text
    assert 'href="/console/homestays/new"' not in listing.text and "/delete" not in listing.text
    assert "<fieldset disabled>" in edit.text and ">Save</button>" not in edit.text
    assert "/disable" not in users.text
    assert 'action="/console/settlements/run"' not in settlements.text
    assert 'href="/console/managers"' not in dashboard.text
    assert "viewer" in dashboard.text


async def test_a_viewers_write_is_the_apis_403_shown_in_the_page(site: Site, roles: None) -> None:
    sn, _ = await guest_order(site, pay=True)
    async with console_login(site, "console-viewer", ROLE_PASSWORD, **EN) as client:
        edit = await client.post("/console/homestays/1", data={
            "title": "Viewer was here", "version": "0", "homestayBusinessId": "1", "homestayPrice": "1"})
        refund = await client.post(f"/console/orders/{sn}/refund")
        order = await client.get(f"/console/orders/{sn}")
        row = await client.post("/console/users/1/disable", headers={"HX-Request": "true"})
        managers = await client.get("/console/managers")
    assert edit.status_code == 403 and "Not allowed: requires the operator role" in edit.text
    assert 'id="record-form"' in edit.text
    assert refund.status_code == 403 and "Not allowed" in refund.text
    assert 'id="order-state">Paid, awaiting stay' in refund.text
    assert "/refund" not in order.text.split('id="action-panel"')[1].split("</section>")[0]
    assert row.status_code == 200 and row.text.strip().startswith('<tr id="user-1">')
    assert "Not allowed" in row.text
    assert managers.status_code == 200 and "Only a superadmin manages managers." in managers.text
    assert "requires the superadmin role" in managers.text


async def test_an_operator_writes_but_does_not_manage_managers(site: Site, roles: None) -> None:
    async with console_login(site, "console-operator", ROLE_PASSWORD, **EN) as client:
        listing = await client.get("/console/homestays")
        managers = await client.get("/console/managers")
        create = await client.post("/console/managers", data={
            "username": "sneaky", "password": "long-enough-1", "role": "superadmin"})
    assert 'href="/console/homestays/new"' in listing.text and "can view but not" not in listing.text
    assert "Only a superadmin manages managers." in managers.text and "<table" not in managers.text
    assert create.status_code == 403 and "requires the superadmin role" in create.text


async def test_a_superadmin_creates_disables_and_deletes_a_manager(site: Site, roles: None) -> None:
    async with console_login(site, **EN) as client:
        short = await client.post("/console/managers", data={"username": "temp-op", "password": "short",
                                                             "role": "operator"})
        assert short.status_code == 422
        assert re.search(r'<p class="field-error" id="err-password">[^<]+</p>', short.text), short.text
        assert 'value="temp-op"' in short.text
        assert re.search(r'id="m-password"[^>]*aria-invalid="true"', short.text)
        made = await client.post("/console/managers", data={
            "username": "temp-op", "password": "long-enough-1", "role": "operator"})
        assert made.status_code == 303
        page = await client.get("/console/managers")
        row = page.text.split("<td>temp-op</td>")[1].split("</tr>")[0]
        manager_id = re.findall(r'action="/console/managers/(\d+)"', row)[0]
        version = re.findall(r'name="version" value="(\d+)"', row)[0]
        off = await client.post(f"/console/managers/{manager_id}",
                                data={"version": version, "disabled": "true"})
        assert off.status_code == 303
        # the old version again: 409 from the API, as a message
        stale = await client.post(f"/console/managers/{manager_id}",
                                  data={"version": version, "role": "viewer"})
        assert stale.status_code == 409 and 'role="alert"' in stale.text
        gone = await client.post(f"/console/managers/{manager_id}/delete", data={})
        assert gone.status_code == 303
        after = await client.get("/console/managers")
    assert "<td>temp-op</td>" not in after.text
