"""Pure helpers of the booking benchmark (unit-tested in tests/unit/bench/test_booking_stats.py):
percentiles of measured values, pairing of timestamps, and reading a Prometheus histogram."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values: the smallest value with at least p % of
    the values at or below it (so p99 of 100 values is the 99th, p100 the max)."""
    if not sorted_values:
        raise ValueError("no values")
    if not 0 < p <= 100:
        raise ValueError("p must be in (0, 100]")
    rank = math.ceil(p / 100.0 * len(sorted_values))
    return float(sorted_values[max(rank, 1) - 1])


def summarize_ms(values_s: Sequence[float], pcts: Sequence[float] = (50, 90, 99)) -> dict[str, Any]:
    """Durations in seconds → count, min, p50/p90/p99 (nearest rank), max and mean in ms."""
    if not values_s:
        return {"count": 0}
    ordered = sorted(values_s)
    out: dict[str, Any] = {"count": len(ordered), "min": round(ordered[0] * 1000, 2)}
    for p in pcts:
        out[f"p{p:g}"] = round(percentile(ordered, p) * 1000, 2)
    out["max"] = round(ordered[-1] * 1000, 2)
    out["mean"] = round(sum(ordered) / len(ordered) * 1000, 2)
    return out


def pair_latencies(start: Mapping[str, float], end: Mapping[str, float]) -> tuple[list[float], int]:
    """`end[k] - start[k]` for every key in both; also how many keys of `start` have no end."""
    deltas = [end[k] - start[k] for k in start if k in end]
    return deltas, sum(1 for k in start if k not in end)


def jwt_subject(token: str) -> int:
    """The `sub` claim of a JWT (no verification: only to map our own tokens to user ids)."""
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return int(claims["sub"])


# --- Prometheus histograms ------------------------------------------------------------------

Buckets = list[tuple[float, float]]  # (upper bound `le`, cumulative count), ascending, +Inf last


def bucket_delta(before: Mapping[float, float], after: Mapping[float, float]) -> Buckets:
    """Cumulative bucket counts observed between two scrapes of one histogram."""
    return sorted((le, after[le] - before.get(le, 0.0)) for le in after)


def fraction_at_or_below(buckets: Buckets, bound: float) -> float | None:
    """Exact share of observations <= `bound`, which must be one of the bucket bounds."""
    total = buckets[-1][1] if buckets else 0.0
    if total <= 0:
        return None
    for le, count in buckets:
        if math.isclose(le, bound):
            return count / total
    raise ValueError(f"{bound} is not a bucket bound")


def histogram_quantile(buckets: Buckets, q: float) -> float | None:
    """The q-quantile (0 < q <= 1) interpolated linearly inside its bucket, as Prometheus'
    `histogram_quantile` does (the first bucket starts at 0; a quantile that falls in the +Inf
    bucket is reported as the highest finite bound, i.e. "at least that")."""
    if not 0 < q <= 1:
        raise ValueError("q must be in (0, 1]")
    total = buckets[-1][1] if buckets else 0.0
    if total <= 0:
        return None
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for le, count in buckets:
        if count >= rank:
            if math.isinf(le):
                return lower_bound
            if count == lower_count:
                return le
            return lower_bound + (le - lower_bound) * (rank - lower_count) / (count - lower_count)
        lower_bound, lower_count = le, count
    return lower_bound
