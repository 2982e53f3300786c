"""csat.demo and ``csat demo``: the shape of the demo year, its determinism, and
the planted training effect found by the report's own comparison.

One month runs the full path (outbox, survey pages over HTTP, through the
CLI); the effect test runs the first nine and a half months for several seeds
in the fast mode (same data, answers recorded through the service).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, create_engine, func, select

from csat import metrics
from csat.cli import cli
from csat.demo import (
    AGENTS,
    DEFAULT_SEED,
    DEMO_SECRET_KEY,
    END,
    EVENT_WEEKS,
    PLANTED_EFFECT,
    TEAMS,
    TRAINING,
    TRAINING_TEAM,
    run_demo,
)
from csat.demo.population import ZONE
from csat.models import Event, Invitation, OptOut, Response
from csat.signals import response_submitted

SEED = 7
#: The default seed (the committed sample report) and the next two.
EFFECT_SEEDS = (DEFAULT_SEED, DEFAULT_SEED + 1, DEFAULT_SEED + 2)


@dataclass
class Month:
    """One demo month built by ``csat demo`` over the real pages."""

    engine: Engine
    output: str
    submitted: int
    outbox: Path


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Any:
    base = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{base / 'demo.db'}"
    submitted: list[object] = []

    def count(sender: object, **extra: object) -> None:
        submitted.append(sender)

    response_submitted.connect(count)
    try:
        args = ["demo", "--db", url, "--months", "1", "--seed", str(SEED)]
        result = CliRunner().invoke(cli, [*args, "--outbox", str(base / "outbox")])
    finally:
        response_submitted.disconnect(count)
    assert result.exit_code == 0, result.output
    engine = create_engine(url)
    yield Month(engine, result.output, len(submitted), base / "outbox")
    engine.dispose()


def _scalar(engine: Engine, query: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(query).scalar_one()


def _rows(engine: Engine, query: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(query).all())


def test_answers_come_through_the_survey_pages(month: Month) -> None:
    responses = _scalar(month.engine, select(func.count()).select_from(Response))
    assert responses > 250
    # Every stored response was submitted by the blueprint's POST (its signal fired).
    assert month.submitted == responses
    assert f"responses    {responses:,} via the survey pages" in month.output
    sent = _scalar(month.engine, select(func.count(Invitation.sent_at)))
    reminded = _scalar(month.engine, select(func.count(Invitation.reminded_at)))
    assert len(list(month.outbox.glob("*.eml"))) == sent + reminded
    assert 0.18 < responses / sent < 0.34  # about a quarter answer
    # Customers unsubscribed on the page: their opt-outs are stored.
    assert _scalar(month.engine, select(func.count()).select_from(OptOut)) > 12


def test_the_month_has_the_helpdesk_shape(month: Month) -> None:
    invitations = _rows(
        month.engine,
        select(Invitation.team, Invitation.agent, Invitation.channel, Invitation.category,
               Invitation.resolved_at, Invitation.reason, Invitation.status),
    )  # fmt: skip
    assert {r.team for r in invitations} == set(TEAMS)
    assert {r.agent for r in invitations} == {a.name for a in AGENTS}
    assert len(AGENTS) == 20
    assert {r.channel for r in invitations} == {"phone", "ticket", "chat"}
    assert {r.category for r in invitations} == {
        "password", "network", "printer", "hardware", "software", "access"
    }  # fmt: skip
    by_team = Counter(r.team for r in invitations)
    assert by_team[TEAMS[0]] > by_team[TEAMS[1]] > by_team[TEAMS[2]]
    field_channels = {r.channel for r in invitations if r.team == "Field Service"}
    assert field_channels == {"ticket", "phone"}  # nobody chats with a technician on site
    weekdays = Counter(r.resolved_at.astimezone(ZONE).weekday() for r in invitations)
    assert min(weekdays[d] for d in range(5)) > 4 * max(weekdays[5], weekdays[6])
    assert weekdays[0] > weekdays[4]  # Mondays busier than Fridays
    reasons = Counter(r.reason for r in invitations)
    for reason in ("delayed", "cooldown", "sampled_out", "opted_out", "excluded_address"):
        assert reasons[reason] > 0, reason
    assert Counter(r.status for r in invitations)["cancelled"] > 0  # reopened tickets


def test_answer_rates_and_comments_vary(month: Month) -> None:
    delivered = dict(
        _rows(
            month.engine,
            select(Invitation.agent, func.count())
            .where(Invitation.sent_at.is_not(None))
            .group_by(Invitation.agent),
        )
    )
    answered = dict(
        _rows(month.engine, select(Response.agent, func.count()).group_by(Response.agent))
    )
    rates = [answered.get(agent, 0) / n for agent, n in delivered.items()]
    assert max(rates) - min(rates) > 0.1
    texts = [t["comment"] for (t,) in _rows(month.engine, select(Response.texts)) if t]
    locales = Counter(_rows(month.engine, select(Response.locale)))
    assert len(locales) == 2
    assert len(set(texts)) > 40
    joined = "".join(texts)
    for needle in ("$", "%", "ü", "€"):
        assert needle in joined, needle
    assert re.search("[\U0001f300-\U0001faff]", joined)  # emoji


def test_refuses_a_database_that_is_in_use(month: Month) -> None:
    url = month.engine.url.render_as_string()
    result = CliRunner().invoke(cli, ["demo", "--db", url, "--months", "1"])
    assert result.exit_code == 1
    assert "already holds invitations" in result.output


def _year(engine: Engine) -> list[tuple[Any, ...]]:
    query = select(
        Response.answered_at, Response.team, Response.agent, Response.channel,
        Response.category, Response.locale, Response.answers, Response.texts,
        Response.understood_score, Response.helped_score,
    ).order_by(Response.answered_at, Response.agent)  # fmt: skip
    return [tuple(row) for row in _rows(engine, query)]


def test_the_same_seed_gives_the_same_year(month: Month, tmp_path: Path) -> None:
    years = []
    for run, seed in enumerate((SEED, SEED, SEED + 1)):
        url = f"sqlite:///{tmp_path / f'{run}.db'}"
        run_demo(url, seed=seed, months=1, fast=True)
        engine = create_engine(url)
        years.append(_year(engine))
        engine.dispose()
    assert years[0] == years[1]
    assert years[0] != years[2]
    # The fast mode stores exactly what the pages stored.
    assert years[0] == _year(month.engine)


@pytest.mark.parametrize("seed", EFFECT_SEEDS)
def test_the_report_finds_the_planted_training_effect(seed: int, tmp_path: Path) -> None:
    """The report's before/after comparison: 1st Level covers the effect, others do not move.

    Each part raises P(understood) of 1st-Level tickets by PLANTED_EFFECT. The
    parts are EVENT_WEEKS apart, so each part's comparison (EVENT_WEEKS before
    against EVENT_WEEKS after, by answer date) has exactly one part's increase
    between its windows: the planted size of each comparison is PLANTED_EFFECT.

    What to expect of other seeds (60 seeds, 1 to 60, measured): "excludes
    zero" held in all 120 comparisons, but "covers" and "no clear change" are
    95 % intervals doing their job: part 1 covered in 57 of 60 seeds, part 2
    in 57, the other teams showed no clear change in 231 of 240 comparisons.
    So about one seed in five fails one of its six checks (13 of 60; seeds 4
    and 5 among them: a 1st-Level estimate of +25 points, whose interval
    starts above +18). These seeds pin the pipeline (data, SQL windows, team
    filter, Newcombe) to the planted answer on a fixed, reproducible year.
    """
    url = f"sqlite:///{tmp_path / 'year.db'}"
    until = TRAINING[-1][1] + timedelta(weeks=EVENT_WEEKS + 1)  # the last window, and a week
    run_demo(url, seed=seed, months=12, fast=True, until=until)
    engine = create_engine(url)
    try:
        assert _scalar(engine, select(func.count()).select_from(Event)) == len(TRAINING)
        # Exactly what the October report shows on its Events page.
        report_year = (metrics.add_months(END.date(), -12), END.date())
        effects = metrics.event_effects(engine, *report_year, weeks=EVENT_WEEKS)
    finally:
        engine.dispose()
    assert [(e.name, e.day, e.team) for e in effects] == [
        (name, day, TRAINING_TEAM) for name, day in TRAINING
    ]
    for effect in effects:
        assert min(effect.before.understood.n, effect.after.understood.n) > 300
        change = effect.understood_change
        assert change is not None
        assert change.contains(PLANTED_EFFECT), (effect.name, change)
        assert not change.contains(0.0), (effect.name, change)  # a clear change
        assert {c.team for c in effect.controls} == set(TEAMS) - {TRAINING_TEAM}
        for control in effect.controls:
            assert min(control.before.understood.n, control.after.understood.n) > 40
            untrained = control.understood_change
            assert untrained is not None
            assert untrained.contains(0.0), (effect.name, control.team, untrained)


def test_the_training_parts_are_one_window_apart() -> None:
    (_, first), (_, second) = TRAINING
    assert (second - first).days == 7 * EVENT_WEEKS == 7 * metrics.DEFAULT_EVENT_WEEKS
    assert all(a.understood + 2 * PLANTED_EFFECT < 1 for a in AGENTS if a.team == TRAINING_TEAM)


def test_make_demo_reports_the_last_month_and_serve_opens_the_links() -> None:
    root = Path(__file__).resolve().parent.parent
    makefile = (root / "Makefile").read_text()
    last = metrics.add_months(END.date(), -1)
    assert f"DEMO_MONTH := {last:%Y-%m}" in makefile
    example = (root / "examples" / "helpdesk_app.py").read_text()
    assert "DEMO_SECRET_KEY" in example
    assert DEMO_SECRET_KEY.startswith("demo-only")
    assert date(2026, 10, 1) == last
