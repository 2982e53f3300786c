"""The demo's team leads working the follow-up cases, through the service's API.

Answers that need a call back open cases by themselves (the survey pages
record them with ``CSAT_FOLLOW_UPS`` on). The leads look at the open cases a
few times a day on working days and once on Saturdays (:func:`check_hours`);
for each new one
:func:`plan` decides, from its own random stream, what the lead does and
when: claim it, sometimes write a note first, call the customer (a note that
records the contact), and close it with an outcome. Every step happens in
office hours, so a case opened on a Saturday afternoon waits for Monday and
is overdue; a few cases are left for a day or three (a busy week), and some
customers cannot be reached, not even at the second attempt.

The stream is ``random.Random(f"csat-demo-leads-{seed}")``: the same seed
gives the same cases and the same work, and the answers of the year stay
exactly what they were without the leads.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ..follow_ups.rules import Outcome
from ..follow_ups.work import CaseRow
from ..service import SurveyService
from .population import ZONE
from .profiles import HEAD_OF_SUPPORT, HOLIDAYS, LEADS

#: When the leads look at the list of open cases, local time: on working days,
#: and once on Saturdays (one of them is on call).
CHECK_HOURS = (8, 11, 14, 16)
SATURDAY_CHECK_HOURS = (10,)
#: Office hours of the leads (local), in which they call, write notes and close
#: cases: on working days, and Saturday mornings.
OFFICE = (time(8), time(17, 30))
SATURDAY_OFFICE = (time(10), time(13))
#: How a call back ends, and how often (reached and resolved in most cases).
OUTCOMES = {
    Outcome.RESOLVED: 0.7,
    Outcome.NOT_RESOLVED: 0.12,
    Outcome.NOT_REACHABLE: 0.1,
    Outcome.DECLINED: 0.08,
}
#: Share of new cases a lead leaves for one to three working days.
LEFT_FOR_LATER = 0.06
#: Share of claims with a note before the call.
NOTE_FIRST = 0.4

_NOTES = {
    "first": (
        "Antworten gelesen, rufe heute noch an.",
        "Mit dem Agenten gesprochen, er schildert das Ticket anders. Rufe an.",
        "Ticket-Verlauf angesehen: dreimal weitergeleitet. Rufe an.",
    ),
    Outcome.RESOLVED: (
        "Zurückgerufen, Kunde hat das Problem noch einmal geschildert.",
        "Angerufen; wir haben uns für den Ablauf entschuldigt.",
        "Erreicht, Kunde war froh über den Anruf.",
    ),
    Outcome.NOT_RESOLVED: (
        "Erreicht, das Problem besteht weiter.",
        "Angerufen; die Lösung hat nur kurz gehalten.",
    ),
    Outcome.NOT_REACHABLE: (
        "Nicht erreicht, Nachricht auf der Mailbox hinterlassen.",
        "Niemand abgenommen; E-Mail mit Rückrufangebot geschickt.",
    ),
    Outcome.DECLINED: (
        "Erreicht, Kunde möchte nicht weiter darüber sprechen.",
        "Kunde hat keine Zeit und wünscht kein Gespräch.",
    ),
}
_CLOSING = {
    Outcome.RESOLVED: (
        "Lösung erklärt, Kunde ist zufrieden.",
        "Einstellung gemeinsam korrigiert, läuft jetzt.",
        "Feedback an den Agenten weitergegeben, Kunde bedankt sich.",
    ),
    Outcome.NOT_RESOLVED: (
        "Ticket wieder eröffnet und an den 2nd Level gegeben.",
        "Ersatzgerät bestellt, Kunde wartet noch.",
    ),
    Outcome.NOT_REACHABLE: ("Zweimal nicht erreicht, Fall geschlossen.",),
    Outcome.DECLINED: ("Kein Gespräch gewünscht; Rückmeldung ans Team weitergegeben.",),
}


@dataclass(frozen=True)
class Step:
    """One thing a lead does on a case: ``claim``, ``note``, ``contact`` or ``close``."""

    kind: str
    case_id: int
    actor: str
    note: str | None = None
    outcome: Outcome | None = None


def leads_setting() -> dict[str, list[str]]:
    """``CSAT_TEAM_LEADS`` of the demo: each team's lead, the head of support for the rest."""
    setting = {team: [address] for team, (_, address) in LEADS.items()}
    setting["*"] = [HEAD_OF_SUPPORT[1]]
    return setting


def office_hours(day: date) -> tuple[time, time] | None:
    """The leads' hours on ``day``: none on Sundays and public holidays."""
    if day in HOLIDAYS or day.weekday() == 6:
        return None
    return SATURDAY_OFFICE if day.weekday() == 5 else OFFICE


def check_hours(day: date) -> tuple[int, ...]:
    """When the leads look at the open cases on ``day`` (local hours)."""
    hours = office_hours(day)
    if hours is None:
        return ()
    return SATURDAY_CHECK_HOURS if hours == SATURDAY_OFFICE else CHECK_HOURS


def in_office(when: datetime) -> datetime:
    """``when``, or the start of the leads' next office hours if it falls outside them."""
    local = when.astimezone(ZONE)
    day = local.date()
    while True:
        hours = office_hours(day)
        if hours is not None:
            start = datetime.combine(day, hours[0], ZONE)
            if local < datetime.combine(day, hours[1], ZONE):
                return max(local, start).astimezone(when.tzinfo)
        day += timedelta(days=1)


def plan(rng: random.Random, case: CaseRow, now: datetime) -> list[tuple[datetime, Step]]:
    """What the team's lead does on a case seen for the first time at ``now``, and when."""
    actor = LEADS.get(case.team, HEAD_OF_SUPPORT)[0]
    outcome = rng.choices(list(OUTCOMES), weights=list(OUTCOMES.values()))[0]
    at = now + timedelta(minutes=rng.uniform(2, 40))
    if rng.random() < LEFT_FOR_LATER:
        at += timedelta(days=rng.randint(1, 3), minutes=rng.uniform(0, 240))
    at = in_office(at)
    steps = [(at, Step("claim", case.id, actor))]
    if rng.random() < NOTE_FIRST:
        at = in_office(at + timedelta(minutes=rng.uniform(1, 20)))
        steps.append((at, Step("note", case.id, actor, rng.choice(_NOTES["first"]))))
    at = in_office(at + timedelta(minutes=rng.uniform(5, 150)))
    steps.append((at, Step("contact", case.id, actor, rng.choice(_NOTES[outcome]))))
    if outcome == Outcome.NOT_REACHABLE:  # a second attempt, some hours later
        at = in_office(at + timedelta(hours=rng.uniform(2, 8)))
        steps.append((at, Step("contact", case.id, actor, rng.choice(_NOTES[outcome]))))
    at = in_office(at + timedelta(minutes=rng.uniform(4, 45)))
    closing = rng.choice(_CLOSING[outcome])
    steps.append((at, Step("close", case.id, actor, closing, outcome)))
    return steps


def act(service: SurveyService, step: Step) -> None:
    """Do ``step`` through the service, at the service's (simulated) time."""
    if step.kind == "claim":
        service.claim_follow_up(step.case_id, step.actor)
    elif step.kind in ("note", "contact"):
        assert step.note is not None
        contacted = step.kind == "contact"
        service.note_follow_up(step.case_id, step.actor, step.note, contacted=contacted)
    else:
        assert step.outcome is not None
        service.close_follow_up(step.case_id, step.actor, step.outcome, note=step.note)
