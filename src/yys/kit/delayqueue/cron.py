"""Schedule entries and their tick arithmetic (pure: no IO, no clock).

Ticks are derived from wall-clock time only (epoch-aligned intervals, fixed daily times), never
from when a process started, so every scheduler replica computes the same tick timestamps and the
job id `<name>:<tick>` deduplicates their enqueues.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

DAY = 86400.0
MAX_DEFAULT_GRACE = 3600.0


@dataclass(frozen=True, slots=True)
class CronEntry:
    """Enqueue `job_type` every `every_seconds`, or daily at `daily_at` ("HH:MM[:SS]") in `tz`.

    `misfire_grace`: a tick older than this when the scheduler first sees it (it was down, or
    not leader) is skipped instead of enqueued late. Defaults to one period, at most an hour.
    """

    name: str
    job_type: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    every_seconds: float | None = None
    daily_at: str | None = None
    tz: str = "UTC"
    headers: Mapping[str, str] = field(default_factory=dict)
    misfire_grace: float | None = None

    def __post_init__(self) -> None:
        if (self.every_seconds is None) == (self.daily_at is None):
            raise ValueError(f"{self.name}: give exactly one of every_seconds or daily_at")
        if self.every_seconds is not None and self.every_seconds <= 0:
            raise ValueError(f"{self.name}: every_seconds must be > 0")
        if self.daily_at is not None:
            parse_daily_time(self.daily_at)
            _zone(self.tz)
        if ":" in self.name:
            # The tick job id is "<name>:<tick>"; a colon in the name would make it ambiguous.
            raise ValueError(f"{self.name!r}: entry names must not contain ':'")

    @property
    def period(self) -> float:
        return self.every_seconds if self.every_seconds is not None else DAY

    @property
    def grace(self) -> float:
        if self.misfire_grace is not None:
            return self.misfire_grace
        return min(self.period, MAX_DEFAULT_GRACE)


def parse_daily_time(text: str) -> time:
    """"03:00" or "03:00:30" -> time; raises ValueError on anything else."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        raise ValueError(f"daily time must look like HH:MM or HH:MM:SS, got {text!r}")
    hour, minute, second = (int(p) for p in [*parts, "0"][:3])
    return time(hour, minute, second)


def _zone(name: str) -> tzinfo:
    return UTC if name.upper() == "UTC" else ZoneInfo(name)


def previous_tick(entry: CronEntry, now: float) -> float:
    """The latest tick at or before `now` (epoch seconds)."""
    if entry.every_seconds is not None:
        return math.floor(now / entry.every_seconds) * entry.every_seconds
    zone = _zone(entry.tz)
    at = parse_daily_time(entry.daily_at or "")
    local_day = datetime.fromtimestamp(now, zone).date()
    for back in range(3):
        # DST shifts can move a local time across midnight; looking back a few days is enough.
        day = local_day - timedelta(days=back)
        tick = datetime.combine(day, at, zone).timestamp()
        if tick <= now:
            return tick
    raise AssertionError("unreachable: a daily tick exists within three days")


def next_tick(entry: CronEntry, now: float) -> float:
    """The earliest tick strictly after `now`."""
    if entry.every_seconds is not None:
        return (math.floor(now / entry.every_seconds) + 1) * entry.every_seconds
    zone = _zone(entry.tz)
    at = parse_daily_time(entry.daily_at or "")
    local_day = datetime.fromtimestamp(now, zone).date()
    for ahead in range(3):
        tick = datetime.combine(local_day + timedelta(days=ahead), at, zone).timestamp()
        if tick > now:
            return tick
    raise AssertionError("unreachable: a daily tick exists within three days")


def tick_job_id(name: str, tick: float) -> str:
    """Deterministic job id of one tick: the entry name and the tick in integer milliseconds."""
    return f"{name}:{round(tick * 1000)}"
