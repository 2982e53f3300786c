"""The outbox: claim due emails with a lease, send them, record the outcome.

Three queues (``csat.delivery.queries.Queue``), sent in this order:
invitations, reminders, and the emails to team leads (:mod:`csat.delivery.leads`).
Everything lives in the rows (``csat_invitation``, ``csat_lead_email``),
nothing only in memory:

1. **Expire** pending invitations whose validity ended before they went out.
2. **Claim** a batch: ``claim_id`` + ``claimed_until`` (a lease) and
   ``attempts + 1``. PostgreSQL and MariaDB pick rows with
   ``SELECT … FOR UPDATE SKIP LOCKED``, so several senders share the work;
   SQLite takes its write lock at ``BEGIN IMMEDIATE``, and the lease's
   UPDATE is guarded by the rows being free. A sender that dies loses its
   rows when the lease ends.
3. **Build** each email just before it goes out (stable Message-ID: a retry
   carries the same one; a lead email's is stored with its claim), **send**
   it, and every ``mark_every`` (default 10) emails **mark** them, guarded by
   the claim id, while looking again at the next rows, so that a ticket
   cancelled meanwhile is not sent. A sender killed between sending and
   marking leaves at most ``mark_every`` rows in flight; after the lease they
   go out again, with the same Message-ID. Lead emails are few and urgent:
   each is marked as soon as it went out, so at most one is in flight.

Transient failures are retried with exponential backoff and full jitter
(capped at :attr:`~csat.delivery.RetryPolicy.cap`); after
:attr:`~csat.delivery.RetryPolicy.give_up` of failing the invitation fails
with the last reason. Permanent failures (5xx) fail at once with the server's
reply, and so does an email that cannot be built safely from its row
(:class:`~csat.errors.MessageBuildError`): the run goes on with the others.
One reminder goes out ``CSAT_REMINDER_DAYS`` after sending when there is no
answer yet.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ..clock import Clock
from ..config import Settings
from ..errors import DatabaseError, DeliveryError, MessageBuildError, SenderConfigurationError
from ..invitations.addresses import mask_addresses
from ..storage.engine import execute_update
from ..survey.catalog import SurveyCatalog
from .envelope import LeadEnvelope
from .leads import LeadMessageBuilder, lead_claims
from .message import MessageBuilder
from .outcomes import failure_values, sent_values
from .queries import (
    Claimed,
    Queue,
    claimed,
    count_due,
    due_rows,
    expire_statements,
    lease,
    release,
    write_marks,
)
from .report import SendReport
from .retry import RetryPolicy
from .senders import Sender, SenderUnavailableError

Transaction = Callable[[], AbstractContextManager[Session]]
T = TypeVar("T")
Progress = Callable[[int], None]
Marks = list[tuple[int, dict[str, Any]]]


class Outbox:
    """Drains due invitations, reminders and lead emails of one database through a sender.

    :raises ConfigurationError: ``CSAT_CONSOLE_URL`` is not a plain http(s) URL.
    """

    def __init__(
        self,
        transaction: Transaction,
        settings: Settings,
        catalog: SurveyCatalog,
        builder: MessageBuilder,
        *,
        clock: Clock,
        retry: RetryPolicy | None = None,
        lease: timedelta = timedelta(minutes=10),
        batch_size: int = 100,
        mark_every: int = 10,
    ) -> None:
        self.transaction = transaction
        self.settings = settings
        self.catalog = catalog
        self.builder = builder
        self.leads = LeadMessageBuilder(builder)
        self.clock = clock
        self.retry = retry if retry is not None else RetryPolicy()
        self.lease = lease
        self.batch_size = batch_size
        self.mark_every = max(1, mark_every)

    # -- queries ---------------------------------------------------------------

    def count_due(self, now: datetime) -> int:
        """How many emails are due, lead emails included (for a progress bar)."""
        with self.transaction() as session:
            return count_due(session, now)

    def expire(self, now: datetime) -> int:
        """Expire pending invitations whose validity ended unsent; returns how many.

        Also drops reminders that are no longer wanted (answered, expired or
        erased), so the reminder queue only holds rows that will be sent.
        """
        unwanted, expire = expire_statements(now)

        def work(session: Session) -> int:
            session.execute(unwanted)
            return execute_update(session, expire)

        return self._run(work)

    def claim(
        self, now: datetime, limit: int, queue: Queue = Queue.INVITATIONS
    ) -> tuple[str, list[Claimed]]:
        """Lease up to ``limit`` due rows of ``queue`` to a new claim id; returns it
        and the rows (a lead email's Message-ID is stored with its claim)."""
        claim_id = secrets.token_hex(16)

        def work(session: Session) -> list[Claimed]:
            rows = session.execute(due_rows(queue, now, limit)).all()
            if not rows:
                return []
            ids = [r.id for r in rows]
            session.execute(lease(queue.table, ids, now, claim_id, now + self.lease))
            if queue is Queue.LEAD_EMAILS:
                return lead_claims(session, rows, self.catalog, self.builder.domain)
            versions = {r.survey_version for r in rows}
            surveys = {fp: self.catalog.version(session, fp) for fp in versions}
            return [claimed(r, surveys, queue is Queue.REMINDERS) for r in rows]

        return claim_id, self._run(work)

    def _run(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a transaction, again (up to three times in all) after a
        deadlock or lock timeout: the database rolled it back, and every piece of
        work here is guarded so that running it again is safe (MariaDB picks
        such victims among concurrent senders)."""
        for attempt in range(1, 4):
            try:
                with self.transaction() as session:
                    return work(session)
            except (OperationalError, DatabaseError) as e:
                if attempt == 3 or not _retryable(e):
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _flush(
        self, claim_id: str, marks: Marks, upcoming: list[Claimed], queue: Queue
    ) -> set[int]:
        """Write the outcomes so far and look again at the ``upcoming`` rows, in one
        transaction; returns the ids of those not to send any more (see
        :func:`~csat.delivery.queries.write_marks`)."""
        ids = [item.row_id for item in upcoming]
        written = list(marks)
        marks.clear()
        return self._run(lambda session: write_marks(session, queue, claim_id, written, ids))

    # -- the run ---------------------------------------------------------------

    def send_due(
        self, sender: Sender, *, limit: int | None = None, progress: Progress | None = None
    ) -> SendReport:
        """Expire, then send due invitations, then due reminders, then due lead
        emails, until none or ``limit``.

        :raises SenderConfigurationError: the sender cannot work at all (e.g. the
            login was refused); rows not yet attempted are released untouched.
        """
        report = SendReport(expired=self.expire(self.clock()))
        budget = limit if limit is not None else -1
        with sender:
            for queue in Queue:
                while budget != 0:
                    size = self.batch_size if budget < 0 else min(self.batch_size, budget)
                    claim_id, batch = self.claim(self.clock(), size, queue)
                    if not batch:
                        break
                    done = self._send_batch(sender, claim_id, batch, report, progress)
                    budget = max(budget - done, 0) if budget > 0 else budget
                    if done < len(batch) or report.stopped:  # server down or lease ending
                        return report
        return report

    def _send_batch(
        self,
        sender: Sender,
        claim_id: str,
        batch: list[Claimed],
        report: SendReport,
        progress: Progress | None,
    ) -> int:
        """Send one claimed batch; returns how many rows were dealt with."""
        queue = batch[0].queue
        every = 1 if queue is Queue.LEAD_EMAILS else self.mark_every
        marks: Marks = []
        deadline = self.clock() + self.lease * 0.8
        skip: set[int] = set()
        done = 0
        try:
            for index, item in enumerate(batch):
                now = self.clock()
                if now >= deadline:
                    return done  # the lease ends soon: leave the rest to a later run
                if item.row_id not in skip:
                    try:
                        marks.append((item.row_id, self._send_one(sender, item, now, report)))
                    except SenderUnavailableError as e:
                        # Every row left would fail the same way: all retry later.
                        for rest in batch[index:]:
                            if rest.row_id not in skip:
                                values = failure_values(rest, e, now, report, self.retry)
                                marks.append((rest.row_id, values))
                        report.stopped = True
                        report.unavailable = mask_addresses(e.reason)
                        if progress is not None:
                            progress(len(batch) - done)
                        done = len(batch)
                        return done
                done += 1
                if progress is not None:
                    progress(1)
                upcoming = batch[index + 1 : index + 1 + every]
                if len(marks) >= every and upcoming:
                    skip |= self._flush(claim_id, marks, upcoming, queue)
        finally:
            self._finish(claim_id, marks, batch, done, queue)
        return done

    def _finish(
        self, claim_id: str, marks: Marks, batch: list[Claimed], done: int, queue: Queue
    ) -> None:
        """Write the last marks of ``batch`` and end its claim on every row still
        held; the rows from ``done`` on were not attempted and get their attempt back."""
        ids = [item.row_id for item in batch]
        unattempted = ids[done:]

        def work(session: Session) -> None:
            write_marks(session, queue, claim_id, marks, [])
            release(session, queue.table, claim_id, ids, unattempted)

        self._run(work)
        marks.clear()

    def _send_one(
        self, sender: Sender, item: Claimed, now: datetime, report: SendReport
    ) -> dict[str, Any]:
        """Build and send one email; the values to store for its row.

        An email that cannot be built (a stored value unfit for it) fails its
        row with the reason, and the run goes on with the next.
        """
        envelope = item.envelope
        try:
            if isinstance(envelope, LeadEnvelope):
                email = self.leads.prepare(envelope, item.survey, now)
            else:
                assert item.survey is not None
                email = self.builder.prepare(envelope, item.survey, now)
        except MessageBuildError as e:
            return failure_values(item, e, now, report, self.retry)
        try:
            sender.send(email)
        except (SenderConfigurationError, SenderUnavailableError):
            raise
        except DeliveryError as e:
            return failure_values(item, e, now, report, self.retry)
        if isinstance(envelope, LeadEnvelope):
            report.leads += 1
        elif envelope.reminder:
            report.reminded += 1
        else:
            report.sent += 1
        return sent_values(item, now, email.message_id, self.settings.reminder)


def _retryable(error: OperationalError | DatabaseError) -> bool:
    """Whether ``error`` is a deadlock or lock timeout (the transaction was rolled back)."""
    cause = error if isinstance(error, OperationalError) else error.__cause__
    return isinstance(cause, OperationalError)
