"""Run the demo year through csat's real paths: :func:`run_demo`.

A simulated clock moves through the year. Every hour the helpdesk hands the
hour's resolved tickets to :meth:`~csat.SurveyService.invite_many` (delay,
sampling, cooldown, opt-out and exclusion rules apply); a sender drains the
outbox every two hours into a :class:`~csat.delivery.DirectorySender`;
customers open the one-click link from their email on the survey page and
submit the form over HTTP (Flask's test client against the real blueprint,
CSRF token and all) or unsubscribe there. Answers that need a call back open
follow-up cases, and the team leads work them (:mod:`csat.demo.leads`).
Nothing is written to the database except through csat's API.

``fast=True`` skips sending and HTTP and records the same answers through
:meth:`~csat.SurveyService.record`: the same data, minus emails and page
views, for statistical tests over many seeds.
"""

from __future__ import annotations

import heapq
import os
import random
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from ..clock import FixedClock
from ..errors import CSATError
from ..invitations.invite import InviteRequest, InviteResult
from ..links import one_click_url, unsubscribe_url
from ..metrics import add_months
from ..service import SurveyService
from ..storage.migrate import upgrade
from . import leads
from .answers import answers
from .population import ZONE, Ticket, activity_weights, customers, day_tickets
from .profiles import DEFAULT_SEED, END, TAIL_DAYS, TRAINING, TRAINING_TEAM, training_boost

#: The secret of the demo's survey links; ``make serve`` (examples/helpdesk_app.py) uses it too.
DEMO_SECRET_KEY = "demo-only-secret-key-do-not-use-in-production"  # noqa: S105 - public on purpose
#: Where ``make serve`` mounts the survey pages.
DEMO_BASE_URL = "http://127.0.0.1:5000/feedback"
#: The sender's runs, local time.
SEND_HOURS = tuple(range(6, 23, 2))
#: Share of tickets reopened within the hour (their pending invitation is cancelled).
REOPEN_RATE = 0.015
#: Share of customers who do not answer but click "No more surveys for me".
UNSUBSCRIBE_RATE = 0.012
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class DemoError(CSATError):
    """The demo cannot run (e.g. the database is not empty) or a page misbehaved."""


@dataclass
class DemoResult:
    """What the demo year did."""

    first_day: date
    last_day: date  #: the last day with tickets
    tickets: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    reopened: int = 0
    sent: int = 0
    reminded: int = 0
    expired: int = 0
    failed: int = 0
    responses: int = 0
    comments: int = 0
    unsubscribed: int = 0
    events: list[tuple[str, date, str]] = field(default_factory=list)
    #: Follow-up cases: ``opened``, ``in_time`` (closed by the due time), ``open``
    #: at the end, and one count per outcome.
    cases: Counter[str] = field(default_factory=Counter)
    #: Emails to the team leads about new cases, sent through the outbox.
    lead_emails: int = 0

    @property
    def last_month(self) -> date:
        """The last complete calendar month of the demo year (its first day)."""
        month = date(self.last_day.year, self.last_day.month, 1)
        complete = (self.last_day + timedelta(days=1)).month != self.last_day.month
        return month if complete else add_months(month, -1)


@dataclass(order=True)
class _Action:
    when: datetime
    order: int  # at the same time: invite (0), send (1), customer (2), lead (3)
    seq: int
    kind: str = field(compare=False)
    data: Any = field(compare=False, default=None)


def _send_slot(due: datetime) -> datetime:
    """The first sender run at or after ``due``."""
    local = due.astimezone(ZONE)
    for offset in range(3):
        day = local.date() + timedelta(days=offset)
        for hour in SEND_HOURS:
            slot = datetime.combine(day, time(hour), ZONE)
            if slot >= due:
                return slot.astimezone(due.tzinfo)
    raise AssertionError("no send slot within three days")  # pragma: no cover


def _answer_lag(rng: random.Random) -> timedelta:
    """How long after the email a customer answers: soon, next day, or after the reminder."""
    roll = rng.random()
    if roll < 0.55:
        return timedelta(minutes=rng.uniform(5, 360))
    if roll < 0.8:
        return timedelta(hours=rng.uniform(6, 40))
    return timedelta(days=3, hours=rng.uniform(2, 48))


def _demo_app(service_url: str, clock: FixedClock) -> Any:
    from flask import Flask

    from ..web import CSAT

    app = Flask("csat_demo")
    app.config.update(
        SECRET_KEY="demo-only-flask-secret",  # noqa: S106 - the demo's own session
        CSAT_SECRET_KEY=DEMO_SECRET_KEY,
        CSAT_DATABASE_URL=service_url,
        CSAT_BASE_URL=DEMO_BASE_URL,
        CSAT_URL_PREFIX="/feedback",
        CSAT_SAMPLING_RATE=0.9,
        CSAT_EXCLUDE_ADDRESSES="*@helpdesk.example.com",
        CSAT_MAIL_FROM="IT-Support <it-support@example.com>",
        CSAT_DEFAULT_LOCALE="de",
        CSAT_TEAM_LEADS=leads.leads_setting(),
    )
    CSAT(app, clock=clock)
    return app


