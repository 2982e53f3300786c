"""open and record: tokens, validation against the stored version, edits, races."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from csat import FixedClock, Survey, SurveyService
from csat.errors import (
    AnswerValidationError,
    CancelledTokenError,
    ExpiredTokenError,
    ResponseFinalError,
    UnknownTokenError,
)
from csat.storage.models import Invitation, Response
from csat.web import http_status

from .conftest import run_concurrently


def _token(service: SurveyService, ticket: str = "T-1", **kw: object) -> str:
    args: dict[str, object] = {
        "agent": "ana",
        "team": "1st Level",
        "channel": "phone",
        "category": "printer",
        "resolved_at": service.clock() - timedelta(hours=2),
    }
    args.update(kw)
    result = service.invite(ticket, f"{ticket.lower()}@example.com", **args)  # type: ignore[arg-type]
    assert result.token is not None
    return result.token


def _responses(service: SurveyService) -> list[Response]:
    with Session(service.engine) as s:
        return list(s.scalars(select(Response)))


def test_open_shows_survey_in_invitation_locale(service: SurveyService) -> None:
    token = _token(service, locale="de")
    view = service.open(token)
    assert view.locale == "de"
    assert view.survey.key == "post_ticket"
    assert view.answers == {}
    assert not view.answered
    assert view.editable_until is None
    assert _responses(service) == []


def test_record_stores_scores_and_copies_grouping_fields(service: SurveyService) -> None:
    token = _token(service)
    result = service.record(
        token,
        {
            "understood": "4",
            "respected": 5,
            "solved": "partly",
            "helped": 2,
            "effort": 6,
            "overall": 4,
            "comment": "  Danke — $5 & 100 % 😀  ",
        },
    )
    assert result.created
    assert (result.understood_score, result.helped_score, result.overall_score) == (5, 3, 4)
    assert result.effort_score == 6.0
    [row] = _responses(service)
    assert row.answers == {
        "understood": 4,
        "respected": 5,
        "solved": "partly",
        "helped": 2,
        "effort": 6,
        "overall": 4,
    }
    assert row.texts == {"comment": "Danke — $5 & 100 % 😀"}
    assert (row.team, row.agent, row.channel, row.category) == (
        "1st Level",
        "ana",
        "phone",
        "printer",
    )
    assert row.survey_version == service.survey().fingerprint
    assert row.answered_at == service.clock()


def test_edit_within_window_merges_then_final(service: SurveyService, clock: FixedClock) -> None:
    token = _token(service)
    service.record(token, {"understood": 2})
    clock.advance(hours=23)
    edited = service.record(token, {"understood": 4, "comment": "Thanks"})
    assert not edited.created
    assert edited.answers == {"understood": 4, "comment": "Thanks"}
    removed = service.record(token, {"comment": ""})
    assert removed.answers == {"understood": 4}
    view = service.open(token)
    assert view.answers == {"understood": 4}
    assert view.editable_until == view.answered_at + timedelta(hours=24)  # type: ignore[operator]
    assert not view.is_final(clock())
    clock.advance(hours=1)
    assert service.open(token).is_final(clock())
    with pytest.raises(ResponseFinalError):
        service.record(token, {"understood": 5})
    assert len(_responses(service)) == 1
    assert _responses(service)[0].answers == {"understood": 4}


def test_validation_lists_every_problem(service: SurveyService) -> None:
    token = _token(service)
    with pytest.raises(AnswerValidationError) as info:
        service.record(
            token, {"understood": 9, "nope": 1, "solved": "maybe", "comment": "x" * 2001}
        )
    problems = {p.question for p in info.value.problems}
    assert problems == {"understood", "nope", "solved", "comment"}
    with pytest.raises(AnswerValidationError) as info:
        service.record(token, {"helped": 3})
    assert [p.question for p in info.value.problems] == ["understood"]
    assert _responses(service) == []


def test_comment_cap_is_configurable(engine, settings, clock) -> None:  # type: ignore[no-untyped-def]
    service = SurveyService(engine, settings=settings.replace(comment_max_length=10), clock=clock)
    token = _token(service)
    with pytest.raises(AnswerValidationError, match="comment"):
        service.record(token, {"understood": 3, "comment": "x" * 11})
    assert service.record(token, {"understood": 3, "comment": "x" * 10}).created


@pytest.mark.parametrize("token", ["", "short", "x" * 24, "ä" * 24, "A" * 500])
def test_unknown_tokens(service: SurveyService, token: str) -> None:
    _token(service)
    with pytest.raises(UnknownTokenError):
        service.open(token)
    with pytest.raises(UnknownTokenError):
        service.record(token, {"understood": 3})


def test_expired_token(service: SurveyService, clock: FixedClock) -> None:
    token = _token(service)
    clock.advance(days=14)
    with pytest.raises(ExpiredTokenError):
        service.open(token)
    with pytest.raises(ExpiredTokenError):
        service.record(token, {"understood": 3})


def test_cancelled_token_says_only_expired(service: SurveyService) -> None:
    token = _token(service, resolved_at=service.clock())
    service.cancel("T-1")
    with pytest.raises(CancelledTokenError) as info:
        service.record(token, {"understood": 3})
    assert http_status(info.value) == http_status(ExpiredTokenError()) == 410


def test_skipped_invitation_token_is_unknown(service: SurveyService) -> None:
    with Session(service.engine) as s:
        assert s.scalar(select(func.count()).select_from(Invitation)) == 0
    service.opt_out("t-1@example.com")
    result = service.invite(
        "T-1", "t-1@example.com", agent="a", team="t", channel="chat", resolved_at=service.clock()
    )
    assert result.token is None
    with Session(service.engine) as s:
        nonce = s.scalars(select(Invitation.nonce)).one()
    from csat.tokens import derive_token

    assert service.settings.secret_key is not None
    token = derive_token(service.settings.secret_key.encode(), nonce)
    with pytest.raises(UnknownTokenError):
        service.open(token)


def test_answers_validated_against_the_invitations_version(service: SurveyService) -> None:
    token = _token(service)
    base = service.survey().to_dict()
    changed = dict(base)
    changed["questions"] = [q for q in base["questions"] if q["key"] != "respected"]
    old_fingerprint = service.survey().fingerprint
    service.register_survey(Survey.from_dict(changed))
    assert service.survey().fingerprint != old_fingerprint
    # The old invitation still answers the old version, which has "respected".
    assert service.record(token, {"understood": 4, "respected": 4}).understood_score == 4
    new_token = _token(service, "T-2")
    with pytest.raises(AnswerValidationError, match="respected"):
        service.record(new_token, {"understood": 4, "respected": 4})


def test_sixteen_simultaneous_submits_store_one_response(service: SurveyService) -> None:
    token = _token(service)
    results = run_concurrently(lambda i: service.record(token, {"understood": 1 + i % 5}), 16)
    assert sum(r.created for r in results) == 1
    assert len({r.response_id for r in results}) == 1
    assert len(_responses(service)) == 1


def test_invalid_answers_store_nothing_and_final_ones_are_refused(
    service: SurveyService, clock: FixedClock
) -> None:
    token = _token(service)
    with pytest.raises(AnswerValidationError):
        service.record(token, {"understood": 9})
    assert _responses(service) == []
    assert service.record(token, {"understood": 4}).created
    clock.advance(hours=25)  # past the edit window
    with pytest.raises(ResponseFinalError):
        service.record(token, {"understood": 5})
