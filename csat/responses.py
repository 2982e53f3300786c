"""Answers: open a survey by token and record (or edit) its response.

A token is looked up only by its SHA-256. Answers are validated against the
survey *version* the invitation was made with. The first submission creates
the one response of an invitation; later submissions within the edit window
change it; afterwards it is final. Concurrent first submissions for one token
end in one response: the loser of the unique-key race retries as an edit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .catalog import SurveyCatalog
from .config import Settings
from .errors import (
    CancelledTokenError,
    ExpiredTokenError,
    ResponseFinalError,
    UnknownTokenError,
)
from .models import Invitation, Response
from .rules import Status
from .survey import AnswerValue, Survey
from .tokens import is_well_formed, token_hash


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


def find_invitation(session: Session, token: str, now: datetime) -> Invitation:
    """The answerable invitation for ``token``.

    :raises UnknownTokenError: no such token (or never meant to be sent).
    :raises CancelledTokenError: the invitation was cancelled.
    :raises ExpiredTokenError: the validity period is over.
    """
    if not isinstance(token, str) or not is_well_formed(token):
        raise UnknownTokenError()
    row = session.scalars(
        select(Invitation).where(Invitation.token_hash == token_hash(token))
    ).one_or_none()
    if row is None or row.status == Status.SKIPPED:
        raise UnknownTokenError()
    if row.status == Status.CANCELLED:
        raise CancelledTokenError()
    if row.status == Status.EXPIRED or now >= row.expires_at:
        raise ExpiredTokenError()
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
    """The answer logic, on a session the caller manages."""

    def __init__(self, settings: Settings, catalog: SurveyCatalog) -> None:
        self.settings = settings
        self.catalog = catalog

    def view(self, session: Session, token: str, now: datetime) -> SurveyView:
        """What the survey page for ``token`` shows."""
        invitation = find_invitation(session, token, now)
        survey = self.catalog.version(session, invitation.survey_version)
        response = session.scalars(
            select(Response).where(Response.invitation_id == invitation.id)
        ).one_or_none()
        answers: dict[str, AnswerValue] = {}
        answered_at = editable_until = None
        if response is not None:
            answers.update(response.answers)
            answers.update(response.texts or {})
            answered_at = response.answered_at
            editable_until = answered_at + self.settings.edit_window
        return SurveyView(
            invitation_id=invitation.id,
            ticket_id=invitation.ticket_id,
            survey=survey,
            locale=invitation.locale,
            team=invitation.team,
            agent=invitation.agent,
            answers=answers,
            answered_at=answered_at,
            editable_until=editable_until,
            expires_at=invitation.expires_at,
        )

    def record(
        self, session: Session, token: str, answers: Mapping[str, object], now: datetime
    ) -> RecordResult:
        """Store or edit the response for ``token`` (flushes, does not commit).

        An edit merges into the stored answers: keys not given keep their
        stored value, an empty value removes an optional answer.

        :raises AnswerValidationError: listing every problem with ``answers``.
        :raises ResponseFinalError: the edit window has closed.
        """
        invitation = find_invitation(session, token, now)
        survey = self.catalog.version(session, invitation.survey_version)
        response = session.scalars(
            select(Response).where(Response.invitation_id == invitation.id)
        ).one_or_none()
        limit = self.settings.comment_max_length
        if response is None:
            cleaned = survey.validate_answers(answers, comment_max_length=limit)
        else:
            if now >= response.answered_at + self.settings.edit_window:
                raise ResponseFinalError()
            changes = survey.validate_answers(answers, comment_max_length=limit, partial=True)
            merged: dict[str, object] = {**response.answers, **(response.texts or {})}
            for key in answers:
                merged.pop(key, None)
            merged.update(changes)
            cleaned = survey.validate_answers(merged, comment_max_length=limit)
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
        created = response is None
        if response is None:
            response = Response(
                invitation_id=invitation.id,
                survey_key=invitation.survey_key,
                survey_version=invitation.survey_version,
                answered_at=now,
                team=invitation.team,
                agent=invitation.agent,
                channel=invitation.channel,
                category=invitation.category,
                locale=invitation.locale,
                **values,
            )
            session.add(response)
        else:
            for key, value in values.items():
                setattr(response, key, value)
        session.flush()
        return RecordResult(
            response_id=response.id,
            invitation_id=invitation.id,
            ticket_id=invitation.ticket_id,
            team=invitation.team,
            agent=invitation.agent,
            created=created,
            answers=cleaned,
            understood_score=dims.understood,
            helped_score=dims.helped,
            overall_score=dims.overall,
            effort_score=dims.effort,
            editable_until=response.answered_at + self.settings.edit_window,
        )