class _Simulation:
    def __init__(
        self, app: Any, clock: FixedClock, outbox: Path, fast: bool, seed: int, keep: bool
    ) -> None:
        from ..delivery import DirectorySender
        from ..web import get_service

        self.app = app
        self.clock = clock
        self.fast = fast
        self.service: SurveyService = get_service(app)
        self.outbox = outbox
        self.keep = keep  # the emails; else each batch is removed once sent
        self.sender = DirectorySender(outbox)
        self.client = app.test_client()
        self.rng = random.Random(seed)  # noqa: S311 - a reproducible simulation, not secrets
        # The leads' own stream: adding them changed none of the year's answers.
        self.leads_rng = random.Random(f"csat-demo-leads-{seed}")  # noqa: S311
        self.seen: set[int] = set()  # cases a lead has planned work for
        self.queue: list[_Action] = []
        self.seq = 0

    def push(self, when: datetime, order: int, kind: str, data: Any = None) -> None:
        self.seq += 1
        heapq.heappush(self.queue, _Action(when, order, self.seq, kind, data))

    # -- the customer, on the survey pages ------------------------------------

    def _page(self, url: str) -> tuple[str, str]:
        path = url.removeprefix(DEMO_BASE_URL.removesuffix("/feedback"))
        page = self.client.get(path)
        found = _CSRF.search(page.get_data(as_text=True))
        if page.status_code != 200 or found is None:
            raise DemoError(f"GET {path}: status {page.status_code}, no form")
        return path, found.group(1)

    def answer(self, result: InviteResult, form: dict[str, str]) -> None:
        assert result.token is not None
        if self.fast:
            self.service.record(result.token, dict(form))
            return
        link = one_click_url(DEMO_BASE_URL, result.token, "understood", form["understood"])
        path, csrf = self._page(link)  # the one-click link from the email
        posted = self.client.post(path.split("?")[0], data={**form, "csrf_token": csrf})
        if posted.status_code != 303:
            raise DemoError(f"POST {path}: status {posted.status_code}")

    def unsubscribe(self, result: InviteResult) -> None:
        assert result.token is not None
        if self.fast:
            self.service.unsubscribe(result.token)
            return
        path, csrf = self._page(unsubscribe_url(DEMO_BASE_URL, result.token))
        posted = self.client.post(path, data={"csrf_token": csrf})
        if posted.status_code != 303:
            raise DemoError(f"POST {path}: status {posted.status_code}")


def run_demo(
    db_url: str,
    *,
    seed: int = DEFAULT_SEED,
    months: int = 12,
    outbox: str | Path | None = None,
    fast: bool = False,
    until: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> DemoResult:
    """Build a helpdesk year ending October 2026 on ``db_url`` (an empty database).

    :param seed: everything random follows ``random.Random(seed)``.
    :param months: how many months up to October 2026.
    :param outbox: where the emails go (``.eml`` files); default: a temporary
        directory, removed afterwards.
    :param fast: record answers through the service instead of the pages, send nothing.
    :param until: end the year early: no tickets from this day on (tests).
    :param progress: called with 1 per simulated day.
    """
    if months < 1:
        raise DemoError("months must be at least 1")
    upgrade(db_url)
    start = datetime.combine(add_months(END.date(), -months), time(), END.tzinfo)
    clock = FixedClock(start)
    app = _demo_app(db_url, clock)
    with _outbox_dir(outbox) as directory:
        sim = _Simulation(app, clock, directory, fast, seed, keep=outbox is not None)
        _require_empty(sim.service)
        end = END if until is None else min(END, datetime.combine(until, time(), END.tzinfo))
        return _run(sim, start, end, progress)


@contextmanager
def _outbox_dir(outbox: str | Path | None) -> Iterator[Path]:
    if outbox is not None:
        yield Path(outbox)
        return
    # Emails nobody keeps go to memory where there is a tmpfs (Linux), one batch at a time.
    shm = Path("/dev/shm")  # noqa: S108 - only as the parent of a mkdtemp directory
    where = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="csat-demo-outbox-", dir=where) as directory:
        yield Path(directory)


def _require_empty(service: SurveyService) -> None:
    from sqlalchemy import func, select

    from ..storage.models import Invitation

    with service.engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(Invitation)).scalar_one():
            raise DemoError("the database already holds invitations; use a fresh one")


