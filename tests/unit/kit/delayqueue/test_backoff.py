from __future__ import annotations

import random

import pytest

from yys.kit.delayqueue import RetryPolicy


def test_delay_doubles_from_the_base_without_jitter() -> None:
    policy = RetryPolicy(base=1.0, factor=2.0, max_delay=100.0, jitter=0.0)
    assert [policy.delay(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 8.0, 16.0]


def test_delay_is_capped_and_never_overflows() -> None:
    policy = RetryPolicy(base=1.0, factor=10.0, max_delay=60.0, jitter=0.0)
    assert policy.delay(3) == 60.0
    assert policy.delay(10_000) == 60.0


def test_jitter_stays_within_its_band_and_under_the_cap() -> None:
    policy = RetryPolicy(base=10.0, factor=2.0, max_delay=25.0, jitter=0.2)
    rng = random.Random(7)
    first = [policy.delay(1, rng) for _ in range(200)]
    assert all(8.0 <= d <= 12.0 for d in first)
    assert len(set(first)) > 100
    assert all(d <= 25.0 for d in (policy.delay(5, rng) for _ in range(200)))


def test_exhausted_after_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert not policy.exhausted(1)
    assert not policy.exhausted(2)
    assert policy.exhausted(3)


@pytest.mark.parametrize(
    "kwargs",
    [{"max_attempts": 0}, {"base": -1.0}, {"factor": 0.5}, {"jitter": 1.0}, {"max_delay": -1.0}],
)
def test_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
