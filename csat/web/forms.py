"""WTForms forms (via Flask-WTF, so with CSRF) built from a survey definition.

:func:`survey_form_class` makes the form class of a survey version in one
locale: a :class:`~wtforms.RadioField` per scale or choice question and a
:class:`~wtforms.TextAreaField` per text question. The field names are the
question keys, so the form's data is exactly the ``answers`` mapping
:meth:`csat.SurveyService.record` takes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from flask_babel import force_locale, format_decimal
from flask_wtf import FlaskForm
from wtforms import Field, RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..errors import SurveyDefinitionError
from ..survey.model import AnswerValue, Question, Survey
from .i18n import gettext

#: Names a question key cannot have on the web: the form's own attributes
#: (a field of that name would replace them) besides the CSRF field's name.
FORM_ATTRIBUTES: frozenset[str] = frozenset(
    {name for name in dir(FlaskForm) if not name.startswith("_")} | {"meta", "form_errors"}
)


class UnsubscribeForm(FlaskForm):  # type: ignore[misc]
    """The confirmation button of the unsubscribe page (CSRF only)."""


def browser_newlines(value: object) -> object:
    """A comment with its line breaks as a browser counts them (one character).

    Browsers send each line break as CRLF, but count it as one character for
    ``maxlength``; the stored text keeps LF.
    """
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def _field(question: Question, locale: str, comment_max_length: int) -> Field:
    """A question's field; call within ``force_locale(locale)`` (messages, numbers)."""
    label = question.text.get(locale) or next(iter(question.text.values()))
    if question.type == "text":
        limit = question.max_length or comment_max_length
        too_long = gettext("Please write at most %(max)s characters.", max=format_decimal(limit))
        return TextAreaField(
            label,
            filters=[browser_newlines],
            validators=[Optional(), Length(max=limit, message=too_long)],
        )
    if question.type == "scale":
        assert question.min is not None and question.max is not None
        choices = [SelectChoice(str(v), str(v)) for v in range(question.min, question.max + 1)]
    else:
        choices = [SelectChoice(c.value, c.label.get(locale, c.value)) for c in question.choices]
    required = gettext("Please choose an answer.")
    validators = [InputRequired(required)] if question.required else [Optional()]
    return RadioField(label, choices=choices, validators=validators)


def csrf_field_name() -> str:
    """The CSRF field's name in the current app (Flask-WTF's ``WTF_CSRF_FIELD_NAME``)."""
    return str(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))


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
    """The form class for ``survey`` with its texts and messages in ``locale``.

    :raises SurveyDefinitionError: a question key clashes with the form
        (:func:`check_field_names`).
    """
    check_field_names(survey, csrf_field_name())
    with force_locale(locale):
        fields = {q.key: _field(q, locale, comment_max_length) for q in survey.questions}
    return type(f"SurveyForm_{survey.key}", (FlaskForm,), fields)


def initial_data(
    survey: Survey, stored: Mapping[str, AnswerValue], query: Mapping[str, str]
) -> dict[str, Any]:
    """Initial field values: stored answers, then valid one-click parameters.

    A one-click parameter (``?understood=4``) only preselects an answer; values
    that are not a valid choice are ignored.
    """
    data: dict[str, Any] = {k: str(v) for k, v in stored.items()}
    for q in survey.questions:
        if q.key not in query or q.type == "text":
            continue
        try:
            cleaned = survey.validate_answers({q.key: query[q.key]}, partial=True)
        except ValueError:
            continue
        data[q.key] = str(cleaned[q.key])
    return data


def answers_from(form: FlaskForm, survey: Survey) -> dict[str, object]:
    """The submitted answers, keyed by question (``None`` for unanswered)."""
    answers: dict[str, object] = {}
    for q in survey.questions:
        value = form[q.key].data
        answers[q.key] = None if value == "" else value
    return answers
