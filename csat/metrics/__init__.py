"""Metrics as plain data: shares with Wilson intervals, computed in SQL.

Works without Flask and without matplotlib::

    from datetime import date
    from csat.metrics import month_summary, month_report
    summary = month_summary(engine, date(2026, 10, 1))
    summary.understood.value, summary.understood.interval, summary.understood.n
"""

from __future__ import annotations

from .follow_ups import callbacks_needed, follow_up_month
from .queries import (
    DEFAULT_EVENT_WEEKS,
    DEFAULT_MIN_N,
    GROUPS,
    Bind,
    add_months,
    agent_teams,
    breakdown,
    comments,
    event_effects,
    has_responses,
    month_bounds,
    month_start,
    month_summary,
    ranked,
    response_rate,
    summarize,
    teams,
    trend,
)
from .report_data import month_report
from .types import (
    QUADRANT_NAMES,
    Comment,
    Control,
    EventEffect,
    FollowUpMonth,
    FollowUpSummary,
    Mean,
    MonthPoint,
    MonthReport,
    Outcomes,
    Quadrants,
    Share,
    Summary,
)

__all__ = [
    "DEFAULT_EVENT_WEEKS",
    "DEFAULT_MIN_N",
    "GROUPS",
    "QUADRANT_NAMES",
    "Bind",
    "Comment",
    "Control",
    "EventEffect",
    "FollowUpMonth",
    "FollowUpSummary",
    "Mean",
    "MonthPoint",
    "MonthReport",
    "Outcomes",
    "Quadrants",
    "Share",
    "Summary",
    "add_months",
    "agent_teams",
    "breakdown",
    "callbacks_needed",
    "comments",
    "event_effects",
    "follow_up_month",
    "has_responses",
    "month_bounds",
    "month_report",
    "month_start",
    "month_summary",
    "ranked",
    "response_rate",
    "summarize",
    "teams",
    "trend",
]
