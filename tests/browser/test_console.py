"""An operator in a real browser over a real `yys up`: logs in with the keyboard, edits a
homestay's price and sees it on the storefront, sees validation errors in place, checks a guest in
and refunds another order, and the main console pages are saved as screenshots (desktop and
phone width)."""

from __future__ import annotations

import random
import re
import time

from playwright.sync_api import Page, expect

from tests.browser.conftest import RunningSite, shoot
from tests.e2e.api import call

GUEST_PASSWORD = "browser-guest-pass-1"


def paid_order(site: RunningSite, homestay_id: int) -> tuple[str, str]:
    """A new guest's order, paid through the sandbox (public API): (sn, the guest's trade code)."""
    base = site.base_url
    mobile = str(random.randrange(17_000_000_000, 17_999_999_999))
    reg = call(base, "/usercenter/v1/user/register", {"mobile": mobile, "password": GUEST_PASSWORD})
    assert reg.status == 200, reg.body
    token = reg.body["accessToken"]
    start = int(time.time()) + 3 * 86400
    created = call(base, "/order/v1/homestayOrder/createHomestayOrder", {
        "homestayId": homestay_id, "isFood": False, "liveStartTime": start,
        "liveEndTime": start + 2 * 86400, "livePeopleNum": 1, "remark": "browser test"}, token=token)
    assert created.status == 200, created.body
    sn = created.body["orderSn"]
    prepay = call(base, "/payment/v1/thirdPayment/thirdPaymentWxPay",
                  {"orderSn": sn, "serviceType": "homestayOrder"}, token=token)
    assert prepay.status == 200, prepay.body
    prepay_id = prepay.body["package"].split("=", 1)[1]
    assert call(base, "/paysandbox/v1/pay", {"prepayId": prepay_id}).status == 200
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        detail = call(base, "/order/v1/homestayOrder/userHomestayOrderDetail", {"sn": sn}, token=token)
        if detail.body["tradeState"] == 1:
            return sn, detail.body["tradeCode"]
        time.sleep(0.1)
    raise AssertionError(f"order {sn} not paid within 30 s")


def log_in(page: Page, site: RunningSite, target: str = "/console") -> None:
    """Keyboard only: the login form is reached, filled and sent without a mouse."""
    page.goto(target, wait_until="domcontentloaded")
    expect(page).to_have_url(re.compile(r"/console/login\?next="))
    page.get_by_label("Username").focus()
    page.keyboard.type("admin")
    page.keyboard.press("Tab")
    page.keyboard.type(site.admin_password)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))


