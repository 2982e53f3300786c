"""Confidence intervals for shares and their differences.

* :func:`wilson` -- the Wilson score interval for one proportion (Newcombe
  1998a, "method 3").
* :func:`newcombe` -- the hybrid score interval for a difference of two
  independent proportions (Newcombe 1998b, "method 10"), built from the two
  Wilson intervals.
* :func:`t_interval` -- Student's t-interval for a mean (the CES), from the
  sum and the sum of squares that SQL returns; :func:`welch` -- Welch's
  t-interval for a difference of two means.

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


#: Above this many degrees of freedom :func:`t_quantile` uses the Cornish-Fisher
#: expansion (error below 1e-10 there) instead of inverting the exact CDF.
_T_SERIES_MAX = 100


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


def _t_cdf(t: float, df: int) -> float:
    """P(T <= t) for Student's t with an integer ``df``, in closed form
    (Abramowitz and Stegun 26.7.3 and 26.7.4), for t >= 0."""
    theta = math.atan(t / math.sqrt(df))
    cos2 = math.cos(theta) ** 2
    if df % 2:  # odd: (2/pi) (theta + sin cos (1 + 2/3 cos^2 + 2*4/(3*5) cos^4 + ...))
        term, total = 1.0, 0.0
        for k in range(1, (df - 1) // 2 + 1):
            total += term
            term *= cos2 * 2 * k / (2 * k + 1)
        inside = 2 / math.pi * (theta + math.sin(theta) * math.cos(theta) * total)
    else:  # even: sin (1 + 1/2 cos^2 + 1*3/(2*4) cos^4 + ...)
        term, total = 1.0, 0.0
        for k in range(1, df // 2 + 1):
            total += term
            term *= cos2 * (2 * k - 1) / (2 * k)
        inside = math.sin(theta) * total
    return (1 + inside) / 2


def t_quantile(p: float, df: int) -> float:
    """The ``p``-quantile of Student's t with ``df`` degrees of freedom (0.5 < p < 1)."""
    if df < 1 or not 0.5 < p < 1:
        raise ValueError(f"need df >= 1 and 0.5 < p < 1, got df={df}, p={p}")
    x = NormalDist().inv_cdf(p)
    if df > _T_SERIES_MAX:  # Cornish-Fisher (Abramowitz and Stegun 26.7.5)
        g1 = (x**3 + x) / 4
        g2 = (5 * x**5 + 16 * x**3 + 3 * x) / 96
        g3 = (3 * x**7 + 19 * x**5 + 17 * x**3 - 15 * x) / 384
        g4 = (79 * x**9 + 776 * x**7 + 1482 * x**5 - 1920 * x**3 - 945 * x) / 92160
        return x + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4
    low, high = x, 2 * x
    while _t_cdf(high, df) < p:
        low, high = high, 2 * high
    for _ in range(200):  # bisection down to the float's resolution
        middle = (low + high) / 2
        if middle in (low, high):
            break
        if _t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _variance(total: float, squares: float, n: int) -> float:
    """The sample variance from the sum and the sum of squares (never below 0)."""
    return max(0.0, (squares - total * total / n) / (n - 1))


def t_interval(total: float, squares: float, n: int) -> Interval | None:
    """Student's 95 % t-interval for the mean of ``n`` values with sum ``total`` and sum of
    squares ``squares``; ``None`` below n = 2 (no spread to estimate)."""
    if n < 2:
        return None
    mean = total / n
    half = t_quantile(0.975, n - 1) * math.sqrt(_variance(total, squares, n) / n)
    return Interval(mean, mean - half, mean + half)


def welch(
    total1: float, squares1: float, n1: int, total2: float, squares2: float, n2: int
) -> Interval | None:
    """Welch's 95 % t-interval for mean1 - mean2; ``None`` unless both n are at least 2.

    The Welch-Satterthwaite degrees of freedom are rounded down (a slightly wider,
    conservative interval), at least 1.
    """
    if n1 < 2 or n2 < 2:
        return None
    delta = total1 / n1 - total2 / n2
    a, b = _variance(total1, squares1, n1) / n1, _variance(total2, squares2, n2) / n2
    if a + b == 0:
        return Interval(delta, delta, delta)
    df = (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n2 - 1))
    half = t_quantile(0.975, max(1, math.floor(df))) * math.sqrt(a + b)
    return Interval(delta, delta - half, delta + half)
