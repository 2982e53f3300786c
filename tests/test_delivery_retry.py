"""Backoff with full jitter, capped."""

from __future__ import annotations

import random
from datetime import timedelta

from csat.delivery import RetryPolicy


def test_backoff_is_capped_at_an_hour() -> None:
    policy = RetryPolicy(rng=random.Random(1))
    delays = [policy.delay(n) for n in range(1, 40)]
    assert max(delays) <= timedelta(hours=1)
    assert max(delays[10:]) > timedelta(minutes=30)  # grows to the cap
    assert all(d >= timedelta(0) for d in delays)


def test_full_jitter_is_deterministic_with_a_seeded_rng() -> None:
    first = [RetryPolicy(rng=random.Random(9)).delay(n) for n in range(1, 8)]
    again = [RetryPolicy(rng=random.Random(9)).delay(n) for n in range(1, 8)]
    assert first == again
    ceiling = [min(timedelta(hours=1), timedelta(minutes=1) * 2 ** (n - 1)) for n in range(1, 8)]
    assert all(timedelta(0) <= d <= c for d, c in zip(first, ceiling, strict=True))
