"""One hierarchy rooted at CSATError; HTTP-facing errors carry their status."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import HTTPException

import csat
from csat import errors


def test_every_error_is_a_csat_error() -> None:
    classes = [
        obj for obj in vars(errors).values() if isinstance(obj, type) and issubclass(obj, Exception)
    ]
    assert len(classes) > 10
    assert all(issubclass(c, csat.CSATError) for c in classes if c.__module__ == errors.__name__)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (csat.UnknownTokenError(), 404),
        (csat.ExpiredTokenError(), 410),
        (csat.CancelledTokenError(), 410),
        (csat.ResponseFinalError(), 409),
    ],
)
def test_http_errors(error: HTTPException, code: int) -> None:
    assert isinstance(error, csat.CSATError)
    assert error.code == code
    assert error.description


def test_cancelled_and_expired_look_the_same_to_a_customer() -> None:
    assert csat.CancelledTokenError().description == csat.ExpiredTokenError().description


def test_errors_carry_context() -> None:
    e = csat.SurveyDefinitionError("bad", source="x.toml", question="q1", line=3)
    assert (e.source, e.question, e.line) == ("x.toml", "q1", 3)
    assert str(e) == "x.toml, line 3, question 'q1': bad"
    problems = [csat.AnswerProblem("a", "missing"), csat.AnswerProblem("b", "too long")]
    v = csat.AnswerValidationError(problems)
    assert v.problems == tuple(problems)
    assert str(v) == "a: missing; b: too long"
    assert csat.InvalidInputError("channel", "nope").field == "channel"
    assert csat.ConfigurationError("CSAT_X", "bad").key == "CSAT_X"
