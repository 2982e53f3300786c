"""csat.demo and ``csat demo``: the shape of the demo year, its determinism, and
the planted training effect found by the report's own comparison.

One month runs the full path (outbox, survey pages over HTTP, through the
CLI); the effect test runs the first nine and a half months for several seeds
in the fast mode (same data, answers recorded through the service).
"""

from __future__ import annotations

import functools
import math
import multiprocessing
import os
import re
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, create_engine, func, select

from csat import metrics
from csat.cli.main import cli
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
from csat.demo.leads import leads_setting
from csat.demo.population import ZONE
from csat.demo.profiles import LEADS, Agent
from csat.metrics.compare import empathy_check, unit_funnels
from csat.metrics.funnel import Position, funnel, mcnemar_exact
from csat.metrics.stats import Interval
from csat.storage.models import (
    Event,
    FollowUp,
    FollowUpEntry,
    Invitation,
    LeadEmail,
    OptOut,
    Response,
)
from csat.web.signals import response_submitted

SEED = 7
#: Seeds of the planted-effect test: 1 to 6 in a row, not picked (the default is among them).
EFFECT_SEEDS = tuple(range(1, 7))


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
    leads = _scalar(month.engine, select(func.count(LeadEmail.sent_at)))
    assert len(list(month.outbox.glob("*.eml"))) == sent + reminded + leads
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


def test_answers_that_need_a_call_back_open_cases_the_leads_work(month: Month) -> None:
    engine = month.engine
    cases = _rows(
        engine,
        select(FollowUp.team, FollowUp.state, FollowUp.outcome, FollowUp.claimed_by,
               FollowUp.due_at, FollowUp.closed_at, FollowUp.first_contact_at),
    )  # fmt: skip
    # Every answer that needs a call back (the one rule) opened its case, through the pages.
    year = (END - timedelta(days=366), END + timedelta(days=31))
    needed = metrics.callbacks_needed(engine, *year)
    assert len(cases) == needed > 50
    closed = [c for c in cases if c.state == "closed"]
    assert len(closed) > 0.9 * len(cases)  # the last days' cases may still be open
    outcomes = Counter(c.outcome for c in closed)
    assert outcomes["resolved"] > 0.5 * len(closed)  # most: reached and resolved
    for few in ("not_resolved", "not_reachable", "declined"):
        assert 0 < outcomes[few] < 0.25 * len(closed), few
    in_time = sum(c.closed_at <= c.due_at for c in closed)
    assert 0.6 * len(closed) < in_time < len(closed)  # most in time, some overdue
    assert all(c.first_contact_at is not None for c in closed)
    # Each team's own lead claimed its cases.
    assert {(c.team, c.claimed_by) for c in closed} == {(t, n) for t, (n, _) in LEADS.items()}
    history = Counter(action for (action,) in _rows(engine, select(FollowUpEntry.action)))
    assert history["opened"] == len(cases)
    assert history["claimed"] >= len(closed)
    assert history["closed"] == len(closed)
    assert history["contacted"] >= len(closed)  # a note that records the call
    assert 0 < history["note"] < len(cases)  # sometimes a note before the call
    # CSAT_TEAM_LEADS: one email per new case to the team's lead, queued in the outbox.
    emails = _rows(engine, select(LeadEmail.recipient, FollowUp.team).join(FollowUp))
    assert len(emails) == len(cases)
    assert all(leads_setting()[team] == [address] for address, team in emails)
    assert f"follow-ups   {len(cases):,} cases, {len(closed):,} closed by the leads" in month.output
    # The outbox delivered them with the survey emails (csat send's one queue).
    sent = _scalar(engine, select(func.count(LeadEmail.sent_at)))
    assert sent == len(emails)
    assert f"{sent:,} lead emails sent" in month.output


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


