"""The survey form: question keys that would clash with the web form are refused."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine

from csat import FixedClock, Survey
from csat.errors import SurveyDefinitionError
from csat.survey.files import stock_survey
from csat.web import CSAT
from csat.web.forms import FORM_ATTRIBUTES, check_field_names, survey_form_class

from .conftest import SECRET


def _renamed(old: str, new: str) -> Survey:
    """The stock survey with question ``old`` keyed ``new``."""
    data: dict[str, Any] = stock_survey("post_ticket").to_dict()
    for question in data["questions"]:
        if question["key"] == old:
            question["key"] = new
    return Survey.from_dict(data, source="clash.toml")


def _app(engine: Engine, clock: FixedClock, **config: Any) -> Flask:
    app = Flask("host")
    app.config.update(SECRET_KEY="s", CSAT_SECRET_KEY=SECRET, **config)
    return app


@pytest.mark.parametrize(
    ("key", "clash"),
    [
        ("data", "an attribute of the web form"),
        ("errors", "an attribute of the web form"),
        ("meta", "an attribute of the web form"),
        ("validate", "an attribute of the web form"),
        ("hidden_tag", "an attribute of the web form"),
        ("csrf_token", "the CSRF field"),
        ("validate_comment", "the inline validator name of field 'comment'"),
        ("validate_csrf_token", "the inline validator name of field 'csrf_token'"),
    ],
)
def test_clashing_question_key_fails_at_set_up_naming_the_question(
    engine: Engine, clock: FixedClock, key: str, clash: str
) -> None:
    survey = _renamed("effort", key)  # a valid survey for the core
    with pytest.raises(SurveyDefinitionError) as info:
        CSAT(_app(engine, clock), session=engine, clock=clock, surveys=[survey])
    assert info.value.question == key and info.value.source == "clash.toml"
    assert str(info.value) == (
        f"clash.toml, question {key!r}: question key {key!r} is {clash} on the survey page;"
        " choose another key"
    )


def test_configured_csrf_field_name_is_reserved(engine: Engine, clock: FixedClock) -> None:
    survey = _renamed("effort", "token")
    CSAT(_app(engine, clock), session=engine, clock=clock, surveys=[survey])  # fine by default
    with pytest.raises(SurveyDefinitionError, match="'token' is the CSRF field"):
        CSAT(
            _app(engine, clock, WTF_CSRF_FIELD_NAME="token"),
            session=engine,
            clock=clock,
            surveys=[survey],
        )


def test_form_class_build_refuses_a_clash(engine: Engine, clock: FixedClock) -> None:
    # A clashing version can also come from the database (made before the check).
    app = _app(engine, clock)
    CSAT(app, session=engine, clock=clock)
    with app.test_request_context(), pytest.raises(SurveyDefinitionError, match="'meta'"):
        survey_form_class(_renamed("effort", "meta"), "en", 2000)


def test_harmless_keys_pass(engine: Engine, clock: FixedClock) -> None:
    check_field_names(_renamed("effort", "validate_something"))
    check_field_names(_renamed("effort", "submitted"))
    app = _app(engine, clock)
    CSAT(app, session=engine, clock=clock)
    with app.test_request_context():
        form = survey_form_class(stock_survey("post_ticket"), "de", 2000)(meta={"csrf": False})
    assert form["understood"].label.text.startswith("Hatten Sie das Gefühl")
    assert {"data", "errors", "meta", "validate", "populate_obj"} <= FORM_ATTRIBUTES
