"""The digest of overdue cases: one email per lead and day, queued for the outbox.

:meth:`csat.SurveyService.remind_follow_ups` (``csat follow-ups remind``, from
cron) queues, for every lead of a team with overdue cases (not closed, due
time passed), one lead email (``csat_lead_email``) of kind ``digest``
listing them; the outbox sends it with the other emails (``csat send``).

The rule that makes it idempotent: **one digest per lead per calendar day in**
``CSAT_TIMEZONE``. A lead who has a digest from today (sent or not) gets no
other until the next day, however often the job runs; addresses are compared
case-insensitively. Concurrent runs take turns: each first locks the overdue
cases (``SELECT … FOR UPDATE``; SQLite's write lock), and only then looks
for today's digests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..config import Settings
from ..storage.models import FollowUp, LeadEmail
from .cases import unique_addresses
from .rules import State


@dataclass(frozen=True)
class Reminded:
    """What one run of :func:`queue_digests` did."""

    #: The digests queued now: (lead address, how many cases it lists).
    queued: tuple[tuple[str, int], ...]
    #: Cases not closed whose due time has passed.
    overdue: int
    #: Leads with overdue cases who have today's digest already.
    already: tuple[str, ...]
    #: Overdue cases of teams without a lead in ``CSAT_TEAM_LEADS``.
    unassigned: int


def day_bounds(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The calendar day of ``now`` in ``zone``: its start and the next day's, in UTC."""
    day = now.astimezone(zone).date()
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def queue_digests(session: Session, settings: Settings, now: datetime) -> Reminded:
    """Queue today's digest for every lead with overdue cases who has none yet."""
    overdue = session.execute(
        select(FollowUp.id, FollowUp.team)
        .where(
            FollowUp.state.in_([State.OPEN.value, State.CLAIMED.value]),
            FollowUp.due_at <= now,
        )
        .order_by(FollowUp.due_at, FollowUp.id)
        .with_for_update()  # first: a concurrent run waits here, then sees our digests
    ).all()
    lists: dict[str, tuple[str, list[int]]] = {}
    unassigned = 0
    for case_id, team in overdue:
        leads = unique_addresses(settings.leads_of(team))
        if not leads:
            unassigned += 1
        for address in leads:
            lists.setdefault(address.lower(), (address, []))[1].append(case_id)
    if not lists:
        return Reminded(queued=(), overdue=len(overdue), already=(), unassigned=unassigned)
    start, end = day_bounds(now, ZoneInfo(settings.timezone))
    today = session.scalars(
        select(LeadEmail.recipient).where(
            LeadEmail.kind == "digest", LeadEmail.created_at >= start, LeadEmail.created_at < end
        )
    )
    had = {address.lower() for address in today}
    new = [(address, ids) for key, (address, ids) in lists.items() if key not in had]
    if new:
        session.execute(
            insert(LeadEmail),
            [
                {
                    "kind": "digest",
                    "follow_up_id": None,
                    "follow_up_ids": ids,
                    "recipient": address,
                    "locale": settings.default_locale,
                    "created_at": now,
                    "due_at": now,
                    "status": "pending",
                    "attempts": 0,
                }
                for address, ids in new
            ],
        )
    return Reminded(
        queued=tuple((address, len(ids)) for address, ids in new),
        overdue=len(overdue),
        already=tuple(address for key, (address, _) in lists.items() if key in had),
        unassigned=unassigned,
    )