def _cases(engine: Engine) -> list[tuple[Any, ...]]:
    """Every case's history: who did what on which ticket, when."""
    query = select(
        FollowUp.ticket_id, FollowUp.opened_at, FollowUpEntry.at, FollowUpEntry.actor,
        FollowUpEntry.action, FollowUpEntry.note, FollowUpEntry.outcome,
    ).join(FollowUpEntry)  # fmt: skip
    query = query.order_by(FollowUp.ticket_id, FollowUpEntry.at, FollowUpEntry.id)
    return [tuple(row) for row in _rows(engine, query)]


def test_the_same_seed_gives_the_same_year(month: Month, tmp_path: Path) -> None:
    years, cases = [], []
    for run, seed in enumerate((SEED, SEED, SEED + 1)):
        url = f"sqlite:///{tmp_path / f'{run}.db'}"
        run_demo(url, seed=seed, months=1, fast=True)
        engine = create_engine(url)
        years.append(_year(engine))
        cases.append(_cases(engine))
        engine.dispose()
    assert years[0] == years[1]
    assert years[0] != years[2]
    assert cases[0] == cases[1]
    assert cases[0] != cases[2]
    # The fast mode stores exactly what the pages stored, and the leads did the same.
    assert years[0] == _year(month.engine)
    assert cases[0] == _cases(month.engine)


@dataclass(frozen=True)
class Comparison:
    """One before/after comparison of understood %, as the report prints it."""

    seed: int
    event: str
    team: str
    trained: bool
    change: Interval


def _comparisons(seed: int, directory: Path) -> list[Comparison]:
    """Every comparison the October report's Events page makes for ``seed``."""
    url = f"sqlite:///{directory / f'year-{seed}.db'}"
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
    found = []
    for effect in effects:
        assert min(effect.before.understood.n, effect.after.understood.n) > 300
        assert {c.team for c in effect.controls} == set(TEAMS) - {TRAINING_TEAM}
        change = effect.understood_change
        assert change is not None
        found.append(Comparison(seed, effect.name, TRAINING_TEAM, True, change))
        for control in effect.controls:
            assert min(control.before.understood.n, control.after.understood.n) > 40
            untrained = control.understood_change
            assert untrained is not None
            found.append(Comparison(seed, effect.name, control.team, False, untrained))
    return found


@dataclass(frozen=True)
class Years:
    """The demo years of seeds 1 to 6 (to mid-August 2026) and their Events-page comparisons."""

    directory: Path
    comparisons: list[Comparison]

    def engine(self, seed: int) -> Engine:
        """An engine on ``seed``'s year."""
        return create_engine(f"sqlite:///{self.directory / f'year-{seed}.db'}")


@pytest.fixture(scope="module")
def years(tmp_path_factory: pytest.TempPathFactory) -> Years:
    """Seeds 1 to 6, built two demo years at a time."""
    directory = tmp_path_factory.mktemp("effect")
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        found = pool.map(_comparisons, EFFECT_SEEDS, [directory] * len(EFFECT_SEEDS))
        return Years(directory, [c for year in found for c in year])


@pytest.fixture(scope="module")
def comparisons(years: Years) -> list[Comparison]:
    """The Events-page comparisons of seeds 1 to 6."""
    return years.comparisons


def _allowed_misses(n: int, miss_rate: float = 0.05, alpha: float = 0.01) -> int:
    """The most misses of ``n`` 95 % intervals a correct pipeline exceeds with P < ``alpha``."""
    for k in range(n + 1):
        beyond = sum(
            math.comb(n, i) * miss_rate**i * (1 - miss_rate) ** (n - i) for i in range(k + 1, n + 1)
        )
        if beyond < alpha:
            return k
    return n


def test_allowed_misses_is_the_binomial_bound() -> None:
    assert [_allowed_misses(n) for n in (12, 24)] == [3, 4]  # P(4+ of 12) 0.2 %, P(5+ of 24) 0.6 %


