"""csat.metrics.follow_up_month on hand-counted cases, on every database; the count of
responses that need a call back; SQL == Python for the median on random cases."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete

from csat import metrics
from csat.follow_ups import THRESHOLD
from csat.metrics import Outcomes, Share
from csat.storage.models import FollowUp, Invitation
from tests.follow_up_data import AS_OF, OCTOBER, Case, H, add_cases, at
from tests.metrics_data import Row, add_responses

OCT = date(2026, 10, 1)


def test_known_month_overall(engine: Engine) -> None:
    add_cases(engine, OCTOBER)
    month = metrics.follow_up_month(engine, date(2026, 10, 17), as_of=AS_OF, min_n=2)
    assert month.month == OCT
    assert month.as_of == AS_OF
    overall = month.overall
    assert overall.key is None
    assert overall.opened == 6
    assert overall.in_time == Share(3, 5)  # the pending case counts neither way
    assert overall.pending == 1
    assert (overall.contacted, overall.never_contacted) == (4, 2)
    # Median of 1 h, 6 h, 13 h and 24 h.
    assert overall.median_first_contact == timedelta(hours=9, minutes=30)
    assert overall.outcomes == Outcomes(resolved=1, not_resolved=1, not_reachable=1, declined=1)
    assert overall.outcomes.closed == 4
    # At midnight on 1 November: the case of 31 October (A), the overdue one of
    # 25 October (A), the pending one (B) and September's open one (B).
    assert (overall.open_at_end, overall.overdue_at_end) == (4, 2)
    assert month.due == (24 * H, 48 * H)
    assert not overall.small


def test_known_month_per_team(engine: Engine) -> None:
    add_cases(engine, OCTOBER)
    month = metrics.follow_up_month(engine, OCT, as_of=AS_OF, min_n=2)
    a, b = month.teams
    assert (a.key, a.opened, a.in_time, a.pending, a.small) == ("A", 5, Share(3, 5), 0, False)
    assert a.median_first_contact == timedelta(hours=9, minutes=30)
    assert (a.open_at_end, a.overdue_at_end) == (2, 1)
    assert (b.key, b.opened, b.in_time, b.pending, b.small) == ("B", 1, Share(0, 0), 1, True)
    assert b.median_first_contact is None
    assert b.never_contacted == 1
    assert b.outcomes == Outcomes()
    assert (b.open_at_end, b.overdue_at_end) == (2, 1)
    # One team only: its figures, and its backlog alone.
    only = metrics.follow_up_month(engine, OCT, as_of=AS_OF, team="B", min_n=2)
    assert only.overall.key == "B"
    assert [t.key for t in only.teams] == ["B"]
    assert (only.overall.opened, only.overall.open_at_end) == (1, 2)
    assert only.due == (48 * H, 48 * H)


def test_judged_as_of_a_point_in_time(engine: Engine) -> None:
    add_cases(engine, OCTOBER)
    # On 1 November at 09:30 the case of 31 October was contacted, not yet closed
    # (and not yet due); the pending one is still pending.
    early = metrics.follow_up_month(engine, OCT, as_of=at(1, 9, 11) + H / 2).overall
    assert early.in_time == Share(2, 4)
    assert early.pending == 2
    assert early.outcomes.declined == 0
    assert early.contacted == 4
    # Mid-October: only what had happened by then, and the backlog then.
    mid = metrics.follow_up_month(engine, OCT, as_of=at(21, 0)).overall
    assert mid.opened == 3  # opened by 21 October
    assert mid.in_time == Share(2, 2)
    assert mid.pending == 1  # the case of 20 October, not yet due
    assert mid.outcomes == Outcomes(resolved=1, not_resolved=1)
    assert (mid.open_at_end, mid.overdue_at_end) == (2, 1)  # 20 October's and September's
    assert mid.small  # below the default minimum of 10
    with pytest.raises(ValueError, match="aware"):
        metrics.follow_up_month(engine, OCT, as_of=datetime(2026, 11, 2))


def test_a_month_without_cases(engine: Engine) -> None:
    month = metrics.follow_up_month(engine, OCT, as_of=AS_OF)
    assert month.teams == []
    assert month.due is None
    assert month.needed == 0
    o = month.overall
    assert (o.opened, o.in_time, o.pending, o.contacted) == (0, Share(0, 0), 0, 0)
    assert o.median_first_contact is None
    assert o.outcomes == Outcomes()
    assert (o.open_at_end, o.overdue_at_end) == (0, 0)


def test_teams_are_ranked_by_closed_in_time_small_ones_after(engine: Engine) -> None:
    cases = [Case("Slow", at(3, 9), at(5, 9), at(5, 9), "resolved") for _ in range(3)]
    cases += [Case("Quick", at(3, 9), at(3, 10), at(3, 10), "resolved") for _ in range(3)]
    cases += [Case("Alpha", at(3, 9), at(3, 10), at(3, 10), "resolved")]
    add_cases(engine, cases)
    month = metrics.follow_up_month(engine, OCT, as_of=AS_OF, min_n=3)
    assert [(t.key, t.small) for t in month.teams] == [
        ("Quick", False),
        ("Slow", False),
        ("Alpha", True),
    ]
    assert month.overall.in_time == Share(4, 7)
    # Three medians of 48 h and four of 1 h: the median is 1 h.
    assert month.overall.median_first_contact == H


def test_callbacks_needed_is_the_one_definition(engine: Engine) -> None:
    d = at(12, 10)
    add_responses(
        engine,
        [
            Row(d, THRESHOLD, 5, team="A"),  # not understood
            Row(d, THRESHOLD + 1, THRESHOLD + 1, team="A"),  # 3 and 3: no call back
            Row(d, 5, 3, team="A", answers={"solved": "no", "helped": 5}),  # not solved
            Row(d, 5, 3, team="A", answers={"solved": "partly", "helped": 3}),  # partly: no
            Row(d, 5, 1, team="B"),  # not helped
            Row(d, None, THRESHOLD, team="B"),
            Row(at(30, 10, 9), 1, 1),  # September
        ],
    )
    start, end = metrics.month_bounds(OCT)
    assert metrics.callbacks_needed(engine, start, end) == 4
    assert metrics.callbacks_needed(engine, start, end, team="B") == 2
    assert metrics.follow_up_month(engine, OCT, as_of=AS_OF, team="A").needed == 2


def test_month_report_carries_the_follow_ups(engine: Engine) -> None:
    add_cases(engine, OCTOBER)
    report = metrics.month_report(engine, OCT, now=AS_OF, min_n=2)
    assert report.follow_ups == metrics.follow_up_month(engine, OCT, as_of=AS_OF, min_n=2)


# -- SQL == Python on random cases ---------------------------------------------------

minutes = st.integers(0, 6 * 24 * 60)
cases = st.lists(
    st.tuples(
        st.sampled_from(["A", "B"]),
        st.integers(0, 30 * 24 - 1),  # hours after 1 October
        st.one_of(st.none(), minutes),  # minutes to first contact
        st.one_of(st.none(), minutes),  # minutes from first contact to closing
    ),
    max_size=20,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=cases)
def test_sql_equals_python(engine: Engine, data: list[tuple]) -> None:  # type: ignore[type-arg]
    with engine.begin() as conn:
        conn.execute(delete(FollowUp))
        conn.execute(delete(Invitation))
    start = at(1)
    written = []
    for team, hours, contact, close in data:
        opened = start + hours * H
        contacted = None if contact is None else opened + timedelta(minutes=contact)
        closed = (
            None if contacted is None or close is None else contacted + timedelta(minutes=close)
        )
        written.append(Case(team, opened, contacted, closed, closed and "resolved"))
    if written:
        add_cases(engine, written)
    as_of = datetime(2026, 11, 3, tzinfo=UTC)
    month = metrics.follow_up_month(engine, OCT, as_of=as_of, min_n=1)
    for key, summary in [(None, month.overall), *((t.key, t) for t in month.teams)]:
        mine = [c for c in written if key is None or c.team == key]
        reached = [c for c in mine if c.contact is not None and c.contact <= as_of]
        closed = [c for c in mine if c.closed is not None and c.closed <= as_of]
        decided = [c for c in mine if c in closed or c.opened + c.due <= as_of]
        assert summary.opened == len(mine)
        assert summary.in_time.n == len(decided)
        in_time = [c for c in closed if c.closed is not None and c.closed <= c.opened + c.due]
        assert summary.in_time.successes == len(in_time)
        assert summary.contacted == len(reached)
        if reached:
            expected = statistics.median((c.contact - c.opened).total_seconds() for c in reached)
            assert summary.median_first_contact == timedelta(seconds=round(expected))
        else:
            assert summary.median_first_contact is None
    assert {t.key for t in month.teams} == {c.team for c in written}
