"""The metrics of DESIGN.md ("Metrics"), computed by GROUP BY in the database.

Nothing here loads responses row by row: every function sends one aggregate
query (a handful for :func:`month_report`) and returns plain dataclasses
(:mod:`csat.metrics.types`). The same SQL runs on SQLite, PostgreSQL and
MariaDB: only COUNT, SUM and CASE, and month buckets as CASE over bound
UTC boundaries instead of dialect-specific date functions.

Months are calendar months in UTC. A response belongs to the month it was
first answered in; an invitation to the month it was delivered (``sent_at``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Select,
    and_,
    case,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from ..storage.models import Event, Invitation, Response
from .types import Comment, Control, EventEffect, Mean, MonthPoint, Quadrants, Share, Summary

Bind = Engine | Connection | Session
"""Where the queries run: an engine, a connection or an ORM session."""

#: Groupings a breakdown can use.
GROUPS: dict[str, Any] = {
    "team": Response.team,
    "agent": Response.agent,
    "channel": Response.channel,
    "category": Response.category,
}
DEFAULT_MIN_N = 10
DEFAULT_EVENT_WEEKS = 8


# -- months --------------------------------------------------------------------


def month_start(day: date) -> date:
    """The first day of ``day``'s month."""
    return date(day.year, day.month, 1)


def add_months(month: date, count: int) -> date:
    """The first day of the month ``count`` months after ``month`` (may be negative)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def at_midnight(day: date) -> datetime:
    """``day`` 00:00 UTC, aware."""
    return datetime.combine(day, time(), UTC)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """``[start, end)`` of ``month`` in UTC."""
    start = month_start(month)
    return at_midnight(start), at_midnight(add_months(start, 1))


# -- the aggregate columns -------------------------------------------------------


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((condition, 1), else_=0))


def _aggregates(c: Any) -> list[ColumnElement[Any]]:
    """Aggregate columns over a selectable with the response score columns ``c``."""
    u, h, o, e = c.understood_score, c.helped_score, c.overall_score, c.effort_score
    return [
        func.count(),
        _count_if(u >= 4),
        func.count(u),
        _count_if(h >= 4),
        func.count(h),
        _count_if(o >= 4),
        func.count(o),
        func.sum(e),
        func.count(e),
        func.sum(e * e),
        _count_if(and_(u >= 4, h >= 4)),
        _count_if(and_(h >= 4, u < 4)),
        _count_if(and_(u >= 4, h < 4)),
        _count_if(and_(u < 4, h < 4)),
    ]


def _summary(key: str | None, row: Sequence[Any], min_n: int) -> Summary:
    n, u, un, h, hn, o, on, e, en, e2, q1, q2, q3, q4 = (0 if v is None else v for v in row)
    return Summary(
        key=key,
        responses=int(n),
        understood=Share(int(u), int(un)),
        helped=Share(int(h), int(hn)),
        csat=Share(int(o), int(on)),
        effort=Mean(float(e), int(en), float(e2)),
        quadrants=Quadrants(int(q1), int(q2), int(q3), int(q4)),
        small=int(n) < min_n,
    )


def empty_summary(key: str | None = None, min_n: int = DEFAULT_MIN_N) -> Summary:
    """The summary of a group without responses."""
    return _summary(key, [0] * 14, min_n)


def _rows(bind: Bind, query: Select[Any] | Any) -> list[Any]:
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return list(conn.execute(query).all())
    return list(bind.execute(query).all())


def _window(start: datetime, end: datetime, team: str | None) -> list[ColumnElement[bool]]:
    where = [Response.answered_at >= start, Response.answered_at < end]
    if team is not None:
        where.append(Response.team == team)
    return where


# -- public API ----------------------------------------------------------------


def summarize(
    bind: Bind,
    start: datetime,
    end: datetime,
    *,
    team: str | None = None,
    min_n: int = DEFAULT_MIN_N,
) -> Summary:
    """The figures of all responses answered in ``[start, end)`` (optionally one team)."""
    query = select(*_aggregates(Response)).where(*_window(start, end, team))
    return _summary(team, _rows(bind, query)[0], min_n)


def response_rate(bind: Bind, start: datetime, end: datetime, *, team: str | None = None) -> Share:
    """Invitations delivered in ``[start, end)`` that were answered (at any time)."""
    query = (
        select(func.count(), func.count(Response.id))
        .select_from(Invitation)
        .outerjoin(Response, Response.invitation_id == Invitation.id)
        .where(Invitation.sent_at >= start, Invitation.sent_at < end)
    )
    if team is not None:
        query = query.where(Invitation.team == team)
    delivered, answered = _rows(bind, query)[0]
    return Share(int(answered or 0), int(delivered or 0))


def month_summary(
    bind: Bind, month: date, *, team: str | None = None, min_n: int = DEFAULT_MIN_N
) -> Summary:
    """One month's figures with its response rate."""
    start, end = month_bounds(month)
    summary = summarize(bind, start, end, team=team, min_n=min_n)
    rate = response_rate(bind, start, end, team=team)
    return Summary(**{**summary.__dict__, "response_rate": rate})