def test_the_report_finds_the_planted_training_effect(comparisons: list[Comparison]) -> None:
    """The report's before/after comparison finds the planted effect, seed after seed.

    Each part raises P(understood) of 1st-Level tickets by PLANTED_EFFECT. The
    parts are EVENT_WEEKS apart, so each part's comparison (EVENT_WEEKS before
    against EVENT_WEEKS after, by answer date) has exactly one part's increase
    between its windows: the planted size of each comparison is PLANTED_EFFECT.

    The seeds are 1 to 6, not picked. The trained team's change must be clear
    (its interval excludes zero) in every comparison: over 60 seeds it was in
    120 of 120. "Covers the planted size" and "no clear change" for the
    untrained teams are 95 % intervals, which miss about one time in twenty
    whatever the sample size; so a few misses are allowed: at most as many as
    a correct pipeline exceeds with probability under 1 % (binomial, p = 0.05),
    while a wrong one (effect in the wrong team, windows off by a part, a
    biased estimate) misses most of them.
    """
    trained = [c for c in comparisons if c.trained]
    untrained = [c for c in comparisons if not c.trained]
    assert len(trained) == len(EFFECT_SEEDS) * len(TRAINING)
    assert len(untrained) == len(trained) * (len(TEAMS) - 1)
    assert [c for c in trained if c.change.contains(0.0)] == []  # always a clear change
    misses = [c for c in trained if not c.change.contains(PLANTED_EFFECT)]
    assert len(misses) <= _allowed_misses(len(trained)), misses
    estimates = [c.change.estimate for c in trained]
    assert abs(sum(estimates) / len(estimates) - PLANTED_EFFECT) < 0.03, estimates
    false_alarms = [c for c in untrained if not c.change.contains(0.0)]
    assert len(false_alarms) <= _allowed_misses(len(untrained)), false_alarms


def test_the_sample_report_tells_the_planted_story(comparisons: list[Comparison]) -> None:
    """The committed sample (DEFAULT_SEED): every Events row says what was planted."""
    sample = [c for c in comparisons if c.seed == DEFAULT_SEED]
    assert sample
    for c in sample:
        if c.trained:
            assert c.change.contains(PLANTED_EFFECT) and not c.change.contains(0.0), c
        else:
            assert c.change.contains(0.0), c


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


def test_emails_nobody_keeps_are_removed_batch_by_batch(tmp_path: Path) -> None:
    """Without --outbox the year's 27,000 emails never pile up (a small /dev/shm is enough)."""
    shm = Path("/dev/shm")  # noqa: S108 - where run_demo puts its temporary outbox on Linux
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        pytest.skip("no writable /dev/shm: the temporary outbox is elsewhere")
    before = set(shm.glob("csat-demo-outbox-*"))
    left: list[int] = []  # emails in the outbox at the start of each simulated day

    def count(days: int) -> None:
        for directory in set(shm.glob("csat-demo-outbox-*")) - before:
            left.append(len(list(directory.glob("*.eml"))))

    result = run_demo(f"sqlite:///{tmp_path / 'm.db'}", seed=SEED, months=1, progress=count)
    assert result.sent > 500
    assert len(left) >= 28  # the outbox existed all month
    assert max(left) == 0  # each send's files were removed once sent
    assert set(shm.glob("csat-demo-outbox-*")) == before


# -- the planted profiles, found by the report's comparisons -------------------------

#: The five months before the training: every agent's customers answer as the profile says.
PROFILE_MONTHS = tuple(metrics.add_months(date(2025, 11, 1), i) for i in range(5))
SOLVES, LISTENS, BETWEEN = "solves, leaves people unheard", "listens, solves less", "in between"
ABOVE = frozenset({Position.ABOVE_95, Position.ABOVE_998})
BELOW = frozenset({Position.BELOW_95, Position.BELOW_998})
BY_NAME = {agent.name: agent for agent in AGENTS}


@dataclass(frozen=True)
class Verdict:
    """One agent in one seed's monthly report: what the report says, what the profile predicts.

    Only agents the report compares (at least the minimum n of responses).
    """

    seed: int
    month: date
    agent: Agent
    #: Solution without empathy: the paired test flags helped only > understood only.
    without_empathy: bool
    p_without_empathy: float
    #: A listener's mark on the funnels: understood above or helped below the 95 % limits.
    listens: bool
    p_listens: float


