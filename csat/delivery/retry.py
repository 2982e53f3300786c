"""When to try again after a transient failure: exponential backoff with full jitter."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: a delay in ``[0, min(cap, base·2ⁿ⁻¹)]``.

    :param rng: the randomness (inject a seeded :class:`random.Random` in tests).
    """

    base: timedelta = timedelta(minutes=1)
    cap: timedelta = timedelta(hours=1)
    give_up: timedelta = timedelta(hours=72)
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, attempts: int) -> timedelta:
        """How long to wait after the ``attempts``-th failed attempt."""
        ceiling = min(self.cap, self.base * 2 ** min(max(attempts - 1, 0), 32))
        delay: timedelta = ceiling * self.rng.random()
        return delay
