"""Working the cases: list, show, claim, note, close — as the console and the CLI do.

Every function runs on a session whose transaction the caller manages
(:class:`~csat.SurveyService` commits). Each action writes a line of the
case's history, and showing the customer's address writes one too, so the
history says who saw it when.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..errors import FollowUpNotFoundError, FollowUpStateError, InvalidInputError
from ..storage.models import FollowUp, FollowUpEntry, Invitation, Response
from ..survey.catalog import SurveyCatalog
from ..survey.model import AnswerValue, Survey
from .rules import Action, Outcome, State, Why, split

#: Longest note accepted, in characters.
NOTE_MAX_LENGTH = 4000
#: Longest actor name (a console user, ``--by`` of the CLI).
ACTOR_MAX_LENGTH = 255


@dataclass(frozen=True)
class CaseRow:
    """One case in a list: what the list of cases shows."""

    id: int
    ticket_id: str
    team: str
    agent: str
    channel: str
    locale: str
    state: State
    opened_at: datetime
    due_at: datetime
    claimed_by: str | None
    outcome: Outcome | None
    closed_at: datetime | None
    reasons: tuple[Why, ...]
    understood_score: int | None
    helped_score: int | None

    def overdue(self, now: datetime) -> bool:
        """True when the case is not closed and its due time has passed."""
        return self.state != State.CLOSED and now >= self.due_at

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (times as ISO 8601 in UTC)."""
        return {
            "id": self.id,
            "ticket_id": self.ticket_id,
            "team": self.team,
            "agent": self.agent,
            "channel": self.channel,
            "locale": self.locale,
            "state": self.state.value,
            "opened_at": self.opened_at.isoformat(),
            "due_at": self.due_at.isoformat(),
            "claimed_by": self.claimed_by,
            "outcome": None if self.outcome is None else self.outcome.value,
            "closed_at": None if self.closed_at is None else self.closed_at.isoformat(),
            "reasons": [w.value for w in self.reasons],
            "understood_score": self.understood_score,
            "helped_score": self.helped_score,
        }


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a case's history."""

    at: datetime
    actor: str
    action: Action
    note: str | None
    outcome: Outcome | None


@dataclass(frozen=True)
class CaseDetail:
    """Everything the case page shows."""

    case: CaseRow
    #: The customer's address for the call; ``None`` once erased, or when not asked for.
    email: str | None
    #: True when the address was erased (forget / retention).
    erased: bool
    survey: Survey
    #: The stored answers, free text included (``{}`` once erased).
    answers: Mapping[str, AnswerValue]
    answered_at: datetime | None
    first_contact_at: datetime | None
    history: Sequence[HistoryEntry]


_COLUMNS = (
    FollowUp.id, FollowUp.ticket_id, FollowUp.team, FollowUp.agent, FollowUp.channel,
    FollowUp.locale, FollowUp.state, FollowUp.opened_at, FollowUp.due_at, FollowUp.claimed_by,
    FollowUp.outcome, FollowUp.closed_at, FollowUp.reasons, FollowUp.understood_score,
    FollowUp.helped_score,
)  # fmt: skip


def _row(row: Any) -> CaseRow:
    return CaseRow(
        id=row.id, ticket_id=row.ticket_id, team=row.team, agent=row.agent,
        channel=row.channel, locale=row.locale, state=State(row.state),
        opened_at=row.opened_at, due_at=row.due_at, claimed_by=row.claimed_by,
        outcome=None if row.outcome is None else Outcome(row.outcome),
        closed_at=row.closed_at, reasons=split(row.reasons),
        understood_score=row.understood_score, helped_score=row.helped_score,
    )  # fmt: skip


def parse_state(value: str) -> State:
    """The :class:`State` named ``value``, or an :class:`~csat.errors.InvalidInputError`."""
    try:
        return State(value)
    except ValueError as e:
        names = ", ".join(s.value for s in State)
        raise InvalidInputError("state", f"{value!r} is not one of {names}") from e


def parse_outcome(value: str) -> Outcome:
    """The :class:`Outcome` named ``value``, or an :class:`~csat.errors.InvalidInputError`."""
    try:
        return Outcome(value)
    except ValueError as e:
        names = ", ".join(o.value for o in Outcome)
        raise InvalidInputError("outcome", f"{value!r} is not one of {names}") from e


