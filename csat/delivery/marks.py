"""The outbox's marking statements, made once (see :mod:`csat.delivery.outbox`)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, exists, or_, select, text

from ..models import Invitation, Response, metadata
from ..rules import Status

_INVITATIONS = metadata.tables[Invitation.__tablename__]

SYNC_OFF = text("SET LOCAL synchronous_commit = off")


@lru_cache(maxsize=32)
def mark_statement(keys: tuple[str, ...]) -> Any:
    """UPDATE of the columns ``keys`` for one row (``b_id``), guarded by its claim
    (``b_claim``) and status (``b_expected``): made once per set of columns."""
    return (
        _INVITATIONS.update()
        .where(
            _INVITATIONS.c.id == bindparam("b_id"),
            _INVITATIONS.c.claim_id == bindparam("b_claim"),
            _INVITATIONS.c.status == bindparam("b_expected"),  # not if cancelled meanwhile
        )
        .values({key: bindparam(key) for key in keys})
    )


def gone_statement(upcoming: Any, reminders: bool) -> Any:
    """Ids of ``upcoming`` rows not to send any more: an invitation cancelled (or
    no longer pending), a reminder answered or no longer due to a sent invitation."""
    if not reminders:
        return select(_INVITATIONS.c.id).where(
            upcoming, _INVITATIONS.c.status != Status.PENDING.value
        )
    return select(_INVITATIONS.c.id).where(
        upcoming,
        or_(
            _INVITATIONS.c.status != Status.SENT.value,
            exists().where(Response.invitation_id == _INVITATIONS.c.id),
        ),
    )
