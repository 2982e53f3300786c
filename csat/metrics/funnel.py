"""Comparing agents and teams without a league table: funnel plots and a paired test.

A **funnel plot** (D. J. Spiegelhalter, "Funnel plots for comparing
institutional performance", Statistics in Medicine 24 (2005) 1185–1202)
shows each unit's share against its number of responses, with control
limits around the overall share that narrow as n grows. A unit outside the
limits differs by more than chance alone would explain; the others are
"within expected variation", however they would rank.

The limits are exact binomial quantiles, interpolated as Spiegelhalter's
appendix A.1.1 gives them: for the target share ``p0``, the ``q``-quantile
``r`` of Binomial(n, p0) (the smallest r with F(r) ≥ q) and
``α = (F(r) − q) / (F(r) − F(r − 1))``; the limit is ``(r − α) / n``. The
95 % limits use q = 0.025 and 0.975, the 99.8 % limits q = 0.001 and 0.999.

The interpolation makes smooth curves to draw, but a unit's count is a whole
number: one exactly at the quantile ``r`` lies above the interpolated upper
limit (by α/n) although a count that high happens with probability above
2.5 %. At small n that is no detail: 10 of 10 against p0 = 0.8 has P = 0.107,
yet lies above the 97.5 % curve (0.977). So a unit is *placed* by its exact
binomial tail instead: above the 95 % limits when P(R ≥ successes) < 0.025,
beyond 99.8 % when it is below 0.001 (and so for the lower tail). That is
never more liberal than the drawn curves; it differs from them only for a
count exactly at a quantile.

**Solution without empathy** is a paired question — the same customers
answered both items: an agent whose customers are more often *helped only*
than *understood only*. :func:`mcnemar_exact` is the exact (binomial)
McNemar test on those discordant answers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

#: The two-sided levels of the limits and their tail probabilities.
LEVELS = {"95": 0.025, "99.8": 0.001}


def _log_pmf(k: int, n: int, log_p: float, log_q: float) -> float:
    return (
        math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
        + k * log_p + (n - k) * log_q
    )  # fmt: skip


def _binomial_cdf(r: int, n: int, p: float) -> float:
    """P(R ≤ r) for R ~ Binomial(n, p), summed in log space (stable for large n)."""
    if r < 0:
        return 0.0
    if r >= n or p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    terms = [_log_pmf(k, n, log_p, log_q) for k in range(r + 1)]
    top = max(terms)
    return min(1.0, math.exp(top) * math.fsum(math.exp(t - top) for t in terms))


def binomial_limit(n: int, p0: float, q: float) -> float:
    """The interpolated ``q``-quantile of Binomial(n, p0) as a share (Spiegelhalter A.1.1)."""
    if n < 1:
        raise ValueError(f"need n >= 1, got {n}")
    if not 0.0 <= p0 <= 1.0 or not 0.0 < q < 1.0:
        raise ValueError(f"need 0 <= p0 <= 1 and 0 < q < 1, got p0={p0}, q={q}")
    if p0 in (0.0, 1.0):
        return p0  # no variation at all
    # Walk up the distribution once: F(r) = F(r - 1) + P(R = r).
    log_p, log_q = math.log(p0), math.log1p(-p0)
    below, cdf, r = 0.0, math.exp(_log_pmf(0, n, log_p, log_q)), 0
    while cdf < q and r < n:
        r += 1
        below, cdf = cdf, cdf + math.exp(_log_pmf(r, n, log_p, log_q))
    cdf = min(cdf, 1.0)
    alpha = (cdf - q) / (cdf - below)
    return max(0.0, (r - alpha) / n)


@dataclass(frozen=True)
class Limits:
    """The control limits at one n."""

    n: int
    low95: float
    high95: float
    low998: float
    high998: float


def limits(n: int, p0: float) -> Limits:
    """The 95 % and 99.8 % limits around ``p0`` for ``n`` responses."""
    return Limits(
        n=n,
        low95=binomial_limit(n, p0, 0.025),
        high95=binomial_limit(n, p0, 0.975),
        low998=binomial_limit(n, p0, 0.001),
        high998=binomial_limit(n, p0, 0.999),
    )


class Position(StrEnum):
    """Where a unit lies against the limits."""

    ABOVE_998 = "above_99.8"
    ABOVE_95 = "above_95"
    WITHIN = "within"
    BELOW_95 = "below_95"
    BELOW_998 = "below_99.8"

    @property
    def outside(self) -> bool:
        """True outside the 95 % limits."""
        return self is not Position.WITHIN


@dataclass(frozen=True)
class FunnelUnit:
    """One agent or team on the funnel."""

    name: str
    n: int
    successes: int
    limits: Limits
    position: Position

    @property
    def share(self) -> float:
        """The unit's share (successes / n)."""
        return self.successes / self.n


