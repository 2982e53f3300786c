"""The core API, without Flask: :class:`SurveyService`.

Built from a database URL, an Engine or a sessionmaker. Each method runs in
its own transaction and either commits all of its work or none of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from . import privacy
from .answers.record import Recorder, RecordResult, SurveyView, find_invitation
from .clock import Clock, ensure_aware, utcnow
from .config import Settings
from .errors import InvalidInputError, ReportUnavailableError
from .follow_ups import digest, work
from .follow_ups.digest import Reminded
from .follow_ups.rules import Outcome, State
from .follow_ups.work import CaseCounts, CaseDetail, CaseRow
from .invitations.batch import invite_many as invite_batch
from .invitations.invite import Inviter, InviteRequest, InviteResult
from .invitations.rules import Reason, Status
from .privacy import ErasureResult
from .storage.engine import (
    WRITE_OPTION,
    database_error,
    execute_update,
    make_sessionmaker,
    retry_after_race,
)
from .storage.models import Event, Invitation, metadata
from .survey.catalog import SurveyCatalog
from .survey.model import Survey

if TYPE_CHECKING:  # pragma: no cover - heavy imports only when used
    import random

    from jinja2 import BaseLoader

    from .delivery import MessageBuilder, Outbox, Sender, SendReport
    from .delivery.status import OutboxStatus
    from .metrics import MonthReport, Summary
    from .report import RenderedReport


T = TypeVar("T")


class SurveyService:
    """Invite customers, record their answers, manage privacy and events.

    :param bind: a database URL, an :class:`~sqlalchemy.Engine` or a
        :class:`~sqlalchemy.orm.sessionmaker`.
    :param settings: typed settings; ``None`` reads ``CSAT_*`` from the environment.
    :param clock: returns the current aware time; inject a fixed one in tests.
    :param surveys: surveys to register besides the stock ones.
    :param options: fields of :class:`~csat.config.Settings` to override.
    """

    def __init__(
        self,
        bind: str | URL | Engine | sessionmaker[Session] | None = None,
        *,
        settings: Settings | None = None,
        clock: Clock = utcnow,
        surveys: Iterable[Survey] = (),
        **options: Any,
    ) -> None:
        settings = settings if settings is not None else Settings.from_env()
        if options:
            settings = settings.replace(**options)
        self.settings = settings
        self.clock = clock
        self.catalog = SurveyCatalog(surveys)
        self.sessionmaker = make_sessionmaker(bind if bind is not None else settings.database_url)
        self._recorder = Recorder(settings, self.catalog)
        self._messages: MessageBuilder | None = None

    # -- plumbing ----------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The engine sessions are bound to."""
        bind = self.sessionmaker.kw["bind"]
        assert isinstance(bind, Engine)
        return bind

    def _now(self, now: datetime | None) -> datetime:
        return ensure_aware(self.clock() if now is None else now, "now")

    @property
    def _inviter(self) -> Inviter:
        return Inviter(self.settings, self.catalog, self.settings.require_secret_key())

    @contextmanager
    def _transaction(self, *, write: bool = True) -> Iterator[Session]:
        try:
            with self.sessionmaker() as session, session.begin():
                if write:
                    session.connection(execution_options={WRITE_OPTION: True})
                yield session
        except IntegrityError:
            raise  # a lost race: the callers retry
        except DBAPIError as e:
            raise database_error(self.engine, e) from e

    @contextmanager
    def _connection(self, *, write: bool = True) -> Iterator[Connection]:
        """A Core connection in a transaction: leaner than a session, for the pages."""
        try:
            with self.engine.connect() as conn:
                if write:
                    conn.execution_options(**{WRITE_OPTION: True})
                with conn.begin():
                    yield conn
        except IntegrityError:
            raise  # a lost race: the callers retry
        except DBAPIError as e:
            raise database_error(self.engine, e) from e

    def _retrying(self, work: Callable[[Session], T], attempts: int = 3) -> T:
        """Run ``work`` in a write transaction, again after a lost unique-key race."""
        return retry_after_race(self._transaction, work, attempts)

    def create_all(self) -> None:
        """Create csat's tables directly (tests, demos); production uses migrations."""
        try:
            metadata.create_all(self.engine)
        except DBAPIError as e:
            raise database_error(self.engine, e) from e

    def register_survey(self, survey: Survey) -> None:
        """Use ``survey`` for new invitations with its key."""
        self.catalog.register(survey)

    def survey(self, key: str | None = None) -> Survey:
        """The current survey for ``key`` (default: ``CSAT_DEFAULT_SURVEY``)."""
        return self.catalog.get(key or self.settings.default_survey)

    # -- invitations -------------------------------------------------------------

    def invite(
        self,
        ticket_id: str,
        email: str,
        *,
        agent: str,
        team: str,
        channel: str,
        resolved_at: datetime,
        category: str | None = None,
        locale: str | None = None,
        survey: str | None = None,
        timezone: str | None = None,
        now: datetime | None = None,
    ) -> InviteResult:
        """Invite the customer of a resolved ticket; idempotent per (survey, ticket).

        The rules decide send, delay or skip; the result says which and why.
        A second call for the same ticket returns the existing invitation.
        """
        request = InviteRequest(
            ticket_id=ticket_id,
            email=email,
            agent=agent,
            team=team,
            channel=channel,
            resolved_at=resolved_at,
            category=category,
            locale=locale,
            survey=survey,
            timezone=timezone,
        )
        current = self._now(now)
        inviter = self._inviter
        # A concurrent invite for the same ticket wins the unique key: the retry
        # then finds and returns the winner's row.
        return self._retrying(lambda session: inviter.invite_one(session, request, current))

    def invite_many(
        self, requests: Iterable[InviteRequest], *, now: datetime | None = None
    ) -> list[InviteResult]:
        """Invite for many tickets at once (nightly imports), set-based.

        All requests are validated first; one invalid request raises
        :class:`~csat.errors.InvalidInputError` and nothing is written.
        """
        current = self._now(now)
        inviter = self._inviter
        with self._transaction() as session:
            return invite_batch(inviter, session, list(requests), current)

    def cancel(self, ticket_id: str, *, survey: str | None = None) -> int:
        """Cancel a ticket's pending invitation(s), e.g. when it is reopened.

        Invitations already sent stay answerable. Returns how many were cancelled;
        inviting the ticket again later reuses the same invitation and link.
        """
        query = (
            update(Invitation)
            .where(Invitation.ticket_id == ticket_id, Invitation.status == Status.PENDING)
            .values(status=Status.CANCELLED.value, reason=Reason.REOPENED.value)
            .execution_options(synchronize_session=False)
        )
        if survey is not None:
            query = query.where(Invitation.survey_key == survey)
        with self._transaction() as session:
            return execute_update(session, query)

    def link_for(self, invitation_id: int) -> str | None:
        """Rebuild the survey link of an invitation (``None`` if skipped)."""
        inviter = self._inviter
        with self._transaction(write=False) as session:
            row = session.get(Invitation, invitation_id)
            if row is None:
                raise InvalidInputError("invitation_id", f"no invitation {invitation_id}")
            return inviter.result(row, created=False).url

    def send_due(
        self,
        sender: Sender,
        *,
        limit: int | None = None,
        now: datetime | None = None,
        progress: Callable[[int], None] | None = None,
        templates: BaseLoader | None = None,
        rng: random.Random | None = None,
    ) -> SendReport:
        """Send what is due through ``sender``: invitations, then reminders, then the
        emails to team leads (new follow-up cases, digests of overdue ones).

        Pending invitations past their validity are expired first. Several
        senders may run at once (on SQLite they take turns). Transient failures
        are retried by later runs with backoff; see :mod:`csat.delivery.outbox`.

        :param limit: send at most this many emails in this run.
        :param progress: called with 1 after each email (a progress bar).
        :param templates: a Jinja loader for host-overridden email templates.
        :param rng: randomness of the retry jitter (seed it in tests).
        :raises SenderConfigurationError: the sender cannot work (e.g. login refused).
        """
        outbox = self._outbox(now, templates, rng)
        return outbox.send_due(sender, limit=limit, progress=progress)

    def count_due(self, *, now: datetime | None = None) -> int:
        """How many emails :meth:`send_due` would send now (lead emails included)."""
        return self._outbox(now, None, None).count_due(self._now(now))

    def outbox_status(self, *, now: datetime | None = None) -> OutboxStatus:
        """What the outbox holds: counts by status, what is due when, the last errors
        (a :class:`~csat.delivery.status.OutboxStatus`)."""
        from .delivery.status import outbox_status  # lazily: import time

        with self._transaction(write=False) as session:
            return outbox_status(session, self._now(now))

    def _outbox(
        self, now: datetime | None, templates: BaseLoader | None, rng: random.Random | None
    ) -> Outbox:
        from .delivery import MessageBuilder, Outbox, RetryPolicy  # lazily: import time

        fixed = None if now is None else self._now(now)
        clock = self.clock if fixed is None else (lambda: fixed)
        if templates is not None:
            builder = MessageBuilder(self.settings, self.settings.require_secret_key(), templates)
        else:
            if self._messages is None:  # csat's own templates: compiled once per service
                self._messages = MessageBuilder(self.settings, self.settings.require_secret_key())
            builder = self._messages
        retry = RetryPolicy() if rng is None else RetryPolicy(rng=rng)
        return Outbox(self._transaction, self.settings, self.catalog, builder,
                      clock=clock, retry=retry)  # fmt: skip

    # -- answers -----------------------------------------------------------------

    def open(self, token: str, *, now: datetime | None = None) -> SurveyView:
        """What the survey page for ``token`` shows (never changes anything)."""
        current = self._now(now)
        with self._connection(write=False) as conn:
            return self._recorder.view(conn, token, current)

    def unsubscribe_view(self, token: str, *, now: datetime | None = None) -> SurveyView:
        """What the unsubscribe pages for ``token`` show: also for an expired or
        cancelled link, since unsubscribing works for as long as a link exists."""
        current = self._now(now)
        with self._connection(write=False) as conn:
            return self._recorder.view(conn, token, current, answerable=False)

    def record(
        self, token: str, answers: Mapping[str, object], *, now: datetime | None = None
    ) -> RecordResult:
        """Store the answers for ``token``, or edit them within the edit window.

        One transaction: the token's look-up (one statement), validation
        against the invitation's survey version and the write (one INSERT or
        UPDATE). Concurrent first submissions for one token store exactly one
        response (the loser of the race is retried as an edit).
        """
        current = self._now(now)
        # Another submission may create the response first: the retry is an edit.
        return retry_after_race(
            self._connection, lambda conn: self._recorder.record(conn, token, answers, current)
        )

    # -- follow-up cases ------------------------------------------------------------

    def follow_ups(
        self,
        *,
        team: str | None = None,
        agent: str | None = None,
        state: State | str | None = None,
        overdue: bool = False,
        limit: int | None = None,
        now: datetime | None = None,
    ) -> list[CaseRow]:
        """The follow-up cases matching the filters, sorted by due time.

        ``overdue``: only cases not closed whose due time has passed.
        """
        wanted = None if state is None else work.parse_state(str(state))
        query = work.case_query(
            team=team, agent=agent, state=wanted, overdue=overdue, now=self._now(now)
        )
        with self._transaction(write=False) as session:
            return work.list_cases(session, query, limit)

    def follow_up_counts(
        self, *, team: str | None = None, agent: str | None = None, now: datetime | None = None
    ) -> CaseCounts:
        """How many cases of ``team`` and ``agent`` are open, claimed, closed and overdue."""
        current = self._now(now)
        with self._transaction(write=False) as session:
            return work.count_cases(session, current, team=team, agent=agent)

    def follow_up_teams_and_agents(self) -> tuple[list[str], list[str]]:
        """The teams and the agents that have cases, sorted (the console's filters)."""
        with self._transaction(write=False) as session:
            return work.teams_and_agents(session)

    def follow_up(
        self,
        case_id: int,
        *,
        viewer: str | None = None,
        show_address: bool = True,
        now: datetime | None = None,
    ) -> CaseDetail:
        """One case with its answers and history; showing the customer's address
        writes a line to the history as seen by ``viewer``.

        :raises FollowUpNotFoundError: no such case.
        """
        current = self._now(now)
        with self._transaction() as session:
            return work.detail(
                session, self.catalog, case_id, current, viewer=viewer,
                show_address=show_address,
            )  # fmt: skip

    def follow_up_of(self, invitation_id: int) -> CaseRow | None:
        """The follow-up case of an invitation (e.g. for the thanks page), if any."""
        with self._transaction(write=False) as session:
            return work.case_of(session, invitation_id)

    def claim_follow_up(self, case_id: int, actor: str, *, now: datetime | None = None) -> CaseRow:
        """``actor`` takes the case.

        :raises FollowUpStateError: the case is closed.
        """
        current = self._now(now)
        with self._transaction() as session:
            return work.claim(session, case_id, actor, current)

    def note_follow_up(
        self,
        case_id: int,
        actor: str,
        note: str,
        *,
        contacted: bool = False,
        now: datetime | None = None,
    ) -> CaseRow:
        """Add a note to the case; ``contacted``: it records an attempt to reach the
        customer (the first one counts as the first contact)."""
        current = self._now(now)
        with self._transaction() as session:
            return work.add_note(session, case_id, actor, note, current, contacted=contacted)

    def close_follow_up(
        self,
        case_id: int,
        actor: str,
        outcome: Outcome | str,
        *,
        note: str | None = None,
        now: datetime | None = None,
    ) -> CaseRow:
        """Close the case with an :class:`~csat.follow_ups.rules.Outcome`.

        :raises FollowUpStateError: the case is closed already.
        """
        current = self._now(now)
        with self._transaction() as session:
            return work.close(session, case_id, actor, outcome, current, note=note)

    def remind_follow_ups(self, *, now: datetime | None = None) -> Reminded:
        """Queue a digest of their overdue cases for every lead who has none from
        today (a calendar day in ``CSAT_TIMEZONE``); :meth:`send_due` sends them.

        Idempotent per lead and day: run it from cron as often as you like.
        """
        current = self._now(now)
        with self._transaction() as session:
            return digest.queue_digests(session, self.settings, current)

    # -- privacy -----------------------------------------------------------------

    def opt_out(self, email: str, *, now: datetime | None = None) -> int:
        """No more surveys for ``email``; cancels its pending invitations (returned)."""
        current = self._now(now)
        secret = self.settings.require_secret_key()
        with self._transaction() as session:
            return privacy.opt_out(session, secret, email, current)

    def unsubscribe(self, token: str, *, now: datetime | None = None) -> int:
        """Opt out the customer a survey link was sent to (the unsubscribe page).

        Works for every link that was sent, also after its validity period
        or once cancelled (RFC 8058 one-click must not fail on an old mail);
        an unknown link raises :class:`~csat.errors.UnknownTokenError`.
        Returns the number of pending invitations cancelled.
        """
        current = self._now(now)
        secret = self.settings.require_secret_key()
        with self._transaction() as session:
            invitation = find_invitation(session, token, current, answerable=False)
            return privacy.unsubscribe(session, secret, invitation, current)

    def is_opted_out(self, email: str) -> bool:
        """True when ``email`` has opted out."""
        secret = self.settings.require_secret_key()
        with self._transaction(write=False) as session:
            return privacy.is_opted_out(session, secret, email)

    def forget(self, email: str, *, now: datetime | None = None) -> ErasureResult:
        """Erase a customer's personal data: the address, the comments and the stored
        delivery reasons; the anonymous scores, the keyed hash of the address and the
        opt-out stay, and the customer's links stop accepting answers."""
        secret = self.settings.require_secret_key()
        current = self._now(now)
        with self._transaction() as session:
            return privacy.forget(session, secret, email, current)

    def purge(self, *, now: datetime | None = None) -> ErasureResult:
        """Erase personal data older than ``CSAT_RETENTION_DAYS`` (no-op if unset)."""
        if self.settings.retention is None:
            return ErasureResult(invitations=0, comments=0, cancelled=0)
        current = self._now(now)
        cutoff = current - self.settings.retention
        with self._transaction() as session:
            return privacy.purge(session, cutoff, current)

    # -- events ------------------------------------------------------------------

    def add_event(
        self, name: str, day: date, *, team: str | None = None, now: datetime | None = None
    ) -> int:
        """Record a marker (e.g. a training) for before/after comparisons."""
        if not isinstance(name, str) or not name.strip() or len(name) > 255:
            raise InvalidInputError("name", "must be a non-empty string of at most 255 characters")
        if isinstance(day, datetime) or not isinstance(day, date):
            raise InvalidInputError("date", "must be a date (not a datetime)")
        if team is not None and (not isinstance(team, str) or not team.strip()):
            raise InvalidInputError("team", "must be a non-empty string or None")
        current = self._now(now)
        with self._transaction() as session:
            event = Event(name=name.strip(), date=day, team=team, created_at=current)
            session.add(event)
            session.flush()
            return event.id

    def events(self) -> list[Event]:
        """All events, oldest first."""
        with self._transaction(write=False) as session:
            return list(session.scalars(select(Event).order_by(Event.date, Event.id)))

    # -- metrics and the report ----------------------------------------------------

    def metrics(self, month: date, *, team: str | None = None) -> Summary:
        """One month's figures (see :func:`csat.metrics.month_summary`)."""
        from .metrics import month_summary

        return month_summary(self.engine, month, team=team, min_n=self.settings.min_group_n)

    def month_report(self, month: date, *, team: str | None = None) -> MonthReport:
        """Everything the monthly report shows, as plain data (see
        :func:`csat.metrics.month_report`; follow-up cases judged at the clock's time)."""
        from .metrics import month_report

        return month_report(
            self.engine, month, team=team, min_n=self.settings.min_group_n, now=self._now(None)
        )

    def teams(self, first: date, last: date) -> list[str]:
        """The teams with responses in the months ``first`` to ``last``, by name."""
        from .metrics import teams

        return teams(self.engine, first, last)

    def export_csv(
        self, month: date, stream: IO[str], *, team: str | None = None, with_email: bool = False
    ) -> int:
        """Write the month's responses as CSV (see :mod:`csat.metrics.export`); the row count."""
        from .metrics import export

        records = export.rows(self.engine, month, with_email=with_email, team=team)
        return export.write_csv(records, stream, with_email=with_email)

    def report(
        self, month: date, path: str | Path, *, lang: str | None = None, team: str | None = None
    ) -> RenderedReport:
        """Write the monthly PDF (see :func:`csat.report.render_report`).

        Needs the ``report`` extra: ``pip install 'csat-surveys[report]'``.

        :raises ReportUnavailableError: matplotlib is not installed.
        """
        from .report import render_report

        try:
            return render_report(
                self.engine,
                month,
                path,
                lang=lang or ("de" if self.settings.default_locale == "de" else "en"),
                team=team,
                min_n=self.settings.min_group_n,
                now=self._now(None),
            )
        except ImportError as e:  # matplotlib is imported when the first page is drawn
            if (e.name or "").partition(".")[0] != "matplotlib":
                raise
            raise ReportUnavailableError("matplotlib") from e