def _run(
    sim: _Simulation, start: datetime, end: datetime, progress: Callable[[int], None] | None
) -> DemoResult:
    rng, service = sim.rng, sim.service
    people = customers(rng)
    weights = activity_weights(len(people))
    result = DemoResult(first_day=start.date(), last_day=end.date() - timedelta(days=1))
    for customer in rng.sample(people[:300], 12):  # the opt-out list from before
        service.opt_out(customer.email)
    for name, day in TRAINING:
        if start.date() <= day < end.date():
            service.add_event(name, day, team=TRAINING_TEAM)
            result.events.append((name, day, TRAINING_TEAM))
    stop = end + timedelta(days=TAIL_DAYS)
    day = start
    while day < stop:
        sim.push(day, -1, "day")
        day += timedelta(days=1)
    number = 10_001
    while sim.queue and sim.queue[0].when < stop:
        action = heapq.heappop(sim.queue)
        sim.clock.now = action.when
        if action.kind == "day":
            today = action.when.date()
            if today < end.date():
                tickets = day_tickets(rng, today, people, weights, number)
                number += len(tickets)
                _schedule_invites(sim, tickets)
            if not sim.fast:
                for hour in SEND_HOURS:
                    sim.push(datetime.combine(today, time(hour), ZONE), 1, "send")
            for hour in leads.check_hours(today):
                sim.push(datetime.combine(today, time(hour), ZONE), 3, "leads")
            if progress is not None:
                progress(1)
        elif action.kind == "invite":
            _invite(sim, action.data, result)
        elif action.kind == "send":
            report = service.send_due(sim.sender)
            result.sent += report.sent
            result.reminded += report.reminded
            result.expired += report.expired
            result.failed += report.failed
            if not sim.keep:  # a few files at a time, not 27,000 (a small /dev/shm)
                for email in sim.outbox.glob("*.eml"):
                    email.unlink()
        elif action.kind == "answer":
            invitation, form = action.data
            sim.answer(invitation, form)
            result.responses += 1
            result.comments += "comment" in form
        elif action.kind == "unsubscribe":
            sim.unsubscribe(action.data)
            result.unsubscribed += 1
        elif action.kind == "leads":
            _look_at_cases(sim, action.when)
        else:
            leads.act(service, action.data)
    _count_cases(sim, result)
    return result


def _look_at_cases(sim: _Simulation, now: datetime) -> None:
    """The leads open the list of open cases and plan the work for the new ones."""
    for case in sim.service.follow_ups(state="open"):
        if case.id not in sim.seen:
            sim.seen.add(case.id)
            for when, step in leads.plan(sim.leads_rng, case, now):
                sim.push(when, 3, "case", step)


def _count_cases(sim: _Simulation, result: DemoResult) -> None:
    from sqlalchemy import func, select

    from ..storage.models import LeadEmail

    for case in sim.service.follow_ups():
        result.cases["opened"] += 1
        if case.outcome is None:
            result.cases["open"] += 1
            continue
        result.cases[case.outcome.value] += 1
        assert case.closed_at is not None
        result.cases["in_time"] += case.closed_at <= case.due_at
    with sim.service.engine.connect() as conn:
        result.lead_emails = conn.execute(select(func.count(LeadEmail.sent_at))).scalar_one()


def _schedule_invites(sim: _Simulation, tickets: list[Ticket]) -> None:
    """The helpdesk hands over each hour's resolved tickets at the end of the hour."""
    batches: dict[datetime, list[Ticket]] = {}
    for ticket in tickets:
        hour = ticket.resolved_at.replace(minute=0, second=0, microsecond=0)
        batches.setdefault(hour + timedelta(hours=1), []).append(ticket)
    for when, batch in batches.items():
        sim.push(when, 0, "invite", batch)


def _invite(sim: _Simulation, tickets: list[Ticket], result: DemoResult) -> None:
    rng, service = sim.rng, sim.service
    requests = [
        InviteRequest(
            ticket_id=t.ticket_id,
            email=t.customer.email,
            agent=t.agent.name,
            team=t.agent.team,
            channel=t.channel,
            resolved_at=t.resolved_at,
            category=t.category,
            locale=t.customer.locale,
        )
        for t in tickets
    ]
    result.tickets += len(tickets)
    for ticket, invitation in zip(tickets, service.invite_many(requests), strict=True):
        result.reasons[invitation.reason.value] += 1
        if invitation.token is None:
            continue
        if rng.random() < REOPEN_RATE:  # reopened before the survey went out
            result.reopened += service.cancel(ticket.ticket_id)
            continue
        agent = ticket.agent
        emailed = _send_slot(invitation.due_at)
        if rng.random() < agent.answer_rate:
            resolved = ticket.resolved_at.astimezone(ZONE).date()
            understood = agent.understood + training_boost(agent.team, resolved)
            mood = (rng.random() < understood, rng.random() < agent.helped)
            form = answers(rng, mood, ticket.customer.locale, ticket.category)
            sim.push(emailed + _answer_lag(rng), 2, "answer", (invitation, form))
        elif rng.random() < UNSUBSCRIBE_RATE:
            sim.push(emailed + _answer_lag(rng), 2, "unsubscribe", invitation)
