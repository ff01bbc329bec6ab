from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from yys.kit.delayqueue import CronEntry, next_tick, previous_tick, tick_job_id
from yys.kit.delayqueue.cron import parse_daily_time


def ts(text: str, tz: str = "UTC") -> float:
    zone = UTC if tz == "UTC" else ZoneInfo(tz)
    return datetime.fromisoformat(text).replace(tzinfo=zone).timestamp()


def test_interval_ticks_are_epoch_aligned() -> None:
    entry = CronEntry("sweep", "j", every_seconds=60)
    now = ts("2024-05-01T10:00:42")
    assert previous_tick(entry, now) == ts("2024-05-01T10:00:00")
    assert next_tick(entry, now) == ts("2024-05-01T10:01:00")


def test_a_tick_instant_is_its_own_previous_tick() -> None:
    entry = CronEntry("sweep", "j", every_seconds=30)
    tick = ts("2024-05-01T10:00:30")
    assert previous_tick(entry, tick) == tick
    assert next_tick(entry, tick) == tick + 30


def test_sub_second_interval_is_deterministic() -> None:
    entry = CronEntry("fast", "j", every_seconds=0.2)
    assert previous_tick(entry, 1000.05) == pytest.approx(1000.0)
    same_tick = [tick_job_id("fast", previous_tick(entry, now)) for now in (1000.05, 1000.19)]
    assert same_tick[0] == same_tick[1]
    assert tick_job_id("fast", 1000.0) != tick_job_id("fast", 1000.2)


def test_daily_ticks_in_a_time_zone() -> None:
    entry = CronEntry("settle", "j", daily_at="03:00", tz="Asia/Shanghai")
    before = ts("2024-05-01T02:59:59", "Asia/Shanghai")
    after = ts("2024-05-01T03:00:01", "Asia/Shanghai")
    assert previous_tick(entry, before) == ts("2024-04-30T03:00:00", "Asia/Shanghai")
    assert next_tick(entry, before) == ts("2024-05-01T03:00:00", "Asia/Shanghai")
    assert previous_tick(entry, after) == ts("2024-05-01T03:00:00", "Asia/Shanghai")
    assert next_tick(entry, after) == ts("2024-05-02T03:00:00", "Asia/Shanghai")


def test_daily_ticks_across_a_dst_change_are_a_day_apart_in_local_time() -> None:
    entry = CronEntry("report", "j", daily_at="12:00:00", tz="Europe/Berlin")
    before_switch = ts("2024-03-30T12:00:00", "Europe/Berlin")
    after_switch = next_tick(entry, before_switch)
    assert after_switch == ts("2024-03-31T12:00:00", "Europe/Berlin")
    assert after_switch - before_switch == 23 * 3600


def test_tick_job_id_is_name_and_milliseconds() -> None:
    assert tick_job_id("settle", 1714500000.0) == "settle:1714500000000"


def test_default_grace_is_one_period_capped_at_an_hour() -> None:
    assert CronEntry("a", "j", every_seconds=10).grace == 10
    assert CronEntry("b", "j", daily_at="03:00").grace == 3600
    assert CronEntry("c", "j", every_seconds=10, misfire_grace=2).grace == 2


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"every_seconds": 10, "daily_at": "03:00"},
        {"every_seconds": 0},
        {"daily_at": "3pm"},
        {"daily_at": "25:00"},
        {"daily_at": "03:00", "tz": "Mars/Olympus"},
    ],
)
def test_invalid_entries_are_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises((ValueError, KeyError)):
        CronEntry("x", "j", **kwargs)  # type: ignore[arg-type]


def test_entry_names_cannot_contain_the_id_separator() -> None:
    with pytest.raises(ValueError):
        CronEntry("a:b", "j", every_seconds=1)


def test_parse_daily_time() -> None:
    assert parse_daily_time("03:00").hour == 3
    assert parse_daily_time("23:59:30").second == 30
