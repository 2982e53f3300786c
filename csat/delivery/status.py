"""What the outbox holds now: counts by status, what is due when, the last errors.

For ``csat outbox`` and for ``csat send``'s account of a run that sent nothing
because every row waits for its retry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from ..invitations.rules import Status
from ..storage.models import Invitation, LeadEmail
from .queries import Queue, count_due

#: The statuses a lead email goes through.
LEAD_STATUSES = (Status.PENDING.value, Status.SENT.value, Status.FAILED.value)

#: How many distinct last errors :func:`outbox_status` lists.
ERRORS_SHOWN = 10


@dataclass(frozen=True)
class ErrorGroup:
    """One stored delivery reason (addresses masked) and how many rows (invitations
    and lead emails) have it."""

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
    #: Emails :meth:`~csat.SurveyService.send_due` would send now: invitations,
    #: reminders and lead emails.
    due_now: int
    #: Unsent invitations and lead emails waiting for their retry after a transient failure.
    waiting_retry: int
    #: When the next pending email becomes due; ``None``: none planned.
    next_due_at: datetime | None
    #: The most common reasons stored on pending and failed invitations and lead
    #: emails, most frequent first.
    errors: list[ErrorGroup]
    #: Lead emails by status (pending, sent, failed; zeros included).
    lead_counts: dict[str, int]
    #: Lead emails :meth:`~csat.SurveyService.send_due` would send now (part of :attr:`due_now`).
    leads_due: int


def outbox_status(session: Session, now: datetime) -> OutboxStatus:
    """Count and group the outbox's rows (a few aggregate queries, no row is read)."""
    counts = {status.value: 0 for status in Status}
    by_status = select(Invitation.status, func.count()).group_by(Invitation.status)
    for status, count in session.execute(by_status):
        counts[status] = int(count)
    lead_counts = dict.fromkeys(LEAD_STATUSES, 0)
    leads_by_status = select(LeadEmail.status, func.count()).group_by(LeadEmail.status)
    for status, count in session.execute(leads_by_status):
        lead_counts[status] = int(count)
    pending = Invitation.status == Status.PENDING.value
    lead_pending = LeadEmail.status == Status.PENDING.value
    waiting = [
        select(func.count()).where(pending, Invitation.next_attempt_at > now),
        select(func.count()).where(lead_pending, LeadEmail.next_attempt_at > now),
    ]
    later_invitation = select(
        func.min(func.coalesce(Invitation.next_attempt_at, Invitation.due_at))
    ).where(pending, Invitation.expires_at > now)
    later_reminder = select(func.min(Invitation.reminder_due_at)).where(
        Invitation.status == Status.SENT.value, Invitation.expires_at > now
    )
    later_lead = select(func.min(func.coalesce(LeadEmail.next_attempt_at, LeadEmail.due_at))).where(
        lead_pending
    )
    starts = [
        session.execute(q).scalar_one() for q in (later_invitation, later_reminder, later_lead)
    ]
    upcoming = [start for start in starts if start is not None]
    stored = union_all(
        *(
            select(model.last_error.label("reason"), model.status.label("status")).where(
                model.last_error.is_not(None),
                model.status.in_([Status.PENDING.value, Status.FAILED.value]),
            )
            for model in (Invitation, LeadEmail)
        )
    ).subquery()
    reasons = (
        select(stored.c.reason, stored.c.status, func.count().label("n"))
        .group_by(stored.c.reason, stored.c.status)
        .order_by(func.count().desc(), stored.c.reason)
        .limit(ERRORS_SHOWN)
    )
    return OutboxStatus(
        now=now,
        counts=counts,
        due_now=count_due(session, now),
        waiting_retry=sum(int(session.execute(q).scalar_one()) for q in waiting),
        next_due_at=min(upcoming) if upcoming else None,
        errors=[ErrorGroup(str(r), s, int(n)) for r, s, n in session.execute(reasons)],
        lead_counts=lead_counts,
        leads_due=count_due(session, now, (Queue.LEAD_EMAILS,)),
    )
