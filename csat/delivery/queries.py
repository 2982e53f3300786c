"""The outbox's conditions, claims and marks (see :mod:`csat.delivery.outbox`).

One outbox, three queues (:class:`Queue`): invitations and their reminders in
``csat_invitation``, lead emails in ``csat_lead_email``. Both tables have the
same delivery columns (``status``, ``attempts``, ``last_error``,
``next_attempt_at``, ``failing_since``, ``claim_id``, ``claimed_until``,
``message_id``), so the lease, the marks and the release are written once,
for a table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Table, and_, bindparam, exists, func, or_, select, update
from sqlalchemy.orm import Session

from ..invitations.rules import Status
from ..storage.models import Invitation, LeadEmail, Response, metadata
from ..survey.model import Survey
from .envelope import Envelope, LeadEnvelope

_INVITATIONS = metadata.tables[Invitation.__tablename__]
_LEAD_EMAILS = metadata.tables[LeadEmail.__tablename__]


class Queue(StrEnum):
    """What one claim takes from the outbox; a run sends them in this order."""

    INVITATIONS = "invitations"
    REMINDERS = "reminders"
    LEAD_EMAILS = "lead_emails"

    @property
    def table(self) -> Table:
        """The table its rows live in."""
        return _LEAD_EMAILS if self is Queue.LEAD_EMAILS else _INVITATIONS

    @property
    def expected(self) -> str:
        """The status its rows have while claimed (a mark is guarded by it)."""
        return (Status.SENT if self is Queue.REMINDERS else Status.PENDING).value


@dataclass(slots=True)
class Claimed:
    """A claimed row: what its email is built from, and its retry state.

    ``survey`` is the invitation's survey; for a lead email about one case,
    that case's survey (it names the comment's question), else ``None``.
    """

    envelope: Envelope | LeadEnvelope
    survey: Survey | None
    attempts: int
    failing_since: datetime | None

    @property
    def queue(self) -> Queue:
        """The queue the row was claimed from."""
        if isinstance(self.envelope, LeadEnvelope):
            return Queue.LEAD_EMAILS
        return Queue.REMINDERS if self.envelope.reminder else Queue.INVITATIONS

    @property
    def row_id(self) -> int:
        """The id of its row (an invitation's or a lead email's)."""
        if isinstance(self.envelope, LeadEnvelope):
            return self.envelope.lead_email_id
        return self.envelope.invitation_id


#: The columns a claim of invitations or reminders reads.
COLUMNS = (
    Invitation.id, Invitation.ticket_id, Invitation.email, Invitation.locale, Invitation.nonce,
    Invitation.expires_at, Invitation.survey_version, Invitation.attempts,
    Invitation.failing_since, Invitation.base_url,
)  # fmt: skip

#: The columns a claim of lead emails reads.
LEAD_COLUMNS = (
    LeadEmail.id, LeadEmail.kind, LeadEmail.follow_up_id, LeadEmail.follow_up_ids,
    LeadEmail.recipient, LeadEmail.locale, LeadEmail.attempts, LeadEmail.failing_since,
    LeadEmail.message_id,
)  # fmt: skip


def claimed(row: Any, surveys: dict[str, Survey], reminder: bool) -> Claimed:
    """The :class:`Claimed` of a row of :data:`COLUMNS` (read before its claim)."""
    envelope = Envelope(
        invitation_id=row.id, ticket_id=row.ticket_id, email=row.email, locale=row.locale,
        nonce=row.nonce, expires_at=row.expires_at, reminder=reminder, base_url=row.base_url,
    )  # fmt: skip
    return Claimed(envelope, surveys[row.survey_version], row.attempts + 1, row.failing_since)


def free(table: Table, now: datetime) -> Any:
    """Rows of ``table`` not claimed, or whose claim's lease has ended."""
    return or_(table.c.claimed_until.is_(None), table.c.claimed_until <= now)


def _retry_due(table: Table, now: datetime) -> Any:
    return or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now)


def due_invitations(now: datetime) -> Any:
    """Invitations to send now: not yet answered (a link shown elsewhere, e.g.
    printed by ``csat invite``, may have been used before the email went out)."""
    answered = exists().where(Response.invitation_id == Invitation.id)
    return and_(
        Invitation.status == Status.PENDING.value,
        Invitation.due_at <= now,
        Invitation.expires_at > now,
        _retry_due(_INVITATIONS, now),
        free(_INVITATIONS, now),
        ~answered,
    )


def due_reminders(now: datetime) -> Any:
    """Reminders to send now (unanswered, still valid)."""
    answered = exists().where(Response.invitation_id == Invitation.id)
    return and_(
        Invitation.status == Status.SENT.value,
        Invitation.reminder_due_at <= now,
        Invitation.expires_at > now,
        Invitation.email.is_not(None),
        free(_INVITATIONS, now),
        ~answered,
    )


def due_lead_emails(now: datetime) -> Any:
    """Lead emails to send now: pending, due, not waiting for a retry, free."""
    return and_(
        LeadEmail.status == Status.PENDING.value,
        LeadEmail.due_at <= now,
        _retry_due(_LEAD_EMAILS, now),
        free(_LEAD_EMAILS, now),
    )


def _due(queue: Queue, now: datetime) -> Any:
    if queue is Queue.LEAD_EMAILS:
        return due_lead_emails(now)
    return due_reminders(now) if queue is Queue.REMINDERS else due_invitations(now)