def ranked(groups: Sequence[Summary]) -> list[Summary]:
    """Groups with enough responses by understood % (best first), then small ones by name."""
    big = [g for g in groups if not g.small]
    small = [g for g in groups if g.small]
    big.sort(key=lambda g: (-(g.understood.value or 0.0), -(g.helped.value or 0.0), g.key or ""))
    small.sort(key=lambda g: g.key or "")
    return big + small


def breakdown(
    bind: Bind,
    month: date,
    by: str,
    *,
    team: str | None = None,
    min_n: int = DEFAULT_MIN_N,
) -> list[Summary]:
    """One month's figures per team, agent, channel or category (see :func:`ranked`)."""
    if by not in GROUPS:
        raise ValueError(f"cannot group by {by!r}; choose one of {', '.join(GROUPS)}")
    column = GROUPS[by]
    start, end = month_bounds(month)
    query = select(column, *_aggregates(Response)).where(*_window(start, end, team))
    query = query.group_by(column)
    return ranked([_summary(row[0], row[1:], min_n) for row in _rows(bind, query)])


def agent_teams(bind: Bind, month: date, *, team: str | None = None) -> dict[str, tuple[str, ...]]:
    """The teams each agent answered for in ``month``, by name (usually one)."""
    start, end = month_bounds(month)
    query = (
        select(Response.agent, Response.team)
        .where(*_window(start, end, team))
        .group_by(Response.agent, Response.team)
        .order_by(Response.agent, Response.team)
    )
    found: dict[str, tuple[str, ...]] = {}
    for agent, agent_team in _rows(bind, query):
        found[agent] = (*found.get(agent, ()), agent_team)
    return found


def teams(bind: Bind, start: date, end: date) -> list[str]:
    """The teams with responses from month ``start`` up to and including month ``end``."""
    since, _ = month_bounds(start)
    _, until = month_bounds(end)
    query = (
        select(Response.team)
        .where(Response.answered_at >= since, Response.answered_at < until)
        .group_by(Response.team)
        .order_by(Response.team)
    )
    return [str(row[0]) for row in _rows(bind, query)]


def _bucket(column: Any, boundaries: Sequence[datetime]) -> ColumnElement[Any]:
    """The index of the ``[boundaries[i], boundaries[i+1])`` that ``column`` falls in."""
    return case(*((column < b, i) for i, b in enumerate(boundaries[1:])), else_=None)


def trend(
    bind: Bind,
    month: date,
    *,
    months: int = 12,
    team: str | None = None,
    min_n: int = DEFAULT_MIN_N,
    rate_months: int | None = None,
) -> list[MonthPoint]:
    """The figures of the ``months`` months up to and including ``month``, oldest first.

    :param rate_months: compute the response rate only for this many last months
        (it joins invitations to responses); the others get ``None``. Default: all.
    """
    first = add_months(month_start(month), 1 - months)
    days = [add_months(first, i) for i in range(months + 1)]
    bounds = [at_midnight(d) for d in days]
    # One aggregate per month, as UNION ALL of index range scans: no sort of the
    # year's rows for a GROUP BY (SQLite would sort them all, in time and memory).
    months_query = union_all(
        *(
            select(literal_column(str(i)).label("bucket"), *_aggregates(Response)).where(
                *_window(bounds[i], bounds[i + 1], team)
            )
            for i in range(months)
        )
    )
    found = {int(row[0]): _summary(team, row[1:], min_n) for row in _rows(bind, months_query)}
    skip = 0 if rate_months is None else max(0, months - rate_months)
    rate_bounds = bounds[skip:]
    rates_inner = (
        select(
            _bucket(Invitation.sent_at, rate_bounds).label("bucket"),
            Response.id.label("response_id"),
        )
        .select_from(Invitation)
        .outerjoin(Response, Response.invitation_id == Invitation.id)
        .where(Invitation.sent_at >= rate_bounds[0], Invitation.sent_at < rate_bounds[-1])
    )
    if team is not None:
        rates_inner = rates_inner.where(Invitation.team == team)
    sub = rates_inner.subquery()
    rate_query = select(sub.c.bucket, func.count(), func.count(sub.c.response_id)).group_by(
        sub.c.bucket
    )
    rates = {}
    if len(rate_bounds) > 1:
        rates = {int(b) + skip: Share(int(a or 0), int(d)) for b, d, a in _rows(bind, rate_query)}
    points = []
    for i, day in enumerate(days[:-1]):
        summary = found.get(i, empty_summary(team, min_n))
        rate = rates.get(i, Share(0, 0)) if i >= skip else None
        points.append(MonthPoint(day, Summary(**{**summary.__dict__, "response_rate": rate})))
    return points


