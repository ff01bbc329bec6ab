"""The booking benchmark's pure helpers: nearest-rank percentiles, pairing of timestamps, the
subject of our own tokens, Prometheus histogram fractions and quantiles (no server)."""

from __future__ import annotations

import base64
import json

import pytest
from bench.booking_stats import (
    bucket_delta,
    fraction_at_or_below,
    histogram_quantile,
    jwt_subject,
    pair_latencies,
    percentile,
    summarize_ms,
)


def test_nearest_rank_percentile() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100

    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 99.9) == 100.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 50) == 7.0
    assert percentile([1.0, 2.0], 50) == 1.0  # rank ceil(0.5 * 2) = 1
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile(values, 0)


def test_summary_is_in_milliseconds_and_ignores_input_order() -> None:
    seconds = [0.030, 0.010, 0.020, 0.100]

    s = summarize_ms(seconds, (50, 99))

    assert s == {"count": 4, "min": 10.0, "p50": 20.0, "p99": 100.0, "max": 100.0, "mean": 40.0}
    assert summarize_ms([]) == {"count": 0}


def test_pairs_only_keys_present_on_both_sides() -> None:
    callback = {"a": 10.0, "b": 20.0, "c": 30.0}
    paid = {"a": 10.5, "c": 30.25, "z": 99.0}

    deltas, missing = pair_latencies(callback, paid)

    assert sorted(deltas) == [0.25, 0.5]
    assert missing == 1  # "b" was never paid; "z" had no callback and is ignored


def test_jwt_subject_reads_the_sub_claim_without_padding() -> None:
    def part(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    token = f"{part({'alg': 'ES256'})}.{part({'sub': '4711', 'aud': 'user'})}.sig"

    assert jwt_subject(token) == 4711


def test_histogram_fraction_is_exact_and_quantiles_interpolate() -> None:
    inf = float("inf")
    before = {0.05: 10.0, 0.1: 10.0, 0.25: 10.0, inf: 10.0}
    after = {0.05: 60.0, 0.1: 108.0, 0.25: 109.0, inf: 110.0}

    buckets = bucket_delta(before, after)

    assert buckets == [(0.05, 50.0), (0.1, 98.0), (0.25, 99.0), (inf, 100.0)]
    assert fraction_at_or_below(buckets, 0.1) == 0.98
    assert histogram_quantile(buckets, 0.5) == 0.05  # the 50th observation closes bucket 1
    assert histogram_quantile(buckets, 0.25) == 0.025  # halfway through [0, 0.05]
    assert histogram_quantile(buckets, 0.74) == pytest.approx(0.075)  # 24 of 48 in (0.05, 0.1]
    assert histogram_quantile(buckets, 0.99) == 0.25
    assert histogram_quantile(buckets, 1.0) == 0.25  # in +Inf: "at least the last bound"
    assert fraction_at_or_below([], 0.1) is None and histogram_quantile([], 0.5) is None
    with pytest.raises(ValueError):
        fraction_at_or_below(buckets, 0.2)
