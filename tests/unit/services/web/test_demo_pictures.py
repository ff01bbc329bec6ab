"""The demo pictures on disk: every name the seed uses exists, each is small, well-formed SVG."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from yys.services.travel.seed_data import DEMO_PICTURES, banner, image
from yys.services.usercenter.seed import DEMO_AVATARS, avatar_url
from yys.services.web.wiring import STATIC

DEMO = STATIC / "demo"


def _file(url: str) -> Path:
    assert url.startswith("/static/demo/"), url
    return STATIC / url.removeprefix("/static/")


def test_the_seed_names_exactly_the_pictures_shipped() -> None:
    assert {p.stem for p in DEMO.glob("*.svg")} == set(DEMO_PICTURES)


def test_the_seed_names_exactly_the_avatars_shipped() -> None:
    assert {p.stem for p in (DEMO / "avatars").glob("*.svg")} == set(DEMO_AVATARS)
    assert {avatar_url(str(13800000000 + n)) for n in range(40)} == {
        f"/static/demo/avatars/{name}.svg" for name in DEMO_AVATARS}


def test_each_picture_is_light_well_formed_svg_with_a_title() -> None:
    shipped = [(DEMO / f"{n}.svg", "0 0 750 500") for n in DEMO_PICTURES] + [
        (DEMO / "avatars" / f"{n}.svg", "0 0 128 128") for n in DEMO_AVATARS]
    for path, view_box in shipped:
        name = path.name
        assert path.stat().st_size < 3 * 1024, name
        root = ElementTree.parse(path).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg", name
        assert root.get("viewBox") == view_box, name
        assert root.find("{http://www.w3.org/2000/svg}title") is not None, name


def test_a_banner_is_three_distinct_stable_pictures() -> None:
    photos = banner("erhai", 1).split(",")
    assert len(set(photos)) == 3 and photos == banner("erhai", 1).split(",")
    assert all(_file(p).is_file() for p in photos)
    assert _file(image("cover", "erhai")).is_file()
    assert {banner("h", n).split(",")[0] for n in range(40)} == {
        f"/static/demo/{name}.svg" for name in DEMO_PICTURES}  # the catalogue uses them all


def test_a_homestay_leads_with_a_picture_of_its_kind() -> None:
    assert banner("x", 1, hint="Erhai Lakeside Courtyard").startswith("/static/demo/lake.svg,")
    assert banner("x", 1, hint="Valley Glamping Tent").startswith("/static/demo/stars.svg,")
    assert banner("x", 1, hint="West Street Backpacker Bed").startswith("/static/demo/oldtown.svg,")
    assert len(set(banner("x", 1, hint="Sea-view").split(","))) == 3
