"""Privacy: opt-outs, erasure of one customer, retention purge.

Erasure keeps the anonymous scores (the response rows and their team,
agent, channel and category) and removes what identifies a person: the
address, the free-text answers, the stored delivery reasons (a server's
reply may quote the address) and the notes on the customer's follow-up
cases; the cases themselves (state, outcome, times) stay as an anonymous
record. The erased invitations' links stop accepting
answers: their validity ends at the erasure. What stays is the keyed hash of
the address (HMAC with ``CSAT_SECRET_KEY``, as an opt-out is stored), so that
the unsubscribe link of an email already sent still records the opt-out, and
the cooldown still holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, null, or_, select, update
from sqlalchemy.orm import Session

from .invitations.addresses import normalize_address
from .invitations.rules import Reason, Status
from .storage.engine import execute_update, insert_ignoring_duplicates
from .storage.models import FollowUp, FollowUpEntry, Invitation, OptOut, Response
from .tokens import customer_hash


@dataclass(frozen=True)
class ErasureResult:
    """How much personal data an erasure or purge removed."""

    invitations: int
    comments: int
    cancelled: int


def opt_out(session: Session, secret: bytes, email: str, now: datetime) -> int:
    """Record an opt-out and cancel the customer's pending invitations.

    Returns the number of pending invitations cancelled.
    """
    return _opt_out_customer(session, customer_hash(secret, normalize_address(email)), now)


def _opt_out_customer(session: Session, customer: str, now: datetime) -> int:
    row = {"customer_hash": customer, "created_at": now}
    insert_ignoring_duplicates(session, OptOut, [row])
    return _cancel_pending(session, Invitation.customer_hash == customer, Reason.OPTED_OUT)


def unsubscribe(session: Session, secret: bytes, invitation: Invitation, now: datetime) -> int:
    """Opt out the customer of ``invitation`` (from a survey link).

    Returns the number of pending invitations cancelled; 0 if the address
    was erased already (an erased invitation gets no more mail anyway).
    """
    if invitation.customer_hash is None:
        return 0
    return _opt_out_customer(session, invitation.customer_hash, now)


def is_opted_out(session: Session, secret: bytes, email: str) -> bool:
    """True when ``email`` has opted out."""
    customer = customer_hash(secret, normalize_address(email))
    return session.get(OptOut, customer) is not None


def _cancel_pending(session: Session, which: ColumnElement[bool], reason: Reason) -> int:
    return execute_update(
        session,
        update(Invitation)
        .where(which, Invitation.status == Status.PENDING)
        .values(status=Status.CANCELLED.value, reason=reason.value)
        .execution_options(synchronize_session=False),
    )


def _erase(session: Session, which: ColumnElement[bool], now: datetime) -> ErasureResult:
    cancelled = _cancel_pending(session, which, Reason.ERASED)
    comments = execute_update(
        session,
        update(Response)
        .where(
            Response.invitation_id.in_(select(Invitation.id).where(which)),
            Response.texts.is_not(None),
        )
        .values(texts=null())
        .execution_options(synchronize_session=False),
    )
    execute_update(  # a lead's notes on the customer's cases may quote them
        session,
        update(FollowUpEntry)
        .where(
            FollowUpEntry.follow_up_id.in_(
                select(FollowUp.id).where(
                    FollowUp.invitation_id.in_(select(Invitation.id).where(which))
                )
            ),
            FollowUpEntry.note.is_not(None),
        )
        .values(note=None)
        .execution_options(synchronize_session=False),
    )
    invitations = execute_update(
        session,
        update(Invitation)
        .where(which, or_(Invitation.email.is_not(None), Invitation.last_error.is_not(None)))
        .values(email=None, last_error=None)
        .execution_options(synchronize_session=False),
    )
    execute_update(  # the links no longer accept answers
        session,
        update(Invitation)
        .where(which, Invitation.expires_at > now)
        .values(expires_at=now, reminder_due_at=None)
        .execution_options(synchronize_session=False),
    )
    return ErasureResult(
        invitations=invitations,
        comments=comments,
        cancelled=cancelled,
    )


def forget(session: Session, secret: bytes, email: str, now: datetime) -> ErasureResult:
    """Erase one customer's personal data; scores, the keyed hash and the opt-out stay."""
    normalized = normalize_address(email)
    customer = customer_hash(secret, normalized)
    return _erase(
        session, (Invitation.customer_hash == customer) | (Invitation.email == normalized), now
    )


def purge(session: Session, cutoff: datetime, now: datetime) -> ErasureResult:
    """Erase personal data of invitations created before ``cutoff``."""
    return _erase(session, Invitation.created_at < cutoff, now)
