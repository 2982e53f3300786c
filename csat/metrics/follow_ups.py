"""Follow-up cases by month: was every customer who needed a call back called back in time?

:func:`follow_up_month` counts the cases *opened* in a calendar month (UTC,
as every metric), overall and per team, judged as of a point in time
(``as_of``, the report's creation time):

* **closed within the due time**: closed at or before ``due_at``, out of the
  cases *decided* by ``as_of``: those closed by then, and those still not
  closed whose due time has passed (late). A case not closed and not yet due
  is *pending* and counted neither way;
* **time to first contact**: ``first_contact_at - opened_at``, its median over
  the cases with a first contact; the others were never contacted (yet);
* **outcomes** of the cases closed by ``as_of``;
* **open and overdue at the month's end**: every case opened before the end
  (in this month or earlier) and not closed by then, and of those, the ones
  whose due time had passed.

Each figure is one aggregate query with GROUP BY (the median: window
functions); the seconds between two times are the one piece of SQL that
differs by dialect (:class:`Seconds`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Double, and_, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from ..follow_ups.rules import THRESHOLD, Outcome, unsolved_choices
from ..storage.models import FollowUp, Response, SurveyVersion
from ..survey.model import Survey
from .queries import DEFAULT_MIN_N, Bind, _count_if, _rows, _window, month_bounds, month_start
from .types import FollowUpMonth, FollowUpSummary, Outcomes, Share


class Seconds(FunctionElement[float]):
    """``Seconds(start, end)``: the seconds from one datetime column to another, in SQL.

    ``julianday`` on SQLite, ``TIMESTAMPDIFF`` on MariaDB and MySQL,
    ``EXTRACT(EPOCH ...)`` elsewhere (PostgreSQL).
    """

    type = Double()
    name = "csat_seconds"
    inherit_cache = True


def _operands(element: Seconds, compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return start, end


@compiles(Seconds)
def _seconds(element: Seconds, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = _operands(element, compiler, **kw)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


@compiles(Seconds, "sqlite")
def _seconds_sqlite(element: Seconds, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = _operands(element, compiler, **kw)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


@compiles(Seconds, "mysql")
@compiles(Seconds, "mariadb")
def _seconds_mysql(element: Seconds, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = _operands(element, compiler, **kw)
    return f"(TIMESTAMPDIFF(MICROSECOND, {start}, {end}) / 1000000.0)"


def _cohort(
    start: datetime, end: datetime, as_of: datetime, team: str | None
) -> list[ColumnElement[bool]]:
    where = [FollowUp.opened_at >= start, FollowUp.opened_at < end, FollowUp.opened_at <= as_of]
    if team is not None:
        where.append(FollowUp.team == team)
    return where


def _medians(bind: Bind, where: list[ColumnElement[bool]], *, by_team: bool) -> dict[Any, float]:
    """The median seconds from opening to first contact, per team or (key ``None``) overall."""
    seconds = Seconds(FollowUp.opened_at, FollowUp.first_contact_at)
    partition = [FollowUp.team] if by_team else None
    ranked = (
        select(
            FollowUp.team,
            seconds.label("seconds"),
            func.row_number().over(partition_by=partition, order_by=seconds).label("rank"),
            func.count().over(partition_by=partition).label("size"),
        )
        .where(*where)
        .subquery()
    )
    # The middle row (odd size) or the two middle rows (even size): 2·rank in [size, size + 2].
    middle = (2 * ranked.c.rank >= ranked.c.size, 2 * ranked.c.rank <= ranked.c.size + 2)
    if not by_team:
        value = _rows(bind, select(func.avg(ranked.c.seconds)).where(*middle))[0][0]
        return {} if value is None else {None: float(value)}
    query = select(ranked.c.team, func.avg(ranked.c.seconds)).where(*middle)
    return {key: float(value) for key, value in _rows(bind, query.group_by(ranked.c.team))}


def callbacks_needed(bind: Bind, start: datetime, end: datetime, *, team: str | None = None) -> int:
    """Responses first given in ``[start, end)`` whose answers need a call back.

    The rule of :func:`csat.follow_ups.rules.reasons`: understood or helped at
    or below :data:`~csat.follow_ups.rules.THRESHOLD`, or a helped choice
    (``solved``) scored that low, read from the stored answers of each survey
    version the month's responses used.
    """
    versions = select(Response.survey_version).where(*_window(start, end, team)).distinct()
    definitions = select(SurveyVersion.fingerprint, SurveyVersion.definition).where(
        SurveyVersion.fingerprint.in_(versions)
    )
    needs: list[ColumnElement[bool]] = [
        Response.understood_score <= THRESHOLD,
        Response.helped_score <= THRESHOLD,
    ]
    for fingerprint, definition in _rows(bind, definitions.order_by(SurveyVersion.fingerprint)):
        survey = Survey.from_dict(definition, source=f"stored version {fingerprint[:12]}")
        for key, low in sorted(unsolved_choices(survey).items()):
            needs.append(
                and_(
                    Response.survey_version == fingerprint,
                    Response.answers[key].as_string().in_(sorted(low)),
                )
            )
    query = select(func.count()).where(*_window(start, end, team), or_(*needs))
    return int(_rows(bind, query)[0][0] or 0)


def _ranked(groups: list[FollowUpSummary]) -> list[FollowUpSummary]:
    """Teams with enough cases by closed-in-time share (best first), then small ones by name."""
    big = [g for g in groups if not g.small]
    small = [g for g in groups if g.small]
    big.sort(key=lambda g: (-(g.in_time.value or 0.0), g.key or ""))
    small.sort(key=lambda g: g.key or "")
    return big + small


def _summary(
    key: str | None,
    counts: list[int],
    median: float | None,
    backlog: tuple[int, int],
    min_n: int,
) -> FollowUpSummary:
    opened, decided, in_time, contacted, *outcomes = counts
    return FollowUpSummary(
        key=key,
        opened=opened,
        in_time=Share(in_time, decided),
        pending=opened - decided,
        contacted=contacted,
        median_first_contact=None if median is None else timedelta(seconds=round(median)),
        outcomes=Outcomes(**{o.value: n for o, n in zip(Outcome, outcomes, strict=True)}),
        open_at_end=backlog[0],
        overdue_at_end=backlog[1],
        small=opened < min_n,
    )


def follow_up_month(
    bind: Bind,
    month: date,
    *,
    as_of: datetime,
    team: str | None = None,
    min_n: int = DEFAULT_MIN_N,
) -> FollowUpMonth:
    """The follow-up cases opened in ``month``, overall and per team, judged at ``as_of``.

    A team with fewer than ``min_n`` cases opened is flagged ``small``: shown,
    never ranked. See the module's docstring for the definitions.
    """
    if as_of.tzinfo is None:
        raise ValueError("as_of must be an aware datetime")
    start, end = month_bounds(month)
    cohort = _cohort(start, end, as_of, team)
    closed = FollowUp.closed_at <= as_of
    due = Seconds(FollowUp.opened_at, FollowUp.due_at)
    counts = select(
        FollowUp.team,
        func.count(),
        _count_if(or_(closed, FollowUp.due_at <= as_of)),  # decided: closed, or due and late
        _count_if(and_(closed, FollowUp.closed_at <= FollowUp.due_at)),
        _count_if(FollowUp.first_contact_at <= as_of),
        *(_count_if(and_(closed, FollowUp.outcome == o.value)) for o in Outcome),
        func.min(due),
        func.max(due),
    ).where(*cohort)
    found, dues = {}, []
    for row in _rows(bind, counts.group_by(FollowUp.team)):
        found[row[0]] = [int(v or 0) for v in row[1:-2]]
        dues.append((float(row[-2]), float(row[-1])))
    # The backlog at the month's end (or at ``as_of``, for a month not over yet).
    at = min(end, as_of)
    backlog = select(FollowUp.team, func.count(), _count_if(FollowUp.due_at <= at)).where(
        FollowUp.opened_at < at, or_(FollowUp.closed_at.is_(None), FollowUp.closed_at > at)
    )
    if team is not None:
        backlog = backlog.where(FollowUp.team == team)
    open_at_end = {
        key: (int(n), int(late or 0))
        for key, n, late in _rows(bind, backlog.group_by(FollowUp.team))
    }
    contacted = [*cohort, FollowUp.first_contact_at <= as_of]
    medians = _medians(bind, contacted, by_team=True)
    none = [0] * (4 + len(Outcome))
    teams = [
        _summary(key, found.get(key, none), medians.get(key), open_at_end.get(key, (0, 0)), min_n)
        for key in found.keys() | open_at_end.keys()
    ]
    totals = [sum(column) for column in zip(none, *found.values(), strict=True)]
    overall_backlog = (
        sum(n for n, _ in open_at_end.values()),
        sum(late for _, late in open_at_end.values()),
    )
    overall_median = _medians(bind, contacted, by_team=False).get(None)
    return FollowUpMonth(
        month=month_start(month),
        as_of=as_of,
        overall=_summary(team, totals, overall_median, overall_backlog, min_n),
        teams=_ranked(teams),
        due=None
        if not dues
        else (
            timedelta(seconds=round(min(low for low, _ in dues))),
            timedelta(seconds=round(max(high for _, high in dues))),
        ),
        needed=callbacks_needed(bind, start, end, team=team),
    )
