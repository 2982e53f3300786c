"""Gather everything the monthly report shows in one call: :func:`month_report`."""

from __future__ import annotations

from datetime import date, datetime

from ..clock import ensure_aware, utcnow
from .follow_ups import follow_up_month
from .queries import (
    DEFAULT_EVENT_WEEKS,
    DEFAULT_MIN_N,
    Bind,
    add_months,
    agent_teams,
    breakdown,
    comments,
    event_effects,
    has_responses,
    month_start,
    trend,
)
from .types import MonthReport


def month_report(
    bind: Bind,
    month: date,
    *,
    team: str | None = None,
    min_n: int = DEFAULT_MIN_N,
    event_weeks: int = DEFAULT_EVENT_WEEKS,
    months: int = 12,
    comment_limit: int = 8,
    now: datetime | None = None,
) -> MonthReport:
    """The month's figures, the previous month's, trends, breakdowns, events, comments
    and follow-up cases (judged as of ``now``, default: the current time)."""
    if months < 2:
        raise ValueError("the report needs at least 2 months of trend")
    month = month_start(month)
    as_of = utcnow() if now is None else ensure_aware(now, "now")
    # The report shows response rates for this month and the previous one only.
    points = trend(bind, month, months=months, team=team, min_n=min_n, rate_months=2)
    return MonthReport(
        month=month,
        team=team,
        min_n=min_n,
        # The trend's last two months are this month and the one before: no second query.
        current=points[-1].summary,
        previous=points[-2].summary,
        trend=points,
        teams=breakdown(bind, month, "team", team=team, min_n=min_n),
        agents=breakdown(bind, month, "agent", team=team, min_n=min_n),
        channels=breakdown(bind, month, "channel", team=team, min_n=min_n),
        categories=breakdown(bind, month, "category", team=team, min_n=min_n),
        events=event_effects(
            bind,
            points[0].month,
            add_months(month, 1),
            team=team,
            weeks=event_weeks,
            min_n=min_n,
        ),
        comments=comments(bind, month, team=team, limit=comment_limit),
        empty_database=not has_responses(bind),
        follow_ups=follow_up_month(bind, month, as_of=as_of, team=team, min_n=min_n),
        agent_teams=agent_teams(bind, month, team=team),
    )
