"""The outbox's conditions, claims and marks (see :mod:`csat.delivery.outbox`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, or_, select, update
from sqlalchemy.orm import Session

from ..invitations.rules import Status
from ..storage.models import Invitation, Response, metadata
from ..survey.model import Survey
from .envelope import Envelope

_INVITATIONS = metadata.tables[Invitation.__tablename__]


@dataclass(slots=True)
class Claimed:
    """A claimed row: what its email is built from, and its retry state."""

    envelope: Envelope
    survey: Survey
    attempts: int
    failing_since: datetime | None


#: The columns a claim reads.
COLUMNS = (
    Invitation.id, Invitation.ticket_id, Invitation.email, Invitation.locale, Invitation.nonce,
    Invitation.expires_at, Invitation.survey_version, Invitation.attempts,
    Invitation.failing_since, Invitation.base_url,
)  # fmt: skip


def claimed(row: Any, surveys: dict[str, Survey], reminder: bool) -> Claimed:
    """The :class:`Claimed` of a row of :data:`COLUMNS` (read before its claim)."""
    envelope = Envelope(
        invitation_id=row.id, ticket_id=row.ticket_id, email=row.email, locale=row.locale,
        nonce=row.nonce, expires_at=row.expires_at, reminder=reminder, base_url=row.base_url,
    )  # fmt: skip
    return Claimed(envelope, surveys[row.survey_version], row.attempts + 1, row.failing_since)


def free(now: datetime) -> Any:
    """Not claimed, or the claim's lease has ended."""
    return or_(Invitation.claimed_until.is_(None), Invitation.claimed_until <= now)


def due_invitations(now: datetime) -> Any:
    """Invitations to send now: not yet answered (a link shown elsewhere, e.g.
    printed by ``csat invite``, may have been used before the email went out)."""
    answered = exists().where(Response.invitation_id == Invitation.id)
    return and_(
        Invitation.status == Status.PENDING.value,
        Invitation.due_at <= now,
        Invitation.expires_at > now,
        or_(Invitation.next_attempt_at.is_(None), Invitation.next_attempt_at <= now),
        free(now),
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
        free(now),
        ~answered,
    )


def count_due(session: Session, now: datetime) -> int:
    """How many invitations and reminders are due now."""
    total = 0
    for condition in (due_invitations(now), due_reminders(now)):
        query = select(func.count()).select_from(Invitation).where(condition)
        total += int(session.execute(query).scalar_one())
    return total


def due_rows(now: datetime, limit: int, *, reminders: bool) -> Any:
    """The first ``limit`` due rows (:data:`COLUMNS`), locked, skipping rows other
    senders hold (``FOR UPDATE SKIP LOCKED``; SQLite holds its write lock instead)."""
    condition = due_reminders(now) if reminders else due_invitations(now)
    order = Invitation.reminder_due_at if reminders else Invitation.due_at
    # Index order only (no tie-break column): the database stops after `limit` rows.
    return (
        select(*COLUMNS)
        .where(condition)
        .order_by(order)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


def lease(ids: list[int], now: datetime, claim_id: str, until: datetime) -> Any:
    """Lease the rows ``ids`` to ``claim_id`` until ``until``, counting an attempt,
    unless another sender holds them."""
    return (
        update(Invitation)
        .where(Invitation.id.in_(ids), free(now))
        .values(claim_id=claim_id, claimed_until=until, attempts=Invitation.attempts + 1)
        .execution_options(synchronize_session=False)
    )


def expire_statements(now: datetime) -> tuple[Any, Any]:
    """Drop unwanted reminders (answered, expired, erased); expire unsent invitations."""
    expire = (
        update(Invitation)
        .where(
            Invitation.status == Status.PENDING.value,
            Invitation.expires_at <= now,
            free(now),
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
            free(now),
        )
        .values(reminder_due_at=None)
        .execution_options(synchronize_session=False)
    )
    return unwanted, expire


def mark_statement(keys: tuple[str, ...]) -> Any:
    """UPDATE of the columns ``keys`` for one row (``b_id``), guarded by its claim
    (``b_claim``) and by the status it had when claimed (``b_expected``)."""
    return (
        _INVITATIONS.update()
        .where(
            _INVITATIONS.c.id == bindparam("b_id"),
            _INVITATIONS.c.claim_id == bindparam("b_claim"),
            _INVITATIONS.c.status == bindparam("b_expected"),  # not if cancelled meanwhile
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
    claim_id: str,
    marks: list[tuple[int, dict[str, Any]]],
    upcoming: list[int],
    reminders: bool,
) -> set[int]:
    """Write the outcomes ``marks``, each guarded by the claim, with one statement
    per set of columns; release the ``upcoming`` rows not to send any more
    (cancelled or, for a reminder, answered) and return their ids."""
    expected = (Status.SENT if reminders else Status.PENDING).value
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for invitation_id, values in marks:
        params = {"b_id": invitation_id, "b_claim": claim_id, "b_expected": expected, **values}
        groups.setdefault(tuple(sorted(values)), []).append(params)
    connection = session.connection()
    for keys, rows in groups.items():
        connection.execute(mark_statement(keys), rows)
    if not upcoming:
        return set()
    skip = set(session.scalars(gone_statement(upcoming, reminders)))
    if skip:
        session.execute(
            update(Invitation)
            .where(Invitation.id.in_(skip), Invitation.claim_id == claim_id)
            .values(claim_id=None, claimed_until=None, attempts=Invitation.attempts - 1)
            .execution_options(synchronize_session=False)
        )
    return skip


def release(session: Session, claim_id: str, ids: list[int], unattempted: list[int]) -> None:
    """End the claim on whatever of ``ids`` is still held; ``unattempted`` rows get
    their attempt back."""
    if unattempted:
        session.execute(
            update(Invitation)
            .where(Invitation.id.in_(unattempted), Invitation.claim_id == claim_id)
            .values(attempts=Invitation.attempts - 1)
            .execution_options(synchronize_session=False)
        )
    session.execute(
        update(Invitation)
        .where(Invitation.id.in_(ids), Invitation.claim_id == claim_id)
        .values(claim_id=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
