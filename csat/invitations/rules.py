"""The rules that decide whether an invitation is sent, delayed or skipped.

:func:`decide` is a pure function of facts looked up beforehand, so
``invite`` and the set-based ``invite_many`` share it exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Decision(StrEnum):
    """What happens to an invitation."""

    SEND = "send"  #: due now
    DELAY = "delay"  #: due later (after the delay since resolution)
    SKIP = "skip"  #: never sent; the reason says why


class Reason(StrEnum):
    """Why the rules decided as they did (stored with the invitation)."""

    DUE = "due"
    DELAYED = "delayed"
    INVALID_ADDRESS = "invalid_address"
    EXCLUDED_ADDRESS = "excluded_address"
    OPTED_OUT = "opted_out"
    #: Resolved longer ago than ``CSAT_MAX_AGE_DAYS``: too late to ask.
    STALE = "stale"
    SAMPLED_OUT = "sampled_out"
    COOLDOWN = "cooldown"
    #: Cancelled: the ticket was reopened before the survey went out.
    REOPENED = "reopened"
    #: Cancelled: the customer's personal data was erased.
    ERASED = "erased"

    @property
    def decision(self) -> Decision:
        """The decision this reason belongs to."""
        if self is Reason.DUE:
            return Decision.SEND
        if self is Reason.DELAYED:
            return Decision.DELAY
        return Decision.SKIP


class Status(StrEnum):
    """Life cycle of an invitation row."""

    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    FAILED = "failed"
    EXPIRED = "expired"


#: Statuses of invitations that reached, or will reach, the customer: they
#: start a customer's cooldown.
COOLDOWN_STATUSES = (Status.PENDING, Status.SENT)


@dataclass(frozen=True, slots=True)
class Facts:
    """What the rules need to know about one invitation."""

    address_valid: bool
    excluded: bool
    opted_out: bool
    #: Resolved longer ago than the maximum age (``CSAT_MAX_AGE_DAYS``).
    stale: bool
    sample_fraction: float
    in_cooldown: bool


def due_time(resolved_at: datetime, delay: timedelta) -> datetime:
    """When an invitation for a ticket resolved at ``resolved_at`` may go out."""
    return resolved_at + delay


def is_stale(resolved_at: datetime, max_age: timedelta, now: datetime) -> bool:
    """Whether a ticket resolved at ``resolved_at`` is too old to ask about at ``now``."""
    return now - resolved_at > max_age


def decide(facts: Facts, *, sampling_rate: float, due_at: datetime, now: datetime) -> Reason:
    """Apply the rules in order: address, exclusion, opt-out, age, sampling, cooldown, delay."""
    if not facts.address_valid:
        return Reason.INVALID_ADDRESS
    if facts.excluded:
        return Reason.EXCLUDED_ADDRESS
    if facts.opted_out:
        return Reason.OPTED_OUT
    if facts.stale:
        return Reason.STALE
    if facts.sample_fraction >= sampling_rate:
        return Reason.SAMPLED_OUT
    if facts.in_cooldown:
        return Reason.COOLDOWN
    return Reason.DUE if due_at <= now else Reason.DELAYED


def status_for(reason: Reason) -> Status:
    """The initial status of an invitation decided with ``reason``."""
    return Status.SKIPPED if reason.decision is Decision.SKIP else Status.PENDING
