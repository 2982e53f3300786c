"""The outbox's conditions and rows (see :mod:`csat.delivery.outbox`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import (
    BindParameter,
    Connection,
    and_,
    bindparam,
    exists,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from ..compiled import compiled_once
from ..models import Invitation, Response, metadata
from ..rules import Status
from ..survey import Survey
from .envelope import Envelope
from .marks import SYNC_OFF, gone_statement, mark_statement


@dataclass(slots=True)
class Claimed:
    """A claimed row: what its email is built from, and its retry state."""

    envelope: Envelope
    survey: Survey
    attempts: int
    failing_since: datetime | None


#: A time in a condition: a value, or a parameter for a statement compiled once.
Moment = datetime | BindParameter[Any]

#: The columns a claim reads.
COLUMNS = (
    Invitation.id, Invitation.ticket_id, Invitation.email, Invitation.locale, Invitation.nonce,
    Invitation.expires_at, Invitation.survey_version, Invitation.attempts,
    Invitation.failing_since,
)  # fmt: skip


def claimed(row: Any, surveys: dict[str, Survey], reminder: bool) -> Claimed:
    """The :class:`Claimed` of a row of :data:`COLUMNS` (read before its claim)."""
    envelope = Envelope(
        invitation_id=row.id, ticket_id=row.ticket_id, email=row.email, locale=row.locale,
        nonce=row.nonce, expires_at=row.expires_at, reminder=reminder,
    )  # fmt: skip
    return Claimed(envelope, surveys[row.survey_version], row.attempts + 1, row.failing_since)


def free(now: Moment) -> Any:
    """Not claimed, or the claim's lease has ended."""
    return or_(Invitation.claimed_until.is_(None), Invitation.claimed_until <= now)


def due_invitations(now: Moment) -> Any:
    """Invitations to send now."""
    return and_(
        Invitation.status == Status.PENDING.value,
        Invitation.due_at <= now,
        Invitation.expires_at > now,
        or_(Invitation.next_attempt_at.is_(None), Invitation.next_attempt_at <= now),
        free(now),
    )


def due_reminders(now: Moment) -> Any:
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


def group_marks(
    claim_id: str, marks: list[tuple[int, dict[str, Any]]], reminders: bool
) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    """The marks' parameters, grouped by the columns they set (one statement each),
    each guarded by the claim and the status the row had when claimed."""
    expected = (Status.SENT if reminders else Status.PENDING).value
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    guard = {"b_claim": claim_id, "b_expected": expected}
    for invitation_id, values in marks:
        key = tuple(sorted(values))
        groups.setdefault(key, []).append({"b_id": invitation_id, **guard, **values})
    return groups


def _gone_of(size: int, reminders: bool) -> Any:
    """:func:`~csat.delivery.marks.gone_statement` for ``size`` ids, ``u0``, ``u1``, …"""
    ids: list[Any] = [bindparam(f"u{n}") for n in range(size)]
    return gone_statement(Invitation.__table__.c.id.in_(ids), reminders)


def write_marks(
    session: Session,
    claim_id: str,
    groups: dict[tuple[str, ...], list[dict[str, Any]]],
    upcoming: list[int],
    reminders: bool,
) -> set[int]:
    """Write the grouped marks; release the ``upcoming`` rows not to send any more
    (cancelled or, for a reminder, answered) and return their ids."""
    if groups and session.get_bind().dialect.name == "postgresql":
        # A crash may lose the last marks; their rows are then sent again
        # with the same Message-ID, as after a sender crash.
        session.execute(SYNC_OFF)
    connection = session.connection()
    for keys, rows in groups.items():
        mark = compiled_once(
            connection.dialect, ("outbox.mark", keys), partial(mark_statement, keys)
        )
        mark.execute_many(connection, rows)
    if not upcoming:
        return set()
    gone = compiled_once(connection.dialect, ("outbox.gone", reminders, len(upcoming)),
                         partial(_gone_of, len(upcoming), reminders))  # fmt: skip
    found = gone.fetch_all(connection, {f"u{n}": i for n, i in enumerate(upcoming)})
    skip = {row.id for row in found}
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


def claim_returning(condition: Any, order: Any, limit: int, values: dict[str, Any]) -> Any:
    """The claim as one statement (PostgreSQL): lock up to ``limit`` rows due by
    ``condition``, skipping locked ones, lease them with ``values`` and return them
    as :data:`COLUMNS` (``attempts`` as read before the claim) and ``csat_order``."""
    table = metadata.tables[Invitation.__tablename__]
    due = (
        select(table.c.id)
        .where(condition)
        .order_by(order)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("csat_due")
    )
    columns = [table.c[column.key] for column in COLUMNS if column.key != "attempts"]
    return (
        update(table)
        .where(table.c.id == due.c.id)
        .values(values)
        .returning(
            *columns,
            (table.c.attempts - 1).label("attempts"),
            table.c[order.key].label("csat_order"),
        )
    )


def claim_statement(reminders: bool, limit: int) -> Any:
    """:func:`claim_returning` of up to ``limit`` due invitations or reminders, the
    time, the lease's end and the claim id as parameters (``b_now``, ``b_until``,
    ``b_claim``): compiled once per kind and size."""
    now = bindparam("b_now", type_=Invitation.__table__.c.due_at.type)
    condition = due_reminders(now) if reminders else due_invitations(now)
    order = Invitation.reminder_due_at if reminders else Invitation.due_at
    values = {
        "claim_id": bindparam("b_claim", type_=Invitation.__table__.c.claim_id.type),
        "claimed_until": bindparam("b_until", type_=Invitation.__table__.c.claimed_until.type),
        "attempts": Invitation.attempts + 1,
    }
    return claim_returning(condition, order, limit, values)


def claim_rows(
    connection: Connection, reminders: bool, limit: int, params: dict[str, Any]
) -> list[Any]:
    """Claim with :func:`claim_statement` (a database that returns an UPDATE's
    rows); the rows in due order."""
    make = partial(claim_statement, reminders, limit)
    claim = compiled_once(connection.dialect, ("outbox.claim", reminders, limit), make)
    rows = claim.fetch_all(connection, params)
    return sorted(rows, key=lambda row: row.csat_order)