def event_effects(
    bind: Bind,
    since: date,
    until: date,
    *,
    team: str | None = None,
    weeks: int = DEFAULT_EVENT_WEEKS,
    min_n: int = DEFAULT_MIN_N,
) -> list[EventEffect]:
    """Events dated in ``[since, until)``: figures ``weeks`` before against ``weeks`` after.

    An event for one team compares that team only; with ``team`` given, only
    events for everyone or for that team are included.
    """
    query = select(Event.name, Event.date, Event.team).where(
        Event.date >= since, Event.date < until
    )
    if team is not None:
        query = query.where(or_(Event.team.is_(None), Event.team == team))
    effects = []
    span = timedelta(weeks=weeks)
    for name, day, event_team in _rows(bind, query.order_by(Event.date, Event.id)):
        at = at_midnight(day)
        scope = event_team if event_team is not None else team
        before = summarize(bind, at - span, at, team=scope, min_n=min_n)
        after = summarize(bind, at, at + span, team=scope, min_n=min_n)
        controls: tuple[Control, ...] = ()
        if event_team is not None and team is None:
            controls = _controls(bind, at - span, at, at + span, event_team, min_n)
        effects.append(EventEffect(name, day, event_team, before, after, weeks, controls))
    return effects


def _by_team(bind: Bind, start: datetime, end: datetime, min_n: int) -> dict[str, Summary]:
    query = select(Response.team, *_aggregates(Response)).where(*_window(start, end, None))
    rows = _rows(bind, query.group_by(Response.team))
    return {row[0]: _summary(row[0], row[1:], min_n) for row in rows}


def _controls(
    bind: Bind, start: datetime, at: datetime, end: datetime, event_team: str, min_n: int
) -> tuple[Control, ...]:
    """Every team but ``event_team`` over ``[start, at)`` and ``[at, end)``, by name."""
    before, after = _by_team(bind, start, at, min_n), _by_team(bind, at, end, min_n)
    return tuple(
        Control(
            key,
            before.get(key, empty_summary(key, min_n)),
            after.get(key, empty_summary(key, min_n)),
        )
        for key in sorted(before.keys() | after.keys())
        if key != event_team
    )


def comments(bind: Bind, month: date, *, team: str | None = None, limit: int = 8) -> list[Comment]:
    """Up to ``limit`` comments of the month; those who felt least understood first."""
    start, end = month_bounds(month)
    low_first = case((Response.understood_score.is_(None), 9), else_=Response.understood_score)
    query = (
        select(
            Response.texts,
            Response.understood_score,
            Response.helped_score,
            Response.team,
            Response.channel,
        )
        .where(*_window(start, end, team), Response.texts.is_not(None))
        .order_by(low_first, Response.answered_at.desc(), Response.id.desc())
        .limit(limit * 20)  # rows whose texts hold no comment are skipped below
    )
    found = []
    for texts, understood, helped, group, channel in _rows(bind, query):
        text = (texts or {}).get("comment") if isinstance(texts, dict) else None
        if isinstance(text, str) and text.strip():
            found.append(Comment(text, understood, helped, group, channel))
        if len(found) == limit:
            break
    return found


def has_responses(bind: Bind) -> bool:
    """True once any response is stored."""
    return bool(_rows(bind, select(Response.id).limit(1)))
