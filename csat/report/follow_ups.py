"""Section 7 of the report: the follow-up cases of the month, overall and per team.

What a case is (the rule of :mod:`csat.follow_ups.rules`, its threshold taken
from there), the overall figures, a table per team, a sentence that says
what the figures mean, and how they are counted.
"""

from __future__ import annotations

from datetime import timedelta

from ..follow_ups.rules import THRESHOLD, Outcome
from ..metrics import FollowUpMonth, FollowUpSummary, MonthReport, Share
from .i18n import Words
from .layout import MUTED, Column, Document

#: Per-team rows shown before "… and n more".
MAX_TEAMS = 30


def duration(words: Words, value: timedelta | None) -> str:
    """``3 h 12 min`` / ``3 Std. 12 Min.``; days with one decimal from 48 hours on."""
    if value is None:
        return "–"
    minutes = round(value.total_seconds() / 60)
    hours, rest = divmod(minutes, 60)
    if hours >= 48:
        return words("fu_days", d=words.decimal(minutes / 1440))
    if hours == 0:
        return words("fu_minutes", m=rest)
    if rest == 0:
        return words("fu_hours", h=hours)
    return words("fu_hours_minutes", h=hours, m=rest)


def _hours(words: Words, value: timedelta) -> str:
    hours = value.total_seconds() / 3600
    return words.integer(round(hours)) if hours == round(hours) else words.decimal(hours)


def due_phrase(words: Words, due: tuple[timedelta, timedelta] | None) -> str:
    """When a case is due, from the month's cases: ``24 hours after opening``."""
    if due is None:
        return words("fu_due_setting")
    low, high = due
    if low != high:
        return words("fu_due_range", low=_hours(words, low), high=_hours(words, high))
    if low == timedelta(hours=1):
        return words("fu_due_hour")
    return words("fu_due_hours", h=_hours(words, low))


def _interval(words: Words, share: Share) -> str:
    interval = share.interval
    return "–" if interval is None else words.span(interval.low, interval.high)


def _meaning(words: Words, overall: FollowUpSummary) -> list[str]:
    """What the figures mean, in one or two plain sentences."""
    said = []
    due = overall.in_time
    if due.n:
        said.append(words("fu_late", share=words.percent((due.n - due.successes) / due.n)))
    outcomes = overall.outcomes
    if outcomes.closed:
        lost = outcomes.not_reachable + outcomes.declined
        said.append(
            words(
                "fu_resolved",
                share=words.percent(outcomes.resolved / outcomes.closed),
                lost=words.percent(lost / outcomes.closed),
            )
        )
    return said


def _overall_table(doc: Document, words: Words, overall: FollowUpSummary) -> None:
    dash = ""  # a count: no interval, no n of its own
    in_time = overall.in_time
    rows = [
        [words("fu_row_opened"), words.integer(overall.opened), dash, dash],
        [
            words("fu_row_in_time"),
            words.percent(in_time.value),
            _interval(words, in_time),
            words.integer(in_time.n),
        ],
        [
            words("fu_row_median"),
            duration(words, overall.median_first_contact),
            dash,
            words.integer(overall.contacted),
        ],
        [words("fu_row_never"), words.integer(overall.never_contacted), dash, dash],
    ]
    for outcome in Outcome:
        count = getattr(overall.outcomes, outcome.value)
        rows.append([words(f"fu_row_{outcome.value}"), words.integer(count), dash, dash])
    rows.append([words("fu_row_open"), words.integer(overall.open_at_end), dash, dash])
    rows.append([words("fu_row_overdue"), words.integer(overall.overdue_at_end), dash, dash])
    doc.table(
        [
            Column(words("metric"), 2.55),
            Column(words("value"), 1.25, "right"),
            Column(words("interval"), 1.5),
            Column(words("n"), 0.6, "right"),
        ],
        rows,
        size=9,
        whole=True,
    )


def _team_tables(doc: Document, words: Words, data: FollowUpMonth, min_n: int) -> None:
    teams = data.teams[:MAX_TEAMS]
    muted = [t.small for t in teams]
    flag = words("small", n=min_n)
    doc.table(
        [
            Column(words("team"), 0.95),
            Column(words("fu_col_opened"), 0.7, "right"),
            Column(words("fu_col_in_time"), 0.85, "right"),
            Column(words("interval"), 1.17),
            Column(words("n"), 0.4, "right"),
            Column(words("fu_col_contact"), 1.0, "right"),
            Column(words("fu_col_open"), 0.6, "right"),
            Column(words("fu_col_overdue"), 0.8, "right"),
            Column("", 0.4),
        ],
        [
            [
                t.key or words("none"),
                words.integer(t.opened),
                words.percent(t.in_time.value),
                _interval(words, t.in_time),
                words.integer(t.in_time.n),
                duration(words, t.median_first_contact),
                words.integer(t.open_at_end),
                words.integer(t.overdue_at_end),
                flag if t.small else "",
            ]
            for t in teams
        ],
        size=8,
        muted_rows=muted,
    )
    doc.table(
        [
            Column(words("team"), 0.95),
            *(Column(words(f"fu_col_{o.value}"), 1.0, "right") for o in Outcome),
            Column(words("fu_col_still_open"), 1.0, "right"),
        ],
        [
            [
                t.key or words("none"),
                *(words.integer(getattr(t.outcomes, o.value)) for o in Outcome),
                words.integer(t.opened - t.outcomes.closed),
            ]
            for t in teams
        ],
        size=8,
        muted_rows=muted,
    )
    if len(data.teams) > MAX_TEAMS:
        doc.paragraph(words("more_rows", n=len(data.teams) - MAX_TEAMS), size=8, color=MUTED)


def follow_ups_section(doc: Document, report: MonthReport, words: Words) -> None:
    """7: the cases opened in the month: in time, first contact, outcomes, backlog, per team."""
    doc.heading(words("s7"))
    data = report.follow_ups
    due = due_phrase(words, None if data is None else data.due)
    doc.paragraph(words("fu_rule", t=THRESHOLD, due=due), size=9.5)
    if data is None:
        return
    month = words.month(report.month)
    overall = data.overall
    if overall.opened == 0 and overall.open_at_end == 0:
        if data.needed:
            doc.paragraph(words("fu_none_needed", month=month, n=words.integer(data.needed)))
        else:
            doc.paragraph(words("fu_none", month=month))
        return
    for sentence in _meaning(words, overall):
        doc.paragraph(sentence, size=10)
    _overall_table(doc, words, overall)
    if overall.pending:
        date = words.date(data.as_of.date())
        doc.paragraph(
            words("fu_pending", date=date, n=words.integer(overall.pending)), size=8, color=MUTED
        )
    if data.teams:
        doc.need(1.2)
        _team_tables(doc, words, data, report.min_n)
    doc.paragraph(
        words("fu_how", date=words.date(data.as_of.date()), n=report.min_n), size=8, color=MUTED
    )
