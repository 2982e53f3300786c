"""Plain results of :mod:`csat.metrics`: frozen dataclasses, no database objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .stats import Interval, newcombe, t_interval, welch, wilson


@dataclass(frozen=True)
class Share:
    """``successes`` out of ``n`` with its 95 % Wilson interval (``None`` when n = 0)."""

    successes: int
    n: int

    @property
    def value(self) -> float | None:
        """The share (0..1), ``None`` without data."""
        return self.successes / self.n if self.n else None

    @property
    def interval(self) -> Interval | None:
        """The 95 % Wilson score interval."""
        return wilson(self.successes, self.n)

    def change_from(self, before: Share) -> Interval | None:
        """``self - before`` with Newcombe's hybrid score interval (method 10)."""
        return newcombe(self.successes, self.n, before.successes, before.n)


@dataclass(frozen=True)
class Mean:
    """A mean of ``n`` values (``None`` when n = 0), with their sum of squares for its interval."""

    total: float
    n: int
    squares: float = 0.0

    @property
    def value(self) -> float | None:
        """The mean, ``None`` without data."""
        return self.total / self.n if self.n else None

    @property
    def interval(self) -> Interval | None:
        """Student's 95 % t-interval (``None`` below n = 2)."""
        return t_interval(self.total, self.squares, self.n)

    def change_from(self, before: Mean) -> Interval | None:
        """``self - before`` with Welch's 95 % t-interval."""
        return welch(self.total, self.squares, self.n, before.total, before.squares, before.n)


@dataclass(frozen=True)
class Quadrants:
    """Responses with both an understood and a helped score, split four ways."""

    both: int = 0
    helped_only: int = 0
    understood_only: int = 0
    neither: int = 0

    @property
    def n(self) -> int:
        """Responses that have both scores."""
        return self.both + self.helped_only + self.understood_only + self.neither

    def share(self, name: str) -> Share:
        """The share of one quadrant (one of :data:`QUADRANT_NAMES`)."""
        if name not in QUADRANT_NAMES:
            raise ValueError(f"unknown quadrant {name!r}")
        return Share(int(getattr(self, name)), self.n)


QUADRANT_NAMES = ("both", "helped_only", "understood_only", "neither")


@dataclass(frozen=True)
class Summary:
    """The figures of one group (a month, a team, an agent ...)."""

    key: str | None
    responses: int
    understood: Share
    helped: Share
    csat: Share
    effort: Mean
    quadrants: Quadrants
    #: Responses answered, out of invitations delivered (only where asked for).
    response_rate: Share | None = None
    #: True when ``responses`` is below the minimum n: shown, never ranked.
    small: bool = False

    @property
    def not_understood(self) -> int:
        """Responses whose understood score is below top-2-box (1..3)."""
        return self.understood.n - self.understood.successes


@dataclass(frozen=True)
class MonthPoint:
    """One month of a trend."""

    month: date
    summary: Summary


class BeforeAfter:
    """The changes between a ``before`` and an ``after`` summary (after minus before)."""

    before: Summary
    after: Summary

    @property
    def understood_change(self) -> Interval | None:
        """Change in understood % with Newcombe's interval."""
        return self.after.understood.change_from(self.before.understood)

    @property
    def helped_change(self) -> Interval | None:
        """Change in helped % with Newcombe's interval."""
        return self.after.helped.change_from(self.before.helped)


@dataclass(frozen=True)
class Control(BeforeAfter):
    """A team an event did not concern, over the same before/after windows.

    If the event's team changed and these did not, the change is more likely
    the event's doing than the season's.
    """

    team: str
    before: Summary
    after: Summary


@dataclass(frozen=True)
class EventEffect(BeforeAfter):
    """An event's before/after comparison (after minus before)."""

    name: str
    day: date
    team: str | None
    before: Summary
    after: Summary
    weeks: int
    #: For an event of one team: every other team over the same windows.
    controls: tuple[Control, ...] = ()


@dataclass(frozen=True)
class Comment:
    """A verbatim customer comment (addresses not yet masked)."""

    text: str
    understood_score: int | None
    helped_score: int | None
    team: str
    channel: str


@dataclass(frozen=True)
class Outcomes:
    """How the closed cases ended (see :class:`csat.follow_ups.rules.Outcome`)."""

    resolved: int = 0
    not_resolved: int = 0
    not_reachable: int = 0
    declined: int = 0

    @property
    def closed(self) -> int:
        """Cases closed, whatever the outcome."""
        return self.resolved + self.not_resolved + self.not_reachable + self.declined


@dataclass(frozen=True)
class FollowUpSummary:
    """The follow-up cases of one group (all teams, or one) opened in a month.

    Judged as of a point in time (``as_of`` of :class:`FollowUpMonth`): a case
    is *in time* when it was closed by its due time; *late* when it was closed
    after it, or is still not closed once the due time has passed; *pending*
    while it is not closed and not yet due: counted neither way.
    """

    key: str | None
    #: Cases opened in the month.
    opened: int
    #: Closed by the due time, out of the cases decided (in time or late).
    in_time: Share
    #: Not closed and not yet due: in neither part of :attr:`in_time`.
    pending: int
    #: Cases with a first contact (an attempt to reach the customer) recorded.
    contacted: int
    #: The median of first contact minus opening, over :attr:`contacted`.
    median_first_contact: timedelta | None
    outcomes: Outcomes
    #: Cases (opened in this month or before) not closed at the month's end ...
    open_at_end: int
    #: ... and of those, the ones whose due time had passed.
    overdue_at_end: int
    #: True when ``opened`` is below the minimum n: shown, never ranked.
    small: bool = False

    @property
    def never_contacted(self) -> int:
        """Cases opened in the month with no attempt to reach the customer yet."""
        return self.opened - self.contacted


@dataclass(frozen=True)
class FollowUpMonth:
    """A month of follow-up cases, overall and per team (:func:`csat.metrics.follow_up_month`)."""

    month: date
    #: The time the cases are judged at (see :class:`FollowUpSummary`).
    as_of: datetime
    overall: FollowUpSummary
    #: Per team: those with enough cases by closed-in-time share, then the small ones.
    teams: list[FollowUpSummary]
    #: The shortest and the longest due time of the month's cases (``None``: no cases).
    due: tuple[timedelta, timedelta] | None
    #: Responses first given in the month whose answers need a call back now
    #: (:func:`csat.follow_ups.rules.reasons`), whether or not cases are kept.
    needed: int


@dataclass(frozen=True)
class MonthReport:
    """Everything the monthly report shows, as plain data."""

    month: date
    team: str | None
    min_n: int
    current: Summary
    previous: Summary
    trend: list[MonthPoint]
    teams: list[Summary]
    agents: list[Summary]
    channels: list[Summary]
    categories: list[Summary]
    events: list[EventEffect]
    comments: list[Comment] = field(default_factory=list)
    #: True when the database holds no response at all (a new installation).
    empty_database: bool = False
    #: The month's follow-up cases (:func:`csat.metrics.follow_up_month`).
    follow_ups: FollowUpMonth | None = None
    #: The teams each agent answered for this month, by name (usually one).
    agent_teams: dict[str, tuple[str, ...]] = field(default_factory=dict)
