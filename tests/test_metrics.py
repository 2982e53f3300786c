"""csat.metrics on hand-made data, on every database; and SQL == Python on random data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from statistics import mean, stdev

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from csat import metrics
from csat.metrics import Share
from csat.metrics.stats import t_quantile
from csat.storage.models import Event, Invitation, Response
from tests.metrics_data import Row, add_responses, add_unanswered

OCT = date(2026, 10, 1)
D = datetime(2026, 10, 10, 12, 0, tzinfo=UTC)


def october(engine: Engine) -> None:
    add_responses(
        engine,
        [
            Row(D, 5, 5, 5, 2.0, team="A", agent="ana", channel="phone", category="net"),
            Row(D, 4, 2, 4, 3.0, team="A", agent="ana", channel="chat", category="net"),
            Row(D, 2, 5, 1, None, team="A", agent="ben", channel="phone", category=None),
            Row(
                datetime(2026, 10, 31, 23, 59, 59, 999000, tzinfo=UTC),
                3,
                3,
                None,
                6.0,
                team="B",
                agent="cem",
                channel="ticket",
                category="mail",
            ),
            # Outside October: the month before and the first instant after.
            Row(datetime(2026, 9, 30, 23, 59, tzinfo=UTC), 1, 1, 1, 7.0, team="A"),
            Row(datetime(2026, 11, 1, tzinfo=UTC), 1, 1, 1, 7.0, team="A"),
        ],
    )
    add_unanswered(engine, 2, datetime(2026, 10, 20, tzinfo=UTC), team="A")
    add_unanswered(engine, 3, None)  # never delivered: not counted


def test_month_summary_known_answers(engine: Engine) -> None:
    october(engine)
    s = metrics.month_summary(engine, date(2026, 10, 17))
    assert s.responses == 4
    assert s.understood == Share(2, 4)
    assert s.helped == Share(2, 4)
    assert s.csat == Share(2, 3)
    assert s.effort.n == 3
    assert s.effort.value == pytest.approx(11 / 3)
    assert (s.quadrants.both, s.quadrants.helped_only) == (1, 1)
    assert (s.quadrants.understood_only, s.quadrants.neither) == (1, 1)
    assert s.quadrants.share("both") == Share(1, 4)
    # Delivered in October: the 4 answered (sent an hour before), the one sent on
    # 31 October 23:00 and answered in November, and 2 unanswered.
    assert s.response_rate == Share(5, 7)
    assert s.not_understood == 2
    assert s.small  # 4 responses: below the default minimum n of 10


def test_share_intervals_and_change() -> None:
    share = Share(81, 263)
    assert share.value == pytest.approx(81 / 263)
    assert share.interval is not None
    assert round(share.interval.low, 4) == 0.2553
    change = Share(56, 70).change_from(Share(48, 80))
    assert change is not None
    assert (round(change.low, 4), round(change.high, 4)) == (0.0524, 0.3339)
    assert Share(0, 0).value is None
    assert Share(0, 0).interval is None


def test_empty_month(engine: Engine) -> None:
    s = metrics.month_summary(engine, OCT)
    assert s.responses == 0
    assert s.understood == Share(0, 0)
    assert s.effort.value is None
    assert s.response_rate == Share(0, 0)
    assert s.small
    assert not metrics.has_responses(engine)


def test_breakdowns_rank_only_groups_with_enough_responses(engine: Engine) -> None:
    october(engine)
    teams = metrics.breakdown(engine, OCT, "team", min_n=2)
    assert [(t.key, t.responses, t.small) for t in teams] == [("A", 3, False), ("B", 1, True)]
    assert teams[0].understood == Share(2, 3)
    agents = metrics.breakdown(engine, OCT, "agent", min_n=1)
    # ana 2/2 understood ranks above ben 0/1 and cem 0/1 (helped breaks the tie).
    assert [a.key for a in agents] == ["ana", "ben", "cem"]
    channels = metrics.breakdown(engine, OCT, "channel", min_n=10)
    assert [c.key for c in channels] == ["chat", "phone", "ticket"]  # all small: by name
    categories = {c.key: c.responses for c in metrics.breakdown(engine, OCT, "category")}
    assert categories == {"net": 2, "mail": 1, None: 1}
    assert metrics.breakdown(engine, OCT, "team", team="B")[0].key == "B"
    with pytest.raises(ValueError, match="cannot group by"):
        metrics.breakdown(engine, OCT, "locale")


def test_trend_covers_twelve_months(engine: Engine) -> None:
    october(engine)
    add_responses(engine, [Row(datetime(2025, 11, 1, tzinfo=UTC), 5, 1, None)])
    add_responses(engine, [Row(datetime(2025, 10, 31, tzinfo=UTC), 5, 5, 5)])  # too early
    points = metrics.trend(engine, OCT)
    assert [p.month for p in points][:2] == [date(2025, 11, 1), date(2025, 12, 1)]
    assert points[-1].month == OCT
    assert len(points) == 12
    by_month = {p.month: p.summary for p in points}
    assert by_month[date(2025, 11, 1)].understood == Share(1, 1)
    assert by_month[date(2025, 11, 1)].helped == Share(0, 1)
    assert by_month[date(2026, 9, 1)].responses == 1
    assert by_month[OCT].responses == 4
    assert by_month[OCT].response_rate == Share(5, 7)
    assert by_month[date(2026, 9, 1)].response_rate == Share(1, 1)
    assert by_month[date(2026, 3, 1)].responses == 0
    assert [p.summary.responses for p in metrics.trend(engine, OCT, months=2, team="B")] == [0, 1]
    last_two = metrics.trend(engine, OCT, rate_months=2)
    assert [p.summary.response_rate for p in last_two[-3:]] == [None, Share(1, 1), Share(5, 7)]
    assert all(p.summary.response_rate is None for p in metrics.trend(engine, OCT, rate_months=0))


def test_event_before_after(engine: Engine) -> None:
    day = date(2026, 10, 12)
    at = datetime(2026, 10, 12, tzinfo=UTC)
    add_responses(
        engine,
        [Row(at - timedelta(days=3), 2, 2, team="A") for _ in range(4)]
        + [Row(at + timedelta(days=2), 5, 5, team="A") for _ in range(3)]
        + [Row(at + timedelta(days=2), 2, 5, team="B")]
        + [Row(at + timedelta(days=8), 5, 5, team="A")],  # outside a one-week window
    )
    with Session(engine) as session, session.begin():
        session.add(Event(name="Training", date=day, team="A", created_at=at))
        session.add(Event(name="Too old", date=date(2025, 1, 1), team=None, created_at=at))
    (effect,) = metrics.event_effects(engine, date(2025, 11, 1), date(2026, 11, 1), weeks=1)
    assert (effect.name, effect.day, effect.team, effect.weeks) == ("Training", day, "A", 1)
    assert effect.before.understood == Share(0, 4)
    assert effect.after.understood == Share(3, 3)
    change = effect.understood_change
    assert change is not None
    assert change.estimate == 1.0
    assert change.low > 0
    assert effect.helped_change is not None
    # Team B, not concerned, over the same windows: nothing before, one answer after.
    (control,) = effect.controls
    assert (control.team, control.before.understood, control.after.understood) == (
        "B",
        Share(0, 0),
        Share(0, 1),
    )
    assert control.understood_change is None  # no data before: no comparison
    assert control.helped_change is None
    assert metrics.event_effects(engine, date(2025, 11, 1), date(2026, 11, 1), team="B") == []
    # A report on team A alone shows no other teams.
    (alone,) = metrics.event_effects(engine, date(2025, 11, 1), date(2026, 11, 1), team="A")
    assert alone.controls == ()


def test_comments_least_understood_first(engine: Engine) -> None:
    add_responses(
        engine,
        [
            Row(D, 5, 5, comment="all good"),
            Row(D, 1, 5, comment="nobody listened"),
            Row(D, 3, 3, comment="   "),
            Row(D, 2, 2, comment=None),
            Row(datetime(2026, 9, 1, tzinfo=UTC), 1, 1, comment="september"),
        ],
    )
    found = metrics.comments(engine, OCT)
    assert [c.text for c in found] == ["nobody listened", "all good"]
    assert found[0].understood_score == 1
    assert [c.text for c in metrics.comments(engine, OCT, limit=1)] == ["nobody listened"]


def test_month_report_gathers_everything(engine: Engine) -> None:
    october(engine)
    with Session(engine) as session:  # a session works as well as an engine
        report = metrics.month_report(session, OCT, min_n=2)
    assert report.current.responses == 4
    assert report.previous.responses == 1
    assert len(report.trend) == 12
    assert [t.key for t in report.teams] == ["A", "B"]
    assert not report.empty_database
    assert report.current == metrics.month_summary(engine, OCT, min_n=2)
    assert report.previous == metrics.month_summary(engine, date(2026, 9, 1), min_n=2)
    with pytest.raises(ValueError, match="at least 2 months"):
        metrics.month_report(engine, OCT, months=1)


def test_month_helpers() -> None:
    assert metrics.add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert metrics.add_months(date(2026, 12, 1), 1) == date(2027, 1, 1)
    assert metrics.month_bounds(date(2026, 2, 14)) == (
        datetime(2026, 2, 1, tzinfo=UTC),
        datetime(2026, 3, 1, tzinfo=UTC),
    )


# -- SQL == Python on random data ---------------------------------------------------

scores = st.one_of(st.none(), st.integers(1, 5))
rows = st.lists(
    st.tuples(
        scores,
        scores,
        scores,
        st.one_of(st.none(), st.sampled_from([1.0, 2.5, 4.0, 7.0])),
        st.sampled_from(["A", "B", "C"]),
        st.integers(-40, 70),  # days from 1 October: September to December
    ),
    max_size=25,
)


def top2(values: list[int | None]) -> Share:
    present = [v for v in values if v is not None]
    return Share(sum(v >= 4 for v in present), len(present))


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=rows)
def test_sql_aggregates_equal_python(engine: Engine, data: list[tuple]) -> None:  # type: ignore[type-arg]
    with engine.begin() as conn:
        conn.execute(delete(Response))
        conn.execute(delete(Invitation))
    start = datetime(2026, 10, 1, tzinfo=UTC)
    add_responses(
        engine,
        [Row(start + timedelta(days=d, hours=5), u, h, o, e, team=t) for u, h, o, e, t, d in data],
    )
    month = [r for r in data if 0 <= r[5] < 31]
    s = metrics.month_summary(engine, OCT)
    assert s.responses == len(month)
    assert s.understood == top2([r[0] for r in month])
    assert s.helped == top2([r[1] for r in month])
    assert s.csat == top2([r[2] for r in month])
    efforts = [r[3] for r in month if r[3] is not None]
    assert s.effort.n == len(efforts)
    assert s.effort.total == pytest.approx(sum(efforts))
    assert s.effort.squares == pytest.approx(sum(e * e for e in efforts))
    if len(efforts) >= 2:  # the t-interval's half width: t(0.975, n - 1) * s / sqrt(n)
        ci = s.effort.interval
        assert ci is not None
        half = t_quantile(0.975, len(efforts) - 1) * stdev(efforts) / len(efforts) ** 0.5
        assert (ci.low, ci.high) == pytest.approx((mean(efforts) - half, mean(efforts) + half))
    both = [r for r in month if r[0] is not None and r[1] is not None]
    assert s.quadrants.both == sum(r[0] >= 4 and r[1] >= 4 for r in both)
    assert s.quadrants.neither == sum(r[0] < 4 and r[1] < 4 for r in both)
    assert s.quadrants.n == len(both)
    assert s.response_rate == Share(len(month), len(month))
    teams = {t.key: t for t in metrics.breakdown(engine, OCT, "team")}
    assert set(teams) == {r[4] for r in month}
    for key, team in teams.items():
        mine = [r for r in month if r[4] == key]
        assert team.understood == top2([r[0] for r in mine])
        assert team.helped == top2([r[1] for r in mine])
    trend = {p.month: p.summary.responses for p in metrics.trend(engine, date(2026, 12, 1))}
    for month_start in (date(2026, 9, 1), OCT, date(2026, 11, 1), date(2026, 12, 1)):
        lo = (datetime.combine(month_start, datetime.min.time(), UTC) - start).days
        hi = (
            datetime.combine(metrics.add_months(month_start, 1), datetime.min.time(), UTC) - start
        ).days
        assert trend[month_start] == sum(lo <= r[5] < hi for r in data)
