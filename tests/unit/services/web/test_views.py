"""Template filters: money, dates (UTC days, as the API bills), photo lists."""

from __future__ import annotations

from yys.services.web.views import _date, _images, _yuan


def test_yuan_drops_trailing_zeros_only() -> None:
    assert [_yuan(v) for v in (0, 10, 10.5, 468.0, 1288, 2688.25, None)] == [
        "0", "10", "10.5", "468", "1,288", "2,688.25", "0"]


def test_dates_are_utc_calendar_days() -> None:
    assert _date(1_893_542_400) == "2030-01-02"
    assert _date(1_893_542_400 + 86399) == "2030-01-02"
    assert _date(0) == "" and _date(None) == ""


def test_banner_is_a_comma_separated_photo_list() -> None:
    assert _images(" https://a/1.jpg, ,https://a/2.jpg ") == ["https://a/1.jpg", "https://a/2.jpg"]
    assert _images("") == [] and _images(None) == []
