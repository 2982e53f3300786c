"""A month's agents and teams compared without a league table (issue 17).

Plain functions over the summaries :func:`~csat.metrics.month_report` already
holds, so the report and any other view show the same verdicts:

* :func:`unit_funnels` -- each unit's understood % and helped % on a funnel
  plot around the share of all units together (:mod:`csat.metrics.funnel`).
* :func:`empathy_check` -- "solution without empathy": per agent, the exact
  McNemar test of their customers' paired answers, helped only against
  understood only.

Units with fewer responses than the minimum n are drawn but never flagged,
as everywhere in csat. Units without a key (responses with no agent) are left
out: there is nobody to compare.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .funnel import Funnel, FunnelUnit, PairedTest, funnel, mcnemar_exact
from .types import Summary

#: The paired test's two-sided level.
ALPHA = 0.05


@dataclass(frozen=True)
class UnitFunnels:
    """The funnels of understood % and helped % for one kind of unit (teams or agents)."""

    understood: Funnel
    helped: Funnel
    #: Units with fewer responses: drawn, never flagged.
    small: frozenset[str]

    def flagged(self, measure: str) -> list[FunnelUnit]:
        """The units outside the 95 % limits of ``measure`` (``"understood"`` or ``"helped"``),
        leaving out small ones, in name order."""
        found = getattr(self, measure).outside
        return sorted((u for u in found if u.name not in self.small), key=lambda u: u.name)

    @property
    def compared(self) -> int:
        """Units with enough responses on either funnel: those that can be flagged."""
        names = {u.name for u in self.understood.units} | {u.name for u in self.helped.units}
        return len(names - self.small)

    @property
    def within(self) -> int:
        """Units with enough responses inside the 95 % limits of both measures."""
        outside = {u.name for m in ("understood", "helped") for u in self.flagged(m)}
        return self.compared - len(outside)


def unit_funnels(groups: Sequence[Summary]) -> UnitFunnels:
    """The understood and helped funnels of ``groups`` (teams or agents of one month)."""
    keyed = [g for g in groups if g.key is not None]
    return UnitFunnels(
        understood=funnel((str(g.key), g.understood.successes, g.understood.n) for g in keyed),
        helped=funnel((str(g.key), g.helped.successes, g.helped.n) for g in keyed),
        small=frozenset(str(g.key) for g in keyed if g.small),
    )


@dataclass(frozen=True)
class EmpathyCheck:
    """The paired test of every agent with enough responses, by name."""

    tests: tuple[PairedTest, ...]
    #: Agents with fewer responses than the minimum n: not tested.
    untested: int
    alpha: float = ALPHA

    @property
    def without_empathy(self) -> list[PairedTest]:
        """Clearly more often helped than understood: solution without empathy."""
        return [t for t in self.tests if t.flagged(self.alpha)]

    @property
    def without_solution(self) -> list[PairedTest]:
        """Clearly more often understood than helped: they listen, but solve less."""
        return [
            t for t in self.tests if t.understood_only > t.helped_only and t.p_value < self.alpha
        ]

    @property
    def by_chance(self) -> float:
        """How many agents the test flags (either way) when none differs: at most this many
        on average, as the exact test is conservative."""
        return self.alpha * len(self.tests)


def empathy_check(agents: Sequence[Summary], alpha: float = ALPHA) -> EmpathyCheck:
    """Each agent's helped-only against understood-only answers, by the exact McNemar test."""
    keyed = sorted((a for a in agents if a.key is not None), key=lambda a: str(a.key))
    tests = tuple(
        mcnemar_exact(str(a.key), a.quadrants.helped_only, a.quadrants.understood_only)
        for a in keyed
        if not a.small
    )
    return EmpathyCheck(tests, sum(a.small for a in keyed), alpha)
