"""WTForms forms (via Flask-WTF, so with CSRF) built from a survey definition.

:func:`survey_form_class` makes one form class per survey version, locale and
comment limit: a radio field per scale or choice question and a text area per
text question. The field names are the question keys, so the form's data is
exactly the ``answers`` mapping :meth:`csat.SurveyService.record` takes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from babel.support import NullTranslations, Translations
from flask import current_app, g
from flask_babel import force_locale
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms import Field, RadioField, SelectChoice, TextAreaField
from wtforms.csrf.core import CSRF
from wtforms.i18n import messages_path
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from .errors import SurveyDefinitionError
from .i18n import gettext
from .survey import AnswerValue, Question, Survey

#: Names a question key cannot have on the web: the form's own attributes
#: (a field of that name would replace them) besides the CSRF field's name.
FORM_ATTRIBUTES: frozenset[str] = frozenset(
    {name for name in dir(FlaskForm) if not name.startswith("_")} | {"meta", "form_errors"}
)


class UnsubscribeForm(FlaskForm):  # type: ignore[misc]
    """The confirmation button of the unsubscribe page (CSRF only)."""


class _ChoiceField(RadioField):  # type: ignore[misc]
    """WTForms' RadioField; an offered answer passes its choice check with one set look-up."""

    def __init__(self, *args: Any, accepted: frozenset[str] = frozenset(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._accepted = accepted

    def pre_validate(self, form: FlaskForm) -> None:
        # SelectField's check builds a Choice per option to find one equal to the data.
        # An offered answer passes it; without an answer, the field's InputRequired or
        # Optional (each choice field has one, see _field) clears what it would say.
        # Anything else still goes through it (same rule, WTForms' own message).
        if self.data in self._accepted or not (self.raw_data and self.raw_data[0]):
            return
        super().pre_validate(form)


def _field(question: Question, locale: str, comment_max_length: int) -> Field:
    label = question.text.get(locale) or next(iter(question.text.values()))
    required = gettext("Please choose an answer.")
    if question.type == "text":
        limit = question.max_length or comment_max_length
        too_long = gettext("Please write at most %(max)s characters.", max=limit)
        return TextAreaField(label, validators=[Optional(), Length(max=limit, message=too_long)])
    if question.type == "scale":
        assert question.min is not None and question.max is not None
        choices = [SelectChoice(str(v), str(v)) for v in range(question.min, question.max + 1)]
    else:
        choices = [SelectChoice(c.value, c.label.get(locale, c.value)) for c in question.choices]
    # _ChoiceField.pre_validate relies on one of these two.
    validators = [InputRequired(required)] if question.required else [Optional()]
    return _ChoiceField(
        label,
        choices=choices,
        validators=validators,
        validate_choice=True,
        accepted=frozenset(str(c.value) for c in choices),
    )


@lru_cache(maxsize=16)
def _wtforms_translations(locale: str) -> NullTranslations:
    # Flask-WTF parses WTForms' catalog on every request; it never changes.
    return Translations.load(messages_path(), [locale], domain="wtforms")


_csrf_log = logging.getLogger("flask_wtf.csrf")


class _LazyToken:
    """The signed CSRF token, made when the page shows it: a stored submit never does."""

    __slots__ = ("_meta", "_token")

    def __init__(self, meta: Any) -> None:
        self._meta = meta
        self._token: str | None = None

    def __str__(self) -> str:
        if self._token is None:
            self._token = str(generate_csrf(self._meta.csrf_secret, self._meta.csrf_field_name))
        return self._token


class _SurveyCSRF(CSRF):  # type: ignore[misc]
    """Flask-WTF's form CSRF (same session token, signature and checks), token made lazily."""

    def setup_form(self, form: FlaskForm) -> Any:
        self.meta = form.meta
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field: Field) -> _LazyToken:
        return _LazyToken(self.meta)

    def validate_csrf_token(self, form: FlaskForm, field: Field) -> None:
        if g.get("csrf_valid", False):  # already checked by a host's CSRFProtect
            return
        meta = self.meta
        try:
            validate_csrf(field.data, meta.csrf_secret, meta.csrf_time_limit, meta.csrf_field_name)
        except ValidationError as e:
            _csrf_log.info(e.args[0])  # as Flask-WTF's own form CSRF logs it
            raise


class _SurveyMeta(FlaskForm.Meta):  # type: ignore[misc]
    locale = "en"
    csrf_class = _SurveyCSRF

    def get_translations(self, form: FlaskForm) -> Any:
        """WTForms' own messages in the page's locale (loaded once per process)."""
        if not current_app.config.get("WTF_I18N_ENABLED", True):
            return super().get_translations(form)
        return _wtforms_translations(self.locale)


def csrf_field_name() -> str:
    """The CSRF field's name in the current app (Flask-WTF's ``WTF_CSRF_FIELD_NAME``)."""
    return str(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))


