"""Browser suites: one real `yys up` process and one headless Chromium for this package.

    def test_x(site: RunningSite, page: Page) -> None:
        page.goto("/")                      # relative to the running yys
        shoot(page, "home")                 # var/screenshots/home.png

`site` is a `yys up` on a free port with its own data dir (demo data loaded) and a known admin
password (`site.admin_password`, user `admin`). `browser` is Debian's Chromium driven by Python
playwright (no downloaded browser). Both live while this package's tests run. `page` is a fresh
context per test (English, desktop size); `phone_page` the same at a phone's width. Screenshots
go to `var/screenshots/` (git-ignored), or to YYS_SCREENSHOTS_DIR. Pages must work offline:
a request for any other host is refused and fails the test (the demo's photos are the site's own).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from tests.support.process import YysProcess, run_yys
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("YYS_SCREENSHOTS_DIR", ROOT / "var" / "screenshots"))
ADMIN_PASSWORD = "browser-tests-admin-pw"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def chromium_path() -> str | None:
    configured = os.environ.get("YYS_CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@dataclass(frozen=True)
class RunningSite:
    process: YysProcess
    base_url: str
    admin_password: str = ADMIN_PASSWORD


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSite]:
    port = free_port()
    data_dir = tmp_path_factory.mktemp("yys-browser")
    env = {k: v for k, v in os.environ.items() if not k.startswith("YYS_")}
    env.update(YYS_ADMIN_PASSWORD=ADMIN_PASSWORD, YYS_JOB_POLL_INTERVAL_SECONDS="0.1")
    with run_yys(["up", "--port", str(port), "--data-dir", str(data_dir)], env,
                 ready_url=f"http://127.0.0.1:{port}/readyz", timeout=90, inherit_env=False) as proc:
        yield RunningSite(process=proc, base_url=f"http://127.0.0.1:{port}")


# Package scope, not session: playwright's sync API keeps an event loop on this thread while it
# runs, which would break the asyncio tests collected after this package.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        pytest.skip("no chromium binary (apt-get install chromium, or set YYS_CHROMIUM)")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


def _page(browser: Browser, site: RunningSite, **options: Any) -> Iterator[Page]:
    context = browser.new_context(base_url=site.base_url, locale="en-US", **options)
    context.set_default_timeout(15_000)
    elsewhere: list[str] = []

    def refuse(route: Route) -> None:
        elsewhere.append(route.request.url)
        route.abort()

    context.route(lambda url: not url.startswith(site.base_url + "/"), refuse)
    try:
        yield context.new_page()
    finally:
        context.close()
    assert not elsewhere, f"the pages asked another host for: {elsewhere}"


@pytest.fixture
def page(browser: Browser, site: RunningSite) -> Iterator[Page]:
    yield from _page(browser, site, viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone_page(browser: Browser, site: RunningSite) -> Iterator[Page]:
    yield from _page(browser, site, viewport={"width": 375, "height": 740}, is_mobile=True,
                     has_touch=True, device_scale_factor=2)


def shoot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as var/screenshots/<name>.png (for people, not assertions)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # Photos are lazy-loaded: a full-page shot taken right after navigation shows grey boxes.
    # Load them all first (bounded: a shot is for people, never a reason to fail a test).
    page.evaluate(_LOAD_IMAGES)
    page.screenshot(path=str(path), full_page=True)
    return path


_LOAD_IMAGES = """() => Promise.race([
  new Promise(done => setTimeout(done, 3000)),
  Promise.all(Array.from(document.images).map(img => {
    img.loading = "eager";
    return img.complete ? null : new Promise(done => { img.onload = img.onerror = done; });
  })),
])"""
