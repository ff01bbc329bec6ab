"""Retry policy: exponential back-off with jitter and a cap on attempts."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """`attempts` counted from 1; after `max_attempts` failed deliveries the job is dead.

    Jitter spreads retries of jobs that failed together (e.g. during a DB outage) so they do not
    all come back in the same instant.
    """

    max_attempts: int = 8
    base: float = 2.0
    factor: float = 2.0
    max_delay: float = 600.0
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if self.base < 0 or self.factor < 1 or self.max_delay < 0:
            raise ValueError("base >= 0, factor >= 1 and max_delay >= 0 are required")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be in [0, 1)")

    def exhausted(self, attempts: int) -> bool:
        """True when a job that just failed its `attempts`-th delivery must not run again."""
        return attempts >= self.max_attempts

    def delay(self, attempts: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before the next delivery after the `attempts`-th failure."""
        exponent = max(attempts - 1, 0)
        # Cap the exponent before computing the power: factor**attempts overflows floats long
        # before any sane max_delay is reached.
        raw = self.max_delay if exponent > 64 else min(self.max_delay, self.base * self.factor**exponent)
        if self.jitter == 0 or raw == 0:
            return raw
        spread = (rng or random).uniform(-self.jitter, self.jitter)
        return min(self.max_delay, max(0.0, raw * (1 + spread)))
