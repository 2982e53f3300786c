"""Open or update the case of an answer, inside the transaction that stores it.

Called by :meth:`csat.answers.record.Recorder.record` on its connection, so
the answer and its case are committed together or not at all. One case per
invitation (a unique key): of concurrent submissions one inserts, the others
lose the race, are retried as edits and update it. A new case queues one
email per lead of the team (:class:`~csat.storage.models.LeadEmail`), sent
by the outbox with the survey emails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Table, insert, select, update

from ..config import Settings
from ..storage.models import FollowUp, FollowUpEntry, LeadEmail
from .rules import SYSTEM, Action, State, Why, join

_CASES = cast(Table, FollowUp.__table__)
_ENTRIES = cast(Table, FollowUpEntry.__table__)
_LEAD_EMAILS = cast(Table, LeadEmail.__table__)
_CASE = _CASES.c

#: What an answer's invitation contributes to its case.
_COPIED = ("ticket_id", "team", "agent", "channel", "locale")


@dataclass(frozen=True)
class CaseChange:
    """What storing an answer did to its invitation's case."""

    case_id: int
    #: True when this answer opened the case.
    opened: bool
    #: How many lead emails were queued (only when it opened).
    leads_told: int = 0


def sync_case(
    conn: Connection,
    settings: Settings,
    invitation: Any,
    why: tuple[Why, ...],
    scores: tuple[int | None, int | None],
    now: datetime,
    *,
    first: bool,
) -> CaseChange | None:
    """Open, update or annotate the case of ``invitation`` after an answer.

    ``invitation`` is a row with ``id`` and the columns of :data:`_COPIED`;
    ``why`` says why the answers now need a call back (empty: they do not);
    ``scores`` are the understood and helped scores now; ``first``: this is the
    invitation's first answer, so it has no case yet (nothing to look up).
    """
    if not settings.follow_ups:
        return None
    if first:
        return _open(conn, settings, invitation, why, scores, now) if why else None
    existing = conn.execute(
        select(_CASE.id, _CASE.reasons, _CASE.understood_score, _CASE.helped_score).where(
            _CASE.invitation_id == invitation.id
        )
    ).first()
    if existing is None:
        return _open(conn, settings, invitation, why, scores, now) if why else None
    reasons = join(why)
    if (reasons, *scores) == (existing.reasons, existing.understood_score, existing.helped_score):
        return CaseChange(existing.id, opened=False)
    conn.execute(
        update(_CASES)
        .where(_CASE.id == existing.id)
        .values(
            reasons=reasons,
            understood_score=scores[0],
            helped_score=scores[1],
            updated_at=now,
        )
    )
    action = Action.UPDATED if why else Action.NO_LONGER_NEEDED
    _entry(conn, existing.id, now, action)
    return CaseChange(existing.id, opened=False)


def _open(
    conn: Connection,
    settings: Settings,
    invitation: Any,
    why: tuple[Why, ...],
    scores: tuple[int | None, int | None],
    now: datetime,
) -> CaseChange:
    inserted = conn.execute(
        insert(_CASES).values(
            invitation_id=invitation.id,
            **{name: getattr(invitation, name) for name in _COPIED},
            opened_at=now,
            due_at=now + settings.follow_up_due,
            state=State.OPEN.value,
            reasons=join(why),
            understood_score=scores[0],
            helped_score=scores[1],
            updated_at=now,
        )
    )
    primary = cast(CursorResult[Any], inserted).inserted_primary_key
    assert primary is not None
    case_id = int(primary[0])
    _entry(conn, case_id, now, Action.OPENED)
    leads = unique_addresses(settings.leads_of(invitation.team))
    if leads:
        conn.execute(
            insert(_LEAD_EMAILS),
            [
                {
                    "kind": "case",
                    "follow_up_id": case_id,
                    "follow_up_ids": None,
                    "recipient": address,
                    "locale": settings.default_locale,
                    "created_at": now,
                    "due_at": now,
                    "status": "pending",
                    "attempts": 0,
                }
                for address in leads
            ],
        )
    return CaseChange(case_id, opened=True, leads_told=len(leads))


def unique_addresses(addresses: tuple[str, ...]) -> list[str]:
    """``addresses`` without repeats (compared case-insensitively), in order."""
    seen: set[str] = set()
    unique = []
    for address in addresses:
        if address.lower() not in seen:
            seen.add(address.lower())
            unique.append(address)
    return unique


def _entry(
    conn: Connection,
    case_id: int,
    now: datetime,
    action: Action,
    *,
    actor: str = SYSTEM,
    note: str | None = None,
    outcome: str | None = None,
) -> None:
    conn.execute(
        insert(_ENTRIES).values(
            follow_up_id=case_id,
            at=now,
            actor=actor,
            action=action.value,
            note=note,
            outcome=outcome,
        )
    )
