"""A guest in a real browser over a real `yys up`: browse, register, book, pay, follow orders;
keyboard-only login; a phone-width layout without horizontal scrolling."""

from __future__ import annotations

import json
import random
import re
import time
import urllib.request
from datetime import UTC, datetime

from playwright.sync_api import Page, expect

from tests.browser.conftest import RunningSite, shoot

PASSWORD = "browser-pass-1"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def new_mobile() -> str:
    return str(random.randrange(16_000_000_000, 16_999_999_999))


def register_by_api(site: RunningSite) -> str:
    mobile = new_mobile()
    request = urllib.request.Request(
        site.base_url + "/usercenter/v1/user/register", method="POST",
        data=json.dumps({"mobile": mobile, "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"})
    with _OPENER.open(request, timeout=10) as resp:
        assert resp.status == 200
    return mobile


def day(offset: int) -> str:
    return datetime.fromtimestamp(time.time() + offset * 86400, UTC).strftime("%Y-%m-%d")


def no_horizontal_scroll(page: Page) -> bool:
    return bool(page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


def test_a_guest_registers_books_pays_and_sees_the_order_paid(site: RunningSite, page: Page) -> None:
    page.goto("/", wait_until="domcontentloaded")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Preferred homestays")).to_be_visible()
    shoot(page, "store-home")

    page.locator("#preferred ~ ul .card a").first.click()
    expect(page).to_have_url(re.compile(r"/homestay/\d+$"))
    homestay_url = page.url
    shoot(page, "store-homestay")

    page.get_by_role("link", name="Log in to book").click()
    page.get_by_role("link", name="Register").last.click()
    expect(page).to_have_url(re.compile(r"/register\?next=(%2F|/)homestay(%2F|/)\d+$"))
    page.get_by_label("Mobile number").fill(new_mobile())
    page.get_by_label("Password").fill(PASSWORD)
    shoot(page, "store-register")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(homestay_url)

    # The live price follows the form (htmx): two nights cost more than one.
    total = page.locator("[data-total-fen]")
    page.get_by_label("Check-in").fill(day(3))
    page.get_by_label("Check-out").fill(day(4))
    expect(total).to_have_attribute("data-total-fen", re.compile(r"^\d+$"))
    one_night = int(total.get_attribute("data-total-fen") or 0)
    page.get_by_label("Check-out").fill(day(5))
    expect(total).not_to_have_attribute("data-total-fen", str(one_night))
    assert int(total.get_attribute("data-total-fen") or 0) == 2 * one_night

    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(re.compile(r"/orders/HSO\w+$"))
    status = page.locator("#order-status")
    expect(status).to_have_text("Awaiting payment")
    shoot(page, "store-order-unpaid")

    page.get_by_role("button", name="Pay now").click()
    expect(page).to_have_url(re.compile(r"\?paying=1$"))
    assert status.inner_text() in ("Paying…", "Paid · Paid, awaiting stay")
    expect(status).to_have_text("Paid · Paid, awaiting stay", timeout=30_000)
    shoot(page, "store-order-paid")

    page.get_by_role("link", name="My orders").first.click()
    expect(page.locator(".order-row").first.locator(".state")).to_have_text("Paid, awaiting stay")
    shoot(page, "store-orders")


def test_keyboard_only_login(site: RunningSite, page: Page) -> None:
    mobile = register_by_api(site)
    page.goto("/login", wait_until="domcontentloaded")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "mobile":
            break
    else:
        raise AssertionError("Tab never reached the mobile field")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")  # the focus is visible
    page.keyboard.type(mobile)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page).to_have_url(site.base_url + "/")


def test_wrong_password_is_a_message_on_the_form(site: RunningSite, page: Page) -> None:
    mobile = register_by_api(site)
    page.goto("/login", wait_until="domcontentloaded")
    page.get_by_label("Mobile number").fill(mobile)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").last.click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Mobile number")).to_have_value(mobile)
    shoot(page, "store-login-error")


def test_the_language_switch(site: RunningSite, page: Page) -> None:
    page.goto("/", wait_until="domcontentloaded")
    page.get_by_role("button", name="Switch language").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", name="优选民宿")).to_be_visible()
    shoot(page, "store-home-zh")


def test_not_found_page(site: RunningSite, page: Page) -> None:
    response = page.goto("/homestay/987654", wait_until="domcontentloaded")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    shoot(page, "store-404")


def test_phone_width_has_no_horizontal_scroll(site: RunningSite, phone_page: Page) -> None:
    for path, name in (("/", "phone-home"), ("/homestay/1", "phone-homestay"),
                       ("/login", "phone-login")):
        phone_page.goto(path, wait_until="domcontentloaded")
        assert no_horizontal_scroll(phone_page), path
        shoot(phone_page, name)


UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label')).map(el => el.outerHTML)"""
NO_ALT = "() => [...document.querySelectorAll('img:not([alt])')].map(el => el.outerHTML)"


def test_every_field_has_a_label_and_every_image_an_alt(site: RunningSite, page: Page) -> None:
    mobile = register_by_api(site)
    for path in ("/", "/homestay/1", "/login", "/register"):
        page.goto(path, wait_until="domcontentloaded")
        assert page.evaluate(UNLABELLED) == [], path
        assert page.evaluate(NO_ALT) == [], path
    page.goto("/login", wait_until="domcontentloaded")
    page.get_by_label("Mobile number").fill(mobile)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").last.click()
    page.goto("/orders", wait_until="domcontentloaded")
    assert page.evaluate(UNLABELLED) == []
    # The skip link is the first stop and moves the focus to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