@lru_cache(maxsize=64)
def check_field_names(survey: Survey, csrf_field: str = "csrf_token") -> None:
    """Refuse question keys that would clash with the web form.

    A key may not be a WTForms/Flask-WTF form attribute (``data``, ``errors``,
    ``meta``, ``validate`` …), the CSRF field's name, nor ``validate_<name>``
    of another field (WTForms would call that field as an inline validator).

    :raises SurveyDefinitionError: naming the survey's source and the question.
    """
    keys = {q.key for q in survey.questions} | {csrf_field}
    for q in survey.questions:
        if q.key in FORM_ATTRIBUTES or q.key == csrf_field:
            clash = "the CSRF field" if q.key == csrf_field else "an attribute of the web form"
        elif q.key.startswith("validate_") and q.key.removeprefix("validate_") in keys:
            clash = f"the inline validator name of field {q.key.removeprefix('validate_')!r}"
        else:
            continue
        raise SurveyDefinitionError(
            f"question key {q.key!r} is {clash} on the survey page; choose another key",
            source=survey.source,
            question=q.key,
        )


def survey_form_class(survey: Survey, locale: str, comment_max_length: int) -> type[FlaskForm]:
    """The form class for ``survey`` with texts and messages in ``locale``.

    :raises SurveyDefinitionError: a question key clashes with the form
        (:func:`check_field_names`).
    """
    check_field_names(survey, csrf_field_name())
    return _survey_form_class(survey, locale, comment_max_length)


@lru_cache(maxsize=64)
def _survey_form_class(survey: Survey, locale: str, comment_max_length: int) -> type[FlaskForm]:
    with force_locale(locale):
        fields = {q.key: _field(q, locale, comment_max_length) for q in survey.questions}
    meta = type("Meta", (_SurveyMeta,), {"locale": locale})
    return type(f"SurveyForm_{survey.key}", (FlaskForm,), {"Meta": meta, **fields})


def initial_data(
    survey: Survey, stored: Mapping[str, AnswerValue], query: Mapping[str, str]
) -> dict[str, Any]:
    """Initial field values: stored answers, then valid one-click parameters.

    A one-click parameter (``?understood=4``) only preselects an answer; values
    that are not a valid choice are ignored.
    """
    data: dict[str, Any] = {k: str(v) for k, v in stored.items()}
    for q in survey.questions:
        if q.key not in query or q.type == "text":  # `in`: a miss raises no KeyError inside
            continue
        value = query[q.key]
        try:
            cleaned = survey.validate_answers({q.key: value}, partial=True)
        except ValueError:
            continue
        data[q.key] = str(cleaned[q.key])
    return data


def answers_from(form: FlaskForm, survey: Survey) -> dict[str, object]:
    """The submitted answers, keyed by question (``None`` for unanswered)."""
    answers: dict[str, object] = {}
    for q in survey.questions:
        value = form[q.key].data
        answers[q.key] = value if value not in ("", "None") else None
    return answers
