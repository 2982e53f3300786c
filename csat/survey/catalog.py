"""The survey catalog: current surveys by key, stored versions by fingerprint.

Every invitation points at the exact version (fingerprint) of the survey it
was made with; that version's definition is stored in the database the
first time it is used, so editing a survey later never reinterprets the
answers already given.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from ..errors import UnknownSurveyError
from ..storage.engine import insert_ignoring_duplicates
from ..storage.models import SurveyVersion
from .files import stock_survey, stock_survey_keys
from .model import Survey


class SurveyCatalog:
    """Surveys known to one service: the stock ones plus those registered."""

    def __init__(self, surveys: Iterable[Survey] = ()) -> None:
        self._current: dict[str, Survey] = {}
        # Parsed stored versions; their content never changes, so caching is safe.
        self._versions: dict[str, Survey] = {}
        for survey in surveys:
            self.register(survey)

    def register(self, survey: Survey) -> None:
        """Make ``survey`` the current version for its key (replacing stock)."""
        self._current[survey.key] = survey
        self._versions[survey.fingerprint] = survey

    def keys(self) -> tuple[str, ...]:
        """Keys of all surveys that can be used for new invitations."""
        return tuple(sorted(set(self._current) | set(stock_survey_keys())))

    def get(self, key: str) -> Survey:
        """The current survey for ``key``.

        :raises UnknownSurveyError: neither registered nor a stock survey.
        """
        survey = self._current.get(key)
        if survey is None:
            try:
                survey = stock_survey(key)
            except UnknownSurveyError as e:
                raise UnknownSurveyError(key, self.keys()) from e
            self.register(survey)
        return survey

    def ensure_stored(self, session: Session, survey: Survey, now: datetime) -> None:
        """Store ``survey``'s version unless it is stored already (race-free)."""
        if session.get(SurveyVersion, survey.fingerprint) is not None:
            return
        row = {
            "fingerprint": survey.fingerprint,
            "survey_key": survey.key,
            "definition": survey.to_dict(),
            "created_at": now,
        }
        insert_ignoring_duplicates(session, SurveyVersion, [row])

    def version(self, session: Session | Connection, fingerprint: str) -> Survey:
        """The survey version an invitation was made with (parsed once, then kept)."""
        survey = self._versions.get(fingerprint)
        if survey is not None:
            return survey
        column = SurveyVersion.__table__.c
        definition = session.execute(
            select(column.definition).where(column.fingerprint == fingerprint)
        ).scalar_one_or_none()
        if definition is None:
            raise UnknownSurveyError(fingerprint)
        survey = Survey.from_dict(definition, source=f"stored version {fingerprint[:12]}")
        self._versions[fingerprint] = survey
        return survey
