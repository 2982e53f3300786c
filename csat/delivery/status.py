"""What the outbox holds now: counts by status, what is due when, the last errors.

For ``csat outbox`` and for ``csat send``'s account of a run that sent nothing
because every row waits for its retry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..invitations.rules import Status
from ..storage.models import Invitation
from .queries import count_due

#: How many distinct last errors :func:`outbox_status` lists.
ERRORS_SHOWN = 10


@dataclass(frozen=True)
class ErrorGroup:
    """One stored delivery reason (addresses masked) and how many rows have it."""

    reason: str
    #: ``pending`` (to be retried) or ``failed`` (given up).
    status: str
    count: int


@dataclass(frozen=True)
class OutboxStatus:
    """The outbox at one moment."""

    now: datetime
    #: Invitations by status (every status, zeros included).
    counts: dict[str, int]
    #: Invitations and reminders :meth:`~csat.SurveyService.send_due` would send now.
    due_now: int
    #: Unsent invitations waiting for their retry after a transient failure.
    waiting_retry: int
    #: When the next pending invitation or reminder becomes due; ``None``: none planned.
    next_due_at: datetime | None
    #: The most common reasons stored on pending and failed invitations, most
    #: frequent first.
    errors: list[ErrorGroup]


def outbox_status(session: Session, now: datetime) -> OutboxStatus:
    """Count and group the outbox's rows (a few aggregate queries, no row is read)."""
    counts = {status.value: 0 for status in Status}
    by_status = select(Invitation.status, func.count()).group_by(Invitation.status)
    for status, count in session.execute(by_status):
        counts[status] = int(count)
    pending = Invitation.status == Status.PENDING.value
    waiting = select(func.count()).where(pending, Invitation.next_attempt_at > now)
    later_invitation = select(
        func.min(func.coalesce(Invitation.next_attempt_at, Invitation.due_at))
    ).where(pending, Invitation.expires_at > now)
    later_reminder = select(func.min(Invitation.reminder_due_at)).where(
        Invitation.status == Status.SENT.value, Invitation.expires_at > now
    )
    starts = [session.execute(q).scalar_one() for q in (later_invitation, later_reminder)]
    upcoming = [start for start in starts if start is not None]
    reasons = (
        select(Invitation.last_error, Invitation.status, func.count().label("n"))
        .where(
            Invitation.last_error.is_not(None),
            Invitation.status.in_([Status.PENDING.value, Status.FAILED.value]),
        )
        .group_by(Invitation.last_error, Invitation.status)
        .order_by(func.count().desc(), Invitation.last_error)
        .limit(ERRORS_SHOWN)
    )
    return OutboxStatus(
        now=now,
        counts=counts,
        due_now=count_due(session, now),
        waiting_retry=int(session.execute(waiting).scalar_one()),
        next_due_at=min(upcoming) if upcoming else None,
        errors=[ErrorGroup(str(r), s, int(n)) for r, s, n in session.execute(reasons)],
    )