@functools.cache
def _flags(helped_only: int, understood_only: int) -> bool:
    return mcnemar_exact("", helped_only, understood_only).flagged()


def _p_without_empathy(n: int, understood: float, helped: float) -> float:
    """P(the paired test flags an agent with ``n`` answers), each customer understood with
    probability ``understood`` and helped with ``helped``, independently, as the demo draws
    them: the multinomial of (helped only, understood only, the rest) summed over the flags."""
    ho, uo = helped * (1 - understood), understood * (1 - helped)
    rest = 1 - ho - uo
    return math.fsum(
        math.comb(n, a) * math.comb(n - a, b) * ho**a * uo**b * rest ** (n - a - b)
        for a in range(n + 1)
        for b in range(min(a, n - a + 1))  # b < a: only "more often helped" is flagged
        if _flags(a, b)
    )


@functools.cache
def _position(successes: int, n: int, target: float) -> Position:
    return funnel([("unit", successes, n)], target=target).units[0].position


def _p_outside(n: int, p: float, target: float, side: frozenset[Position]) -> float:
    """P(a unit with ``n`` answers, each a success with ``p``, lands on ``side`` of the
    funnel around ``target``)."""
    return math.fsum(
        math.comb(n, x) * p**x * (1 - p) ** (n - x)
        for x in range(n + 1)
        if _position(x, n, target) in side
    )


def _verdicts(years: Years, seed: int) -> list[Verdict]:
    """Every compared agent of ``seed``'s reports for PROFILE_MONTHS.

    The funnels' predictions take the month's overall share as given (an
    agent's own answers are about a twentieth of it).
    """
    engine = years.engine(seed)
    try:
        found = []
        for month in PROFILE_MONTHS:
            agents = metrics.breakdown(engine, month, "agent")
            check, funnels = empathy_check(agents), unit_funnels(agents)
            without_empathy = {t.name for t in check.without_empathy}
            up = {u.name for u in funnels.flagged("understood") if u.position in ABOVE}
            down = {u.name for u in funnels.flagged("helped") if u.position in BELOW}
            for group in agents:
                if group.small:
                    continue
                agent = BY_NAME[str(group.key)]
                up_p = _p_outside(
                    group.understood.n, agent.understood, funnels.understood.target, ABOVE
                )
                down_p = _p_outside(group.helped.n, agent.helped, funnels.helped.target, BELOW)
                found.append(
                    Verdict(
                        seed,
                        month,
                        agent,
                        agent.name in without_empathy,
                        _p_without_empathy(group.quadrants.n, agent.understood, agent.helped),
                        agent.name in up or agent.name in down,
                        1 - (1 - up_p) * (1 - down_p),
                    )
                )
        return found
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def verdicts(years: Years) -> list[Verdict]:
    """The compared agents of every pre-training monthly report of seeds 1 to 6."""
    return [v for seed in EFFECT_SEEDS for v in _verdicts(years, seed)]


def _count_bounds(chances: Sequence[float], alpha: float = 0.01) -> tuple[int, int]:
    """The fewest and the most flags, of independent events with these ``chances``, that a
    correct pipeline goes below or above with probability under ``alpha`` (each side)."""
    pmf = [1.0]  # Poisson binomial, one event at a time
    for p in chances:
        pmf = [a * (1 - p) + b * p for a, b in zip([*pmf, 0.0], [0.0, *pmf], strict=True)]
    low = next(k for k in range(len(pmf)) if math.fsum(pmf[: k + 1]) >= alpha)
    high = next(k for k in range(len(pmf)) if math.fsum(pmf[k + 1 :]) < alpha)
    return low, high


