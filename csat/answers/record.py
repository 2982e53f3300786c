"""Answers: open a survey by token and record (or edit) its response.

A token is looked up only by its SHA-256, in one lean statement that reads
the invitation and its response together (no ORM objects). Answers are
validated against the survey *version* the invitation was made with. The
first submission creates the one response of an invitation; later
submissions within the edit window change it; afterwards it is final.
Concurrent first submissions for one token end in one response: the loser
of the unique-key race retries as an edit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from ..config import Settings
from ..errors import (
    CancelledTokenError,
    ExpiredTokenError,
    ResponseFinalError,
    UnknownTokenError,
    UnsubscribedTokenError,
)
from ..follow_ups.cases import CaseChange, sync_case
from ..follow_ups.rules import Why, reasons
from ..invitations.rules import Reason, Status
from ..storage.models import Invitation, Response
from ..survey.catalog import SurveyCatalog
from ..survey.model import AnswerValue, Survey
from ..tokens import is_well_formed, token_hash


@dataclass(frozen=True)
class SurveyView:
    """Everything a survey page needs for one token."""

    invitation_id: int
    ticket_id: str
    survey: Survey
    locale: str
    team: str
    agent: str
    #: Stored answers (including free text), empty before the first submission.
    answers: Mapping[str, AnswerValue]
    answered_at: datetime | None
    #: Until when the answers can be changed; ``None`` before the first submission.
    editable_until: datetime | None
    expires_at: datetime
    #: The customer's IANA time zone given with the invitation (``None``: unknown).
    timezone: str | None = None

    @property
    def answered(self) -> bool:
        """True once a response is stored."""
        return self.answered_at is not None

    def is_final(self, now: datetime) -> bool:
        """True when the stored answers can no longer be changed."""
        return self.editable_until is not None and now >= self.editable_until


@dataclass(frozen=True)
class RecordResult:
    """The stored response after ``record``."""

    response_id: int
    invitation_id: int
    ticket_id: str
    team: str
    agent: str
    #: True for the first submission, False for an edit.
    created: bool
    answers: Mapping[str, AnswerValue]
    understood_score: int | None
    helped_score: int | None
    overall_score: int | None
    effort_score: float | None
    editable_until: datetime
    #: The stored scores this submission replaced (``None`` for the first one).
    previous_understood_score: int | None = None
    previous_helped_score: int | None = None
    #: Why the stored answers need a call back (empty: they do not); see
    #: :func:`csat.follow_ups.rules.reasons`.
    follow_up: tuple[Why, ...] = ()
    #: The same for the answers this edit replaced (empty for a first submission).
    previous_follow_up: tuple[Why, ...] = ()
    #: The invitation's follow-up case, if it has one (``CSAT_FOLLOW_UPS``).
    case: CaseChange | None = None

    @property
    def new_follow_up(self) -> bool:
        """True when these answers need a call back and the ones they replaced did not."""
        return bool(self.follow_up) and not self.previous_follow_up


_INVITATIONS = cast(Table, Invitation.__table__)
_RESPONSES = cast(Table, Response.__table__)
_INVITATION, _RESPONSE = _INVITATIONS.c, _RESPONSES.c
#: Everything opening or answering a survey needs, in one statement.
_LOOKUP = (
    select(
        _INVITATION.id,
        _INVITATION.ticket_id,
        _INVITATION.survey_key,
        _INVITATION.survey_version,
        _INVITATION.locale,
        _INVITATION.timezone,
        _INVITATION.team,
        _INVITATION.agent,
        _INVITATION.channel,
        _INVITATION.category,
        _INVITATION.status,
        _INVITATION.reason,
        _INVITATION.expires_at,
        _RESPONSE.id.label("response_id"),
        _RESPONSE.answers,
        _RESPONSE.texts,
        _RESPONSE.answered_at,
        _RESPONSE.understood_score,
        _RESPONSE.helped_score,
    )
    .select_from(_INVITATIONS.outerjoin(_RESPONSES, _RESPONSE.invitation_id == _INVITATION.id))
    .where(_INVITATION.token_hash == bindparam("token_hash"))
)
# The values come as execution parameters.
_INSERT = insert(_RESPONSES)
_UPDATE = update(_RESPONSES).where(_RESPONSE.id == bindparam("response_id_"))


def _check_status(
    status: str, reason: str, expires_at: datetime, now: datetime, *, answered: bool
) -> None:
    if status == Status.SKIPPED:
        raise UnknownTokenError()
    if status == Status.CANCELLED:
        if reason == Reason.OPTED_OUT:
            raise UnsubscribedTokenError(answered=answered)
        raise CancelledTokenError()
    if status == Status.EXPIRED or now >= expires_at:
        raise ExpiredTokenError()


def _connection(db: Session | Connection) -> Connection:
    return db.connection() if isinstance(db, Session) else db


def _lookup(db: Session | Connection, token: str, now: datetime, *, answerable: bool = True) -> Any:
    """The invitation (and response, if any) of an answerable ``token``.

    ``answerable=False`` (unsubscribing): any invitation that was meant to be
    sent, also an expired or cancelled one.
    """
    if not isinstance(token, str) or not is_well_formed(token):
        raise UnknownTokenError()
    row: Any = _connection(db).execute(_LOOKUP, {"token_hash": token_hash(token)}).first()
    if row is None:
        raise UnknownTokenError()
    if answerable:
        _check_status(
            row.status, row.reason, row.expires_at, now, answered=row.response_id is not None
        )
    elif row.status == Status.SKIPPED:
        raise UnknownTokenError()
    return row


def find_invitation(
    session: Session, token: str, now: datetime, *, answerable: bool = True
) -> Invitation:
    """The answerable invitation for ``token``.

    ``answerable=False`` (unsubscribing, which works for as long as a link
    exists): also an expired or cancelled invitation.

    :raises UnknownTokenError: no such token (or never meant to be sent).
    :raises CancelledTokenError: the invitation was cancelled.
    :raises ExpiredTokenError: the validity period is over.
    """
    if not isinstance(token, str) or not is_well_formed(token):
        raise UnknownTokenError()
    row = session.scalars(
        select(Invitation).where(Invitation.token_hash == token_hash(token))
    ).one_or_none()
    if row is None:
        raise UnknownTokenError()
    if answerable:
        answered = session.scalar(select(Response.id).where(Response.invitation_id == row.id))
        _check_status(row.status, row.reason, row.expires_at, now, answered=answered is not None)
    elif row.status == Status.SKIPPED:
        raise UnknownTokenError()
    return row


def _split(
    survey: Survey, answers: Mapping[str, AnswerValue]
) -> tuple[dict[str, Any], dict[str, str]]:
    scores: dict[str, Any] = {}
    texts: dict[str, str] = {}
    for key, value in answers.items():
        if survey.question(key).type == "text":
            texts[key] = str(value)
        else:
            scores[key] = value
    return scores, texts


class Recorder:
    """The answer logic, on a session or connection (and transaction) the caller manages."""

    def __init__(self, settings: Settings, catalog: SurveyCatalog) -> None:
        self.settings = settings
        self.catalog = catalog

    def view(
        self, db: Session | Connection, token: str, now: datetime, *, answerable: bool = True
    ) -> SurveyView:
        """What the survey page for ``token`` shows (``answerable``: see :func:`_lookup`)."""
        return self._view(db, _lookup(db, token, now, answerable=answerable))

    def _view(self, db: Session | Connection, row: Any) -> SurveyView:
        answers: dict[str, AnswerValue] = {}
        editable_until = None
        if row.response_id is not None:
            answers.update(row.answers)
            answers.update(row.texts or {})
            editable_until = row.answered_at + self.settings.edit_window
        return SurveyView(
            invitation_id=row.id,
            ticket_id=row.ticket_id,
            survey=self.catalog.version(db, row.survey_version),
            locale=row.locale,
            team=row.team,
            agent=row.agent,
            answers=answers,
            answered_at=row.answered_at,
            editable_until=editable_until,
            expires_at=row.expires_at,
            timezone=row.timezone,
        )

    def record(
        self, db: Session | Connection, token: str, answers: Mapping[str, object], now: datetime
    ) -> RecordResult:
        """Store or edit the response for ``token`` (does not commit).

        One look-up statement, then one INSERT (first submission) or UPDATE
        (edit). An edit merges into the stored answers: keys not given keep
        their stored value, an empty value removes an optional answer. The
        invitation's follow-up case is opened or updated in the same
        transaction (:func:`csat.follow_ups.cases.sync_case`).

        :raises AnswerValidationError: listing every problem with ``answers``.
        :raises ResponseFinalError: the edit window has closed.
        """
        row = _lookup(db, token, now)
        view = self._view(db, row)
        if view.is_final(now):
            raise ResponseFinalError()
        survey = view.survey
        given = answers
        limit = self.settings.comment_max_length
        created = row.response_id is None
        if created:
            cleaned = survey.validate_answers(given, comment_max_length=limit)
            answered_at = now
        else:
            changes = survey.validate_answers(given, comment_max_length=limit, partial=True)
            merged: dict[str, object] = dict(view.answers)
            for key in given:
                merged.pop(key, None)
            merged.update(changes)
            cleaned = survey.validate_answers(merged, comment_max_length=limit)
            answered_at = row.answered_at
        scores, texts = _split(survey, cleaned)
        dims = survey.dimension_scores(cleaned)
        values: dict[str, Any] = {
            "answers": scores,
            "texts": texts or None,
            "understood_score": dims.understood,
            "helped_score": dims.helped,
            "overall_score": dims.overall,
            "effort_score": dims.effort,
            "updated_at": now,
        }
        if created:
            inserted = _connection(db).execute(
                _INSERT,
                {
                    "invitation_id": row.id,
                    "survey_key": row.survey_key,
                    "survey_version": row.survey_version,
                    "answered_at": now,
                    "team": row.team,
                    "agent": row.agent,
                    "channel": row.channel,
                    "category": row.category,
                    "locale": row.locale,
                    **values,
                },
            )
            primary = cast(CursorResult[Any], inserted).inserted_primary_key
            assert primary is not None
            response_id = int(primary[0])
        else:
            response_id = int(row.response_id)
            _connection(db).execute(_UPDATE, {"response_id_": response_id, **values})
        why = reasons(survey, cleaned, dims)
        before: tuple[Why, ...] = ()
        if not created:
            before = reasons(survey, view.answers, survey.dimension_scores(view.answers))
        case = sync_case(
            _connection(db), self.settings, row, why, (dims.understood, dims.helped), now,
            first=created,
        )  # fmt: skip
        return RecordResult(
            response_id=response_id,
            invitation_id=row.id,
            ticket_id=row.ticket_id,
            team=row.team,
            agent=row.agent,
            created=created,
            answers=cleaned,
            understood_score=dims.understood,
            helped_score=dims.helped,
            overall_score=dims.overall,
            effort_score=dims.effort,
            editable_until=answered_at + self.settings.edit_window,
            previous_understood_score=None if created else row.understood_score,
            previous_helped_score=None if created else row.helped_score,
            follow_up=why,
            previous_follow_up=before,
            case=case,
        )