def check_actor(actor: object) -> str:
    """``actor`` if it is one line of printable text of at most 255 characters."""
    if not isinstance(actor, str) or not actor.strip() or len(actor) > ACTOR_MAX_LENGTH:
        raise InvalidInputError("actor", "must be a name of 1 to 255 characters")
    if not actor.isprintable():
        raise InvalidInputError("actor", "must be one line of printable text")
    return actor.strip()


def check_note(note: object) -> str:
    """A note's text: line breaks normalised to ``\\n``, no other control characters."""
    if not isinstance(note, str):
        raise InvalidInputError("note", "must be text")
    text = note.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise InvalidInputError("note", "must not be empty")
    if len(text) > NOTE_MAX_LENGTH:
        raise InvalidInputError("note", f"must be at most {NOTE_MAX_LENGTH} characters")
    if any(not (c.isprintable() or c in "\n\t") for c in text):
        raise InvalidInputError("note", "must not contain control characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise InvalidInputError("note", "is not valid text (a lone surrogate)") from e
    return text


def case_query(
    *,
    team: str | None = None,
    agent: str | None = None,
    state: State | None = None,
    overdue: bool = False,
    now: datetime | None = None,
) -> Any:
    """A SELECT of the cases matching the filters, sorted by due time (then id)."""
    query = select(*_COLUMNS).order_by(FollowUp.due_at, FollowUp.id)
    if team is not None:
        query = query.where(FollowUp.team == team)
    if agent is not None:
        query = query.where(FollowUp.agent == agent)
    if state is not None:
        query = query.where(FollowUp.state == state.value)
    if overdue:
        if now is None:
            raise InvalidInputError("now", "is needed to find overdue cases")
        query = query.where(FollowUp.state != State.CLOSED.value, FollowUp.due_at <= now)
    return query


def list_cases(session: Session, query: Any, limit: int | None = None) -> list[CaseRow]:
    """The cases of ``query`` (see :func:`case_query`), at most ``limit``."""
    if limit is not None:
        query = query.limit(limit)
    return [_row(row) for row in session.execute(query)]


def case_of(session: Session, invitation_id: int) -> CaseRow | None:
    """The case of an invitation, if it has one."""
    row = session.execute(select(*_COLUMNS).where(FollowUp.invitation_id == invitation_id)).first()
    return None if row is None else _row(row)


def cases_by_id(session: Session, ids: Sequence[int]) -> dict[int, CaseRow]:
    """The cases of ``ids`` that exist, by id (one query)."""
    if not ids:
        return {}
    query = select(*_COLUMNS).where(FollowUp.id.in_(sorted(set(ids))))
    return {row.id: _row(row) for row in session.execute(query)}


@dataclass(frozen=True)
class CaseCounts:
    """How many cases there are in each state, and how many are overdue."""

    open: int = 0
    claimed: int = 0
    closed: int = 0
    #: Open or claimed, past their due time.
    overdue: int = 0

    @property
    def total(self) -> int:
        """All cases counted."""
        return self.open + self.claimed + self.closed


def count_cases(
    session: Session, now: datetime, *, team: str | None = None, agent: str | None = None
) -> CaseCounts:
    """The cases of ``team`` and ``agent`` (``None``: all) by state, and the overdue
    ones at ``now``: one grouped query."""
    late = case((FollowUp.due_at <= now, 1), else_=0)
    query = select(
        FollowUp.state,
        func.count(),
        func.sum(case((FollowUp.state == State.CLOSED.value, 0), else_=late)),
    ).group_by(FollowUp.state)
    if team is not None:
        query = query.where(FollowUp.team == team)
    if agent is not None:
        query = query.where(FollowUp.agent == agent)
    rows = session.execute(query)
    counts = {State(state): (int(n), int(late_n or 0)) for state, n, late_n in rows}
    return CaseCounts(
        open=counts.get(State.OPEN, (0, 0))[0],
        claimed=counts.get(State.CLAIMED, (0, 0))[0],
        closed=counts.get(State.CLOSED, (0, 0))[0],
        overdue=sum(late_n for _, late_n in counts.values()),
    )


def teams_and_agents(session: Session) -> tuple[list[str], list[str]]:
    """The teams and agents that have cases (the console's filter choices)."""
    teams = session.scalars(select(FollowUp.team).distinct().order_by(FollowUp.team))
    agents = session.scalars(select(FollowUp.agent).distinct().order_by(FollowUp.agent))
    return list(teams), list(agents)


def _case(session: Session, case_id: int, *, lock: bool = False) -> FollowUp:
    if isinstance(case_id, bool) or not isinstance(case_id, int):
        raise FollowUpNotFoundError(case_id)
    query = select(FollowUp).where(FollowUp.id == case_id)
    if lock:
        query = query.with_for_update()
    case = session.scalars(query).one_or_none()
    if case is None:
        raise FollowUpNotFoundError(case_id)
    return case


def _log(
    session: Session,
    case: FollowUp,
    now: datetime,
    actor: str,
    action: Action,
    *,
    note: str | None = None,
    outcome: Outcome | None = None,
) -> None:
    session.add(
        FollowUpEntry(
            follow_up_id=case.id,
            at=now,
            actor=actor,
            action=action.value,
            note=note,
            outcome=None if outcome is None else outcome.value,
        )
    )


def detail(
    session: Session,
    catalog: SurveyCatalog,
    case_id: int,
    now: datetime,
    *,
    viewer: str | None,
    show_address: bool = True,
) -> CaseDetail:
    """What the case page shows; showing the address is written to the history
    as seen by ``viewer``."""
    case = _case(session, case_id)
    invitation = session.get_one(Invitation, case.invitation_id)
    response = session.scalars(
        select(Response).where(Response.invitation_id == case.invitation_id)
    ).one_or_none()
    email = invitation.email if show_address else None
    if email is not None:
        _log(session, case, now, check_actor(viewer or "unknown"), Action.ADDRESS_SHOWN)
        session.flush()
    answers: dict[str, AnswerValue] = {}
    if response is not None:
        answers.update(response.answers)
        answers.update(response.texts or {})
    entries = session.scalars(
        select(FollowUpEntry)
        .where(FollowUpEntry.follow_up_id == case.id)
        .order_by(FollowUpEntry.at, FollowUpEntry.id)
    )
    history = [
        HistoryEntry(
            at=e.at,
            actor=e.actor,
            action=Action(e.action),
            note=e.note,
            outcome=None if e.outcome is None else Outcome(e.outcome),
        )
        for e in entries
    ]
    return CaseDetail(
        case=_row(case),
        email=email,
        erased=invitation.email is None,
        survey=catalog.version(session, invitation.survey_version),
        answers=answers,
        answered_at=None if response is None else response.answered_at,
        first_contact_at=case.first_contact_at,
        history=history,
    )


def claim(session: Session, case_id: int, actor: str, now: datetime) -> CaseRow:
    """``actor`` takes the case (also from another lead who claimed it)."""
    actor = check_actor(actor)
    case = _case(session, case_id, lock=True)
    if case.state == State.CLOSED:
        raise FollowUpStateError(case.id, case.state, "claim")
    case.state = State.CLAIMED.value
    case.claimed_by = actor
    case.claimed_at = now
    case.updated_at = now
    _log(session, case, now, actor, Action.CLAIMED)
    session.flush()
    return _row(case)


def add_note(
    session: Session, case_id: int, actor: str, note: str, now: datetime, *, contacted: bool
) -> CaseRow:
    """Add a note; ``contacted``: it records an attempt to reach the customer."""
    actor, text = check_actor(actor), check_note(note)
    case = _case(session, case_id, lock=True)
    if contacted and case.first_contact_at is None:
        case.first_contact_at = now
    case.updated_at = now
    _log(session, case, now, actor, Action.CONTACTED if contacted else Action.NOTE, note=text)
    session.flush()
    return _row(case)


def close(
    session: Session,
    case_id: int,
    actor: str,
    outcome: Outcome | str,
    now: datetime,
    *,
    note: str | None = None,
) -> CaseRow:
    """Close the case with ``outcome``; every outcome is an attempt to reach the
    customer, so the first contact is now unless recorded before."""
    actor = check_actor(actor)
    result = outcome if isinstance(outcome, Outcome) else parse_outcome(outcome)
    text = None if note is None or not note.strip() else check_note(note)
    case = _case(session, case_id, lock=True)
    if case.state == State.CLOSED:
        raise FollowUpStateError(case.id, case.state, "close")
    case.state = State.CLOSED.value
    case.outcome = result.value
    case.closed_by = actor
    case.closed_at = now
    case.updated_at = now
    if case.first_contact_at is None:
        case.first_contact_at = now
    _log(session, case, now, actor, Action.CLOSED, note=text, outcome=result)
    session.flush()
    return _row(case)