def test_count_bounds_are_the_binomial_ones_for_equal_chances() -> None:
    for n in (12, 24, 60):
        assert _count_bounds([0.05] * n)[1] == _allowed_misses(n)
    assert _count_bounds([0.5] * 20) == (5, 15)  # P(X <= 4) = P(X >= 16) = 0.59 %
    assert _count_bounds([1.0] * 5) == (5, 5)


def _by_profile(verdicts: Sequence[Verdict], profile: str) -> list[Verdict]:
    found = [v for v in verdicts if v.agent.profile == profile]
    assert len(found) > 40, profile  # enough monthly reports to judge
    return found


def test_the_paired_test_flags_the_planted_solvers_in_most_reports(
    verdicts: list[Verdict],
) -> None:
    """Solution without empathy in the monthly reports before the training, seeds 1 to 6.

    The agents planted as "solves, leaves people unheard" (understood 0.33 to
    0.46, helped 0.84 to 0.90) are flagged in most of the reports that compare
    them; the "in between" agents mostly not (their customers, too, are more
    often helped than understood, 0.70 to 0.80 against 0.47 to 0.72, so a
    flag for them is rare but not wrong); the listeners (understood above
    helped) almost never. Beyond that, each profile's count of flags must be
    what a correct pipeline gives: the chance of each flag follows exactly
    from the profile and the agent's n (the demo draws understood and helped
    independently), and the count must lie inside the central 98 % of the
    resulting Poisson binomial distribution, as the planted-effect test
    allows misses up to a 1 % tail. A test with the directions swapped, a
    wrong p-value or the wrong answers paired lands far outside.
    """
    for profile in (SOLVES, LISTENS, BETWEEN):
        mine = _by_profile(verdicts, profile)
        flagged = sum(v.without_empathy for v in mine)
        low, high = _count_bounds([v.p_without_empathy for v in mine])
        assert low <= flagged <= high, (profile, flagged, low, high, len(mine))
    solvers, between = _by_profile(verdicts, SOLVES), _by_profile(verdicts, BETWEEN)
    assert sum(v.without_empathy for v in solvers) > len(solvers) / 2
    assert sum(v.without_empathy for v in between) < len(between) / 4
    assert sum(v.without_empathy for v in _by_profile(verdicts, LISTENS)) <= 2


def test_the_funnels_flag_the_planted_listeners_in_most_seeds(verdicts: list[Verdict]) -> None:
    """The "listens, solves less" agents on the funnels, before the training, seeds 1 to 6.

    Their mark is understood above or helped below the 95 % limits. With about
    20 answers a month and helped 0.55 to 0.62 against about 0.76 overall, one
    monthly report catches them about half the time; within the five months
    of a seed, most of them are caught at least once, and the "in between"
    agents mostly not. Both the monthly counts and the per-seed counts must
    lie inside the central 98 % of their Poisson binomial distribution
    (chances from the profiles, as above).
    """
    for profile in (SOLVES, LISTENS, BETWEEN):
        mine = _by_profile(verdicts, profile)
        flagged = sum(v.listens for v in mine)
        low, high = _count_bounds([v.p_listens for v in mine])
        assert low <= flagged <= high, (profile, flagged, low, high, len(mine))
    per_seed: dict[tuple[int, str], list[Verdict]] = {}
    for v in verdicts:
        per_seed.setdefault((v.seed, v.agent.name), []).append(v)
    caught: dict[str, list[bool]] = {}
    chances: dict[str, list[float]] = {}
    for (_, name), months in per_seed.items():
        profile = BY_NAME[name].profile
        caught.setdefault(profile, []).append(any(v.listens for v in months))
        chances.setdefault(profile, []).append(1 - math.prod(1 - v.p_listens for v in months))
    for profile in (LISTENS, BETWEEN):
        low, high = _count_bounds(chances[profile])
        assert low <= sum(caught[profile]) <= high, (profile, caught[profile], low, high)
    assert sum(caught[LISTENS]) > len(caught[LISTENS]) / 2
    assert sum(caught[BETWEEN]) < len(caught[BETWEEN]) / 2
