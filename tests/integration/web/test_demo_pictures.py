"""The demo catalogue's photos are our own pictures, served by the web service itself: the
storefront shows them on a machine without internet (CI, a laptop on a train)."""

from __future__ import annotations

import re

import pytest

from tests.integration.web.conftest import Site
from yys.services.travel.seed_data import DEMO_BUSINESSES

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _seeded_photo_urls(site: Site) -> set[str]:
    urls: set[str] = set()
    total = sum(len(b.homestays) for b in DEMO_BUSINESSES)
    async with site.api() as api:
        for hid in range(1, total + 1):  # the demo is seeded into an empty database
            resp = await api.post("/travel/v1/homestay/homestayDetail", json={"id": hid})
            assert resp.status_code == 200, resp.text
            urls.update(u for u in resp.json()["homestay"]["banner"].split(",") if u)
    async with site.browser() as client:
        home = (await client.get("/")).text  # the business avatars and homestay covers
    urls.update(re.findall(r'<img src="([^"]+)"', home))
    return urls


async def test_every_seeded_photo_is_a_picture_this_site_serves(site: Site) -> None:
    urls = await _seeded_photo_urls(site)
    assert len(urls) >= 8  # distinct pictures, not one repeated
    async with site.browser() as client:
        for url in sorted(urls):
            assert url.startswith("/static/demo/"), url
            resp = await client.get(url)
            assert resp.status_code == 200, url
            assert resp.headers["content-type"].startswith("image/svg+xml"), url
            assert resp.text.lstrip().startswith("<svg"), url


async def test_the_page_policy_allows_the_pictures(site: Site) -> None:
    async with site.browser() as client:
        csp = (await client.get("/")).headers["content-security-policy"]
    img_src = next(d for d in csp.split(";") if d.strip().startswith("img-src"))
    assert "'self'" in img_src.split()
