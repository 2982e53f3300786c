"""Hand-made follow-up cases for the metrics and report tests: fast core inserts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select

from csat.storage.models import FollowUp, Invitation
from tests.metrics_data import add_unanswered

H = timedelta(hours=1)


def at(day: int, hour: int = 0, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@dataclass(frozen=True)
class Case:
    """One follow-up case as the tests write it (``due`` after opening)."""

    team: str
    opened: datetime
    contact: datetime | None = None
    closed: datetime | None = None
    outcome: str | None = None
    due: timedelta = 24 * H


def add_cases(engine: Engine, cases: list[Case]) -> None:
    """Each case on an invitation of its own (delivered, never answered)."""
    add_unanswered(engine, len(cases), at(1))
    with engine.begin() as conn:
        ids = conn.execute(select(Invitation.id).order_by(Invitation.id.desc())).scalars()
        ids = sorted(ids.all()[: len(cases)])
        rows = [
            {
                "invitation_id": invitation_id,
                "ticket_id": f"T-{invitation_id}",
                "team": case.team,
                "agent": "ana",
                "channel": "phone",
                "locale": "de",
                "opened_at": case.opened,
                "due_at": case.opened + case.due,
                "state": "closed" if case.closed else ("claimed" if case.contact else "open"),
                "first_contact_at": case.contact,
                "closed_at": case.closed,
                "outcome": case.outcome,
                "reasons": "not_understood",
                "understood_score": 1,
                "helped_score": 5,
                "updated_at": case.closed or case.contact or case.opened,
            }
            for invitation_id, case in zip(ids, cases, strict=True)
        ]
        conn.execute(insert(FollowUp), rows)


#: The time the report and the tests judge :data:`OCTOBER` at.
AS_OF = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)

#: October 2026, counted by hand (as of :data:`AS_OF`, 2 November, 08:00 UTC):
OCTOBER = [
    # Team A: closed long before its due time, 1 h to first contact: in time.
    Case("A", at(5, 9), at(5, 10), at(5, 11), "resolved"),
    # Closed exactly at its due time (the close is the first contact, 24 h): in time.
    Case("A", at(10, 12), at(11, 12), at(11, 12), "not_resolved"),
    # Contacted after 6 h, closed a day late: late.
    Case("A", at(20, 8), at(20, 14), at(22, 8), "not_reachable"),
    # Opened on 31 October, closed on 1 November within its due time (13 h to contact):
    # in time, and open at the month's end, not yet overdue then.
    Case("A", at(31, 20), at(1, 9, 11), at(1, 10, 11), "declined"),
    # Never contacted, not closed, due on 26 October: late, overdue at the month's end.
    Case("A", at(25, 9)),
    # Team B: due in 48 h (the setting changed), not yet due on 2 November: pending.
    Case("B", at(31, 23), due=48 * H),
    # September: open at the end of October (overdue since 29 September), not in the month.
    Case("B", at(28, 10, 9), at(30, 9, 9)),
    # September, closed in September: nowhere in October.
    Case("B", at(15, 10, 9), at(15, 12, 9), at(16, 10, 9), "resolved"),
    # The first instant of November: not October's.
    Case("B", at(1, 0, 11)),
]
