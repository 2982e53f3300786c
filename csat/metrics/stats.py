"""Confidence intervals for shares and their differences.

* :func:`wilson` -- the Wilson score interval for one proportion (Newcombe
  1998a, "method 3").
* :func:`newcombe` -- the hybrid score interval for a difference of two
  independent proportions (Newcombe 1998b, "method 10"), built from the two
  Wilson intervals.

References: R. G. Newcombe, "Two-sided confidence intervals for the single
proportion: comparison of seven methods", Statistics in Medicine 17 (1998)
857-872; "Interval estimation for the difference between independent
proportions: comparison of eleven methods", ibid. 873-890.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

#: The two-sided 95 % normal quantile (1.959963984540054).
Z95 = NormalDist().inv_cdf(0.975)


@dataclass(frozen=True)
class Interval:
    """A point estimate with a confidence interval ``[low, high]``."""

    estimate: float
    low: float
    high: float

    def contains(self, value: float) -> bool:
        """True when ``value`` lies inside the interval (bounds included)."""
        return self.low <= value <= self.high


def wilson(successes: int, n: int, z: float = Z95) -> Interval | None:
    """The Wilson score interval for ``successes`` out of ``n``; ``None`` when n = 0."""
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got {successes}/{n}")
    if n == 0:
        return None
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # Exact bounds at the edges (floating point would give 1e-17 instead of 0).
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return Interval(p, low, high)


def newcombe(successes1: int, n1: int, successes2: int, n2: int, z: float = Z95) -> Interval | None:
    """The hybrid score interval for p1 - p2 (Newcombe's method 10); ``None`` if a n is 0."""
    first = wilson(successes1, n1, z)
    second = wilson(successes2, n2, z)
    if first is None or second is None:
        return None
    p1, p2 = first.estimate, second.estimate
    delta = p1 - p2
    low = delta - math.hypot(p1 - first.low, second.high - p2)
    high = delta + math.hypot(first.high - p1, p2 - second.low)
    return Interval(delta, low, high)
