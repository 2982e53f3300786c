"""One hierarchy rooted at CSATError; the Flask layer gives each its HTTP status."""

from __future__ import annotations

import pytest

from csat import errors
from csat.web import http_status


def test_every_error_is_a_csat_error() -> None:
    classes = [
        obj for obj in vars(errors).values() if isinstance(obj, type) and issubclass(obj, Exception)
    ]
    assert len(classes) > 10
    assert all(issubclass(c, errors.CSATError) for c in classes if c.__module__ == errors.__name__)


def test_the_core_errors_know_nothing_of_http() -> None:
    assert not any("werkzeug" in base.__module__ for base in errors.UnknownTokenError.__mro__)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.UnknownTokenError(), 404),
        (errors.ExpiredTokenError(), 410),
        (errors.CancelledTokenError(), 410),
        (errors.ResponseFinalError(), 409),
        (errors.UnknownSurveyError("nope"), 422),  # an InvalidInputError
        (errors.DatabaseError("sqlite://", "locked"), 503),
        (errors.ConfigurationError("CSAT_X", "bad"), 500),
    ],
)
def test_http_status(error: errors.CSATError, code: int) -> None:
    assert http_status(error) == code


def test_errors_carry_context() -> None:
    e = errors.SurveyDefinitionError("bad", source="x.toml", question="q1", line=3)
    assert (e.source, e.question, e.line) == ("x.toml", "q1", 3)
    assert str(e) == "x.toml, line 3, question 'q1': bad"
    problems = [errors.AnswerProblem("a", "missing"), errors.AnswerProblem("b", "too long")]
    v = errors.AnswerValidationError(problems)
    assert v.problems == tuple(problems)
    assert str(v) == "a: missing; b: too long"
    assert errors.InvalidInputError("channel", "nope").field == "channel"
    assert errors.ConfigurationError("CSAT_X", "bad").key == "CSAT_X"
