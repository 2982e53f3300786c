"""What the outbox stores for a row after trying to send it (see :mod:`csat.delivery.outbox`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..errors import DeliveryError
from ..invitations.addresses import mask_addresses
from ..invitations.rules import Status
from .envelope import LeadEnvelope
from .queries import Claimed, Queue
from .report import SendReport
from .retry import RetryPolicy


def sent_values(item: Claimed, now: datetime, mid: str, reminder: timedelta) -> dict[str, Any]:
    """The row of ``item``, sent now as the email with the Message-ID ``mid``: its
    claim ended and, for an invitation, its one reminder due ``reminder`` later
    (none if that is not before it expires, or ``reminder`` is zero)."""
    release = {"claim_id": None, "claimed_until": None, "next_attempt_at": None,
               "failing_since": None}  # fmt: skip
    if item.queue is Queue.REMINDERS:
        return release | {"reminded_at": now, "reminder_due_at": None}
    if isinstance(item.envelope, LeadEnvelope):  # its Message-ID was stored with the claim
        return release | {"status": Status.SENT.value, "sent_at": now}
    reminder_due: datetime | None = None
    if reminder > timedelta(0):
        reminder_due = now + reminder
        if reminder_due >= item.envelope.expires_at:
            reminder_due = None
    return release | {
        "status": Status.SENT.value, "sent_at": now, "message_id": mid,
        "reminder_due_at": reminder_due,
    }  # fmt: skip


def failure_values(
    item: Claimed, error: DeliveryError, now: datetime, report: SendReport, retry: RetryPolicy
) -> dict[str, Any]:
    """The row of ``item`` after ``error``: retried later by ``retry`` if transient
    and not failing for too long, else failed (a reminder: dropped); counted in
    ``report``. The reason is stored with every address in it masked."""
    release: dict[str, Any] = {"claim_id": None, "claimed_until": None}
    reminder = item.queue is Queue.REMINDERS
    # A server's reply may quote the mailbox: neither stored nor printed.
    reason = mask_addresses(f"reminder: {error.reason}" if reminder else error.reason)
    since = item.failing_since if item.failing_since is not None else now
    if error.transient and now - since < retry.give_up:
        report.retried += 1
        report.retry_reasons[reason] += 1
        retry_at = now + retry.delay(item.attempts)
        release |= {"last_error": reason, "failing_since": since}
        if reminder:
            return release | {"reminder_due_at": retry_at}
        return release | {"next_attempt_at": retry_at}
    if reminder:  # the invitation itself went out: only the reminder is dropped
        return release | {"reminder_due_at": None, "last_error": reason,
                          "failing_since": None}  # fmt: skip
    report.failed += 1
    failures = report.lead_failures if item.queue is Queue.LEAD_EMAILS else report.failures
    failures.append((item.row_id, reason))
    return release | {"status": Status.FAILED.value, "last_error": reason,
                      "next_attempt_at": None, "failing_since": since}  # fmt: skip