def test_an_operator_changes_a_price_and_the_storefront_shows_it(site: RunningSite, page: Page) -> None:
    log_in(page, site)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator("svg.chart")).to_have_count(3)

    page.get_by_role("navigation", name="Console navigation").get_by_role("link", name="Homestays").click()
    expect(page.get_by_role("heading", name="Homestays")).to_be_visible()
    page.get_by_label("Title").fill("")
    page.get_by_label("Shelf state").select_option("1")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"rowState=1"))  # htmx pushed the filtered URL
    shoot(page, "console-homestays")

    page.goto("/console/homestays/5", wait_until="domcontentloaded")
    shoot(page, "console-homestay-edit")
    # An API validation error lands next to its field, in place (htmx), keeping the input.
    page.get_by_label("Sleeps").fill("0")
    page.get_by_role("button", name="Save").click()
    error = page.locator("#err-peopleNum")
    expect(error).to_contain_text("people_num must be between 1 and 100")
    expect(page.get_by_label("Sleeps")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Sleeps")).to_be_focused()  # the keyboard is where the error is
    expect(page).to_have_url(re.compile(r"/console/homestays/5$"))
    shoot(page, "console-form-error")

    page.get_by_label("Sleeps").fill("4")
    page.get_by_label(re.compile(r"^Price \(yuan\)")).fill("456.70")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/console/homestays\?ok=saved$"))
    expect(page.get_by_role("status")).to_have_text("Saved.")

    page.goto("/homestay/5", wait_until="domcontentloaded")
    expect(page.locator("p.price.big")).to_contain_text("¥456.7")
    shoot(page, "store-homestay-new-price")


def test_check_in_and_refund_from_the_console(site: RunningSite, page: Page) -> None:
    stay_sn, code = paid_order(site, homestay_id=2)
    refund_sn, _ = paid_order(site, homestay_id=3)
    log_in(page, site, f"/console/orders/{stay_sn}")
    expect(page.locator("#order-state")).to_have_text("Paid, awaiting stay")

    page.get_by_role("link", name="Check in").click()  # the confirmation step, loaded in place
    page.get_by_label("Check-in code").fill(code)
    shoot(page, "console-order-check-in")
    page.get_by_role("button", name="Confirm: Check in").click()
    expect(page.locator("#order-state")).to_have_text("Stayed")
    expect(page.get_by_role("status")).to_have_text("Checked in.")

    page.goto(f"/console/orders/{refund_sn}", wait_until="domcontentloaded")
    page.get_by_role("link", name="Refund").click()
    expect(page.locator("#action-panel")).to_contain_text("The money goes back to the guest")
    page.get_by_role("button", name="Confirm: Refund").click()
    expect(page.locator("#order-state")).to_have_text("Refunded")
    shoot(page, "console-order-refunded")

    page.goto("/console/orders", wait_until="domcontentloaded")
    page.get_by_label("State").select_option("2")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#results")).to_contain_text(stay_sn)
    expect(page.locator("#results")).not_to_contain_text(refund_sn)
    shoot(page, "console-orders")

    # Order writes reach the audit log through the outbox and the admin consumer: soon.
    deadline = time.monotonic() + 15
    while True:
        page.goto("/console/audit?resource=orders", wait_until="domcontentloaded")
        if refund_sn in page.locator("#results").inner_text() or time.monotonic() > deadline:
            break
        page.wait_for_timeout(200)
    expect(page.locator("#results")).to_contain_text(refund_sn)
    shoot(page, "console-audit")


def test_the_other_pages_and_the_phone_layout(site: RunningSite, page: Page, phone_page: Page) -> None:
    paid_order(site, homestay_id=4)  # so the dashboard draws today's bar from a real order
    log_in(page, site, "/console/users")
    page.goto("/console", wait_until="domcontentloaded")
    expect(page.locator("#kpi-paid")).not_to_have_text("0")
    expect(page.locator("#chart-orders rect.bar").last).not_to_have_attribute("height", "0.0")
    shoot(page, "console-dashboard")
    # Disable / enable swap the user's row in place (no navigation).
    page.goto("/console/users?mobile=17", wait_until="domcontentloaded")  # a guest of this test
    row = page.locator("tbody tr").first
    row_id = row.get_attribute("id")
    page.evaluate("window.__same_page = true")
    row.get_by_role("button", name=re.compile("^Disable")).click()
    swapped = page.locator(f"#{row_id}")
    expect(swapped.get_by_role("button", name=re.compile("^Enable"))).to_be_visible()
    expect(swapped).to_contain_text("disabled")
    assert page.evaluate("window.__same_page === true")
    swapped.get_by_role("button", name=re.compile("^Enable")).click()
    expect(page.locator(f"#{row_id}").get_by_role("button", name=re.compile("^Disable"))).to_be_visible()
    for path, name in (("/console/users", "console-users"), ("/console/payments", "console-payments"),
                       ("/console/settlements", "console-settlements"),
                       ("/console/managers", "console-managers"),
                       ("/console/homestay-businesses", "console-businesses")):
        page.goto(path, wait_until="domcontentloaded")
        expect(page.locator("main h1")).to_be_visible()
        shoot(page, name)

    log_in(phone_page, site, "/console")
    for path, name in (("/console", "console-phone-dashboard"), ("/console/orders", "console-phone-orders"),
                       ("/console/homestays/1", "console-phone-form")):
        phone_page.goto(path, wait_until="domcontentloaded")
        # Wide tables scroll inside their own box; the page itself never scrolls sideways.
        assert phone_page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"), path
        shoot(phone_page, name)


def test_logout_ends_the_console_session_only(site: RunningSite, page: Page) -> None:
    log_in(page, site)
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/console/login\?ok=out$"))
    expect(page.get_by_role("status")).to_have_text("You are logged out.")
    page.goto("/console/orders", wait_until="domcontentloaded")
    expect(page).to_have_url(re.compile(r"/console/login\?next="))