def count_due(session: Session, now: datetime, queues: tuple[Queue, ...] = tuple(Queue)) -> int:
    """How many emails of ``queues`` (default: all) are due now."""
    total = 0
    for queue in queues:
        query = select(func.count()).select_from(queue.table).where(_due(queue, now))
        total += int(session.execute(query).scalar_one())
    return total


def due_rows(queue: Queue, now: datetime, limit: int) -> Any:
    """The first ``limit`` due rows of ``queue`` (:data:`COLUMNS` or
    :data:`LEAD_COLUMNS`), locked, skipping rows other senders hold
    (``FOR UPDATE SKIP LOCKED``; SQLite holds its write lock instead)."""
    if queue is Queue.LEAD_EMAILS:
        columns: tuple[Any, ...] = LEAD_COLUMNS
        order: Any = LeadEmail.due_at
    else:
        columns = COLUMNS
        order = Invitation.reminder_due_at if queue is Queue.REMINDERS else Invitation.due_at
    # Index order only (no tie-break column): the database stops after `limit` rows.
    return (
        select(*columns)
        .where(_due(queue, now))
        .order_by(order)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


def lease(table: Table, ids: list[int], now: datetime, claim_id: str, until: datetime) -> Any:
    """Lease the rows ``ids`` of ``table`` to ``claim_id`` until ``until``,
    counting an attempt, unless another sender holds them."""
    return (
        update(table)
        .where(table.c.id.in_(ids), free(table, now))
        .values(claim_id=claim_id, claimed_until=until, attempts=table.c.attempts + 1)
    )


def expire_statements(now: datetime) -> tuple[Any, Any]:
    """Drop unwanted reminders (answered, expired, erased); expire unsent invitations."""
    expire = (
        update(Invitation)
        .where(
            Invitation.status == Status.PENDING.value,
            Invitation.expires_at <= now,
            free(_INVITATIONS, now),
        )
        .values(status=Status.EXPIRED.value, claim_id=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    answered = exists().where(Response.invitation_id == Invitation.id)
    unwanted = (
        update(Invitation)
        .where(
            Invitation.status == Status.SENT.value,
            Invitation.reminder_due_at <= now,
            or_(answered, Invitation.expires_at <= now, Invitation.email.is_(None)),
            free(_INVITATIONS, now),
        )
        .values(reminder_due_at=None)
        .execution_options(synchronize_session=False)
    )
    return unwanted, expire


def mark_statement(table: Table, keys: tuple[str, ...]) -> Any:
    """UPDATE of the columns ``keys`` for one row of ``table`` (``b_id``), guarded
    by its claim (``b_claim``) and by the status it had when claimed (``b_expected``)."""
    return (
        table.update()
        .where(
            table.c.id == bindparam("b_id"),
            table.c.claim_id == bindparam("b_claim"),
            table.c.status == bindparam("b_expected"),  # not if cancelled meanwhile
        )
        .values({key: bindparam(key) for key in keys})
    )


def gone_statement(upcoming: list[int], reminders: bool) -> Any:
    """Ids of ``upcoming`` rows not to send any more: an invitation cancelled (or
    no longer pending), either answered meanwhile, a reminder no longer due to a
    sent invitation."""
    ids = _INVITATIONS.c.id.in_(upcoming)
    expected = Status.SENT if reminders else Status.PENDING
    return select(_INVITATIONS.c.id).where(
        ids,
        or_(
            _INVITATIONS.c.status != expected.value,
            exists().where(Response.invitation_id == _INVITATIONS.c.id),
        ),
    )


def write_marks(
    session: Session,
    queue: Queue,
    claim_id: str,
    marks: list[tuple[int, dict[str, Any]]],
    upcoming: list[int],
) -> set[int]:
    """Write the outcomes ``marks``, each guarded by the claim, with one statement
    per set of columns; release the ``upcoming`` rows not to send any more
    (an invitation cancelled or, for a reminder, answered) and return their ids.

    A lead email is never withdrawn once queued: it says what became of its case.
    """
    table = queue.table
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row_id, values in marks:
        params = {"b_id": row_id, "b_claim": claim_id, "b_expected": queue.expected, **values}
        groups.setdefault(tuple(sorted(values)), []).append(params)
    connection = session.connection()
    for keys, rows in groups.items():
        connection.execute(mark_statement(table, keys), rows)
    if not upcoming or queue is Queue.LEAD_EMAILS:
        return set()
    skip = set(session.scalars(gone_statement(upcoming, queue is Queue.REMINDERS)))
    if skip:
        session.execute(
            update(table)
            .where(table.c.id.in_(skip), table.c.claim_id == claim_id)
            .values(claim_id=None, claimed_until=None, attempts=table.c.attempts - 1)
        )
    return skip


def release(
    session: Session, table: Table, claim_id: str, ids: list[int], unattempted: list[int]
) -> None:
    """End the claim on whatever of ``ids`` (rows of ``table``) is still held;
    ``unattempted`` rows get their attempt back."""
    if unattempted:
        session.execute(
            update(table)
            .where(table.c.id.in_(unattempted), table.c.claim_id == claim_id)
            .values(attempts=table.c.attempts - 1)
        )
    session.execute(
        update(table)
        .where(table.c.id.in_(ids), table.c.claim_id == claim_id)
        .values(claim_id=None, claimed_until=None)
    )