@dataclass(frozen=True)
class Funnel:
    """A funnel plot's data: the target, the units, the limit curves."""

    #: The overall share: all units' successes over all their responses.
    target: float
    units: Sequence[FunnelUnit]
    #: The limits at a spread of n from 1 to the largest unit, for drawing.
    curve: Sequence[Limits]

    @property
    def outside(self) -> list[FunnelUnit]:
        """The units outside the 95 % limits."""
        return [unit for unit in self.units if unit.position.outside]


def _position(successes: int, n: int, p0: float) -> Position:
    """Where ``successes`` of ``n`` lie, by the exact binomial tails around ``p0``."""
    upper = 1.0 - _binomial_cdf(successes - 1, n, p0)  # P(R >= successes)
    lower = _binomial_cdf(successes, n, p0)  # P(R <= successes)
    if upper < LEVELS["99.8"]:
        return Position.ABOVE_998
    if upper < LEVELS["95"]:
        return Position.ABOVE_95
    if lower < LEVELS["99.8"]:
        return Position.BELOW_998
    if lower < LEVELS["95"]:
        return Position.BELOW_95
    return Position.WITHIN


def _spread(largest: int, points: int = 40) -> list[int]:
    """About ``points`` values of n from 1 to ``largest``, denser at small n."""
    if largest <= points:
        return list(range(1, largest + 1))
    ratio = largest ** (1 / (points - 1))
    return sorted({max(1, round(ratio**i)) for i in range(points)} | {largest})


def funnel(units: Iterable[tuple[str, int, int]], target: float | None = None) -> Funnel:
    """The funnel of ``units`` — ``(name, successes, n)`` — around ``target``
    (default: the pooled share of the units). Units with n = 0 are left out."""
    rows = [(name, s, n) for name, s, n in units if n > 0]
    for name, s, n in rows:
        if not 0 <= s <= n:
            raise ValueError(f"{name}: need 0 <= successes <= n, got {s}/{n}")
    if target is None:
        total = sum(n for _, _, n in rows)
        target = sum(s for _, s, _ in rows) / total if total else 0.0
    placed = []
    for name, s, n in rows:
        placed.append(FunnelUnit(name, n, s, limits(n, target), _position(s, n, target)))
    largest = max((n for _, _, n in rows), default=0)
    return Funnel(target, placed, [limits(n, target) for n in _spread(largest)])


@dataclass(frozen=True)
class PairedTest:
    """The exact McNemar test of one unit's discordant answers."""

    name: str
    #: Helped but not understood ("solution without empathy").
    helped_only: int
    #: Understood but not helped.
    understood_only: int
    #: Two-sided exact p-value (1.0 without discordant answers).
    p_value: float

    def flagged(self, alpha: float = 0.05) -> bool:
        """True when helped-only clearly exceeds understood-only at level ``alpha``."""
        return self.helped_only > self.understood_only and self.p_value < alpha


def mcnemar_exact(name: str, helped_only: int, understood_only: int) -> PairedTest:
    """The exact McNemar test: under "no difference" each discordant answer is
    helped-only with probability ½, so the two-sided p-value is twice the
    smaller binomial tail (at most 1)."""
    if helped_only < 0 or understood_only < 0:
        raise ValueError("counts must not be negative")
    discordant = helped_only + understood_only
    if discordant == 0:
        return PairedTest(name, 0, 0, 1.0)
    tail = _binomial_cdf(min(helped_only, understood_only), discordant, 0.5)
    return PairedTest(name, helped_only, understood_only, min(1.0, 2 * tail))
