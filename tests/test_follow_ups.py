"""Follow-up cases: when one opens, edits both ways, races, working a case, privacy."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from csat import FixedClock, Settings, SurveyService
from csat.errors import FollowUpNotFoundError, FollowUpStateError, InvalidInputError
from csat.follow_ups import Action, Outcome, State, Why, reasons
from csat.storage.models import FollowUp, FollowUpEntry, LeadEmail
from csat.survey.model import DimensionScores

from .conftest import run_concurrently

LEADS = {"1st Level": ["lead@example.com", "LEAD@example.com", "deputy@example.com"],
         "*": ["head@example.com"]}  # fmt: skip


@pytest.fixture
def cases(engine: Engine, settings: Settings, clock: FixedClock) -> SurveyService:
    """A service whose teams have leads."""
    return SurveyService(engine, settings=settings.replace(team_leads=LEADS), clock=clock)


def _token(service: SurveyService, ticket: str = "T-1", team: str = "1st Level") -> str:
    result = service.invite(
        ticket, f"{ticket.lower()}@example.com", agent="ana", team=team, channel="phone",
        resolved_at=service.clock() - timedelta(hours=2), locale="de",
    )  # fmt: skip
    assert result.token is not None
    return result.token


def _rows(engine: Engine, model: Any) -> list[Any]:
    with Session(engine) as session:
        return list(session.scalars(select(model).order_by(model.id)))


def _history(engine: Engine) -> list[str]:
    return [entry.action for entry in _rows(engine, FollowUpEntry)]


# -- the one definition --------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"understood": 2}, (Why.NOT_UNDERSTOOD,)),
        ({"understood": 3}, ()),
        ({"understood": 5, "helped": 2}, (Why.NOT_HELPED,)),
        ({"understood": 5, "solved": "no"}, (Why.NOT_SOLVED,)),  # helped mean(1) = 1 too
        ({"understood": 5, "solved": "no", "helped": 5}, (Why.NOT_SOLVED,)),  # helped 3
        ({"understood": 5, "solved": "partly"}, ()),
        ({"understood": 1, "respected": 5}, ()),  # the dimension's mean is 3
        ({"understood": 1, "helped": 1, "solved": "no"},
         (Why.NOT_UNDERSTOOD, Why.NOT_HELPED, Why.NOT_SOLVED)),
    ],
)  # fmt: skip
def test_reasons_are_the_one_definition(
    service: SurveyService, answers: dict[str, object], expected: tuple[Why, ...]
) -> None:
    survey = service.survey()
    cleaned = survey.validate_answers(answers)
    dims = survey.dimension_scores(cleaned)
    if answers.get("solved") == "no" and "helped" not in answers:
        expected = (Why.NOT_HELPED, *expected)
    assert reasons(survey, cleaned, dims) == expected


def test_no_dimensions_no_reasons(service: SurveyService) -> None:
    assert reasons(service.survey(), {}, DimensionScores(None, None, None, None)) == ()


# -- opening -------------------------------------------------------------------------


def test_an_answer_that_needs_a_call_back_opens_a_case_and_tells_the_leads(
    cases: SurveyService, engine: Engine, clock: FixedClock
) -> None:
    result = cases.record(_token(cases), {"understood": 2, "comment": "Keiner hörte zu."})
    assert result.follow_up == (Why.NOT_UNDERSTOOD,) and result.new_follow_up
    assert result.case is not None and result.case.opened and result.case.leads_told == 2
    [case] = _rows(engine, FollowUp)
    assert (case.ticket_id, case.team, case.agent, case.channel, case.locale) == (
        "T-1", "1st Level", "ana", "phone", "de",
    )  # fmt: skip
    assert case.state == State.OPEN and case.opened_at == clock()
    assert case.due_at == clock() + timedelta(hours=24)
    assert (case.understood_score, case.helped_score, case.reasons) == (2, None, "not_understood")
    # One email per lead, the address listed twice in another case counted once.
    emails = _rows(engine, LeadEmail)
    assert [(e.kind, e.recipient, e.status, e.follow_up_id) for e in emails] == [
        ("case", "lead@example.com", "pending", case.id),
        ("case", "deputy@example.com", "pending", case.id),
    ]
    assert _history(engine) == [Action.OPENED]


def test_a_team_without_its_own_leads_tells_the_catch_all(
    cases: SurveyService, engine: Engine
) -> None:
    cases.record(_token(cases, team="2nd Level"), {"understood": 1})
    assert [e.recipient for e in _rows(engine, LeadEmail)] == ["head@example.com"]


def test_a_good_answer_opens_nothing(cases: SurveyService, engine: Engine) -> None:
    result = cases.record(_token(cases), {"understood": 4, "solved": "partly"})
    assert result.follow_up == () and result.case is None and not result.new_follow_up
    assert _rows(engine, FollowUp) == [] and _rows(engine, LeadEmail) == []


def test_the_due_time_is_configurable(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    service = SurveyService(engine, settings=settings.replace(follow_up_due=timedelta(hours=4)),
                            clock=clock)  # fmt: skip
    service.record(_token(service), {"understood": 1})
    assert [c.due_at for c in service.follow_ups()] == [clock() + timedelta(hours=4)]


def test_follow_ups_off_opens_no_case_but_still_says_why(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    service = SurveyService(
        engine, settings=settings.replace(follow_ups=False, team_leads=LEADS), clock=clock
    )
    result = service.record(_token(service), {"understood": 1})
    assert result.new_follow_up and result.case is None
    assert _rows(engine, FollowUp) == [] and _rows(engine, LeadEmail) == []


def test_edits_update_the_one_case_both_ways(
    cases: SurveyService, engine: Engine, clock: FixedClock
) -> None:
    token = _token(cases)
    assert cases.record(token, {"understood": 4}).case is None  # no case yet
    clock.advance(minutes=5)
    opened = cases.record(token, {"solved": "no"})  # an edit that needs one opens it
    assert opened.case is not None and opened.case.opened and opened.new_follow_up
    clock.advance(minutes=5)
    again = cases.record(token, {"understood": 1})  # still needed: updated, not duplicated
    assert again.case == opened.case.__class__(opened.case.case_id, opened=False)
    assert not again.new_follow_up
    clock.advance(minutes=5)
    fine = cases.record(token, {"understood": 5, "solved": "yes"})  # no longer needed
    assert fine.follow_up == () and fine.case is not None and not fine.case.opened
    [case] = _rows(engine, FollowUp)
    assert case.state == State.OPEN and case.reasons == "" and case.understood_score == 5
    assert case.opened_at == clock() - timedelta(minutes=10)  # kept from the opening
    assert _history(engine) == [Action.OPENED, Action.UPDATED, Action.NO_LONGER_NEEDED]
    assert cases.record(token, {"understood": 5}).case is not None  # unchanged: no new line
    assert len(_history(engine)) == 3
    assert len(_rows(engine, LeadEmail)) == 2  # told once, when it opened


def test_sixteen_racing_submits_open_one_case(cases: SurveyService, engine: Engine) -> None:
    token = _token(cases)
    results = run_concurrently(lambda i: cases.record(token, {"understood": 1 + i % 2}), 16)
    assert sum(r.created for r in results) == 1
    assert sum(r.case is not None and r.case.opened for r in results) == 1
    assert len({r.case.case_id for r in results if r.case is not None}) == 1
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(FollowUp)) == 1
        assert session.scalar(select(func.count()).select_from(LeadEmail)) == 2


# -- working a case ----------------------------------------------------------------


def _case(service: SurveyService, ticket: str = "T-1") -> int:
    result = service.record(_token(service, ticket), {"understood": 1, "comment": "Nope."})
    assert result.case is not None
    return result.case.case_id


def test_claim_note_close_with_history(
    cases: SurveyService, engine: Engine, clock: FixedClock
) -> None:
    case_id = _case(cases)
    clock.advance(hours=1)
    assert cases.claim_follow_up(case_id, "lea").claimed_by == "lea"
    cases.claim_follow_up(case_id, "max")  # another lead takes it over
    clock.advance(hours=1)
    noted = cases.note_follow_up(case_id, "max", "Voicemail.\r\nCall again at 2.", contacted=True)
    assert noted.state == State.CLAIMED
    clock.advance(hours=1)
    closed = cases.close_follow_up(case_id, "max", Outcome.RESOLVED, note="Reached; fixed.")
    assert (closed.state, closed.outcome, closed.closed_at) == (
        State.CLOSED, Outcome.RESOLVED, clock(),
    )  # fmt: skip
    detail = cases.follow_up(case_id, viewer="max")
    assert detail.first_contact_at == clock() - timedelta(hours=1)  # the contacted note
    assert detail.email == "t-1@example.com" and detail.answers["comment"] == "Nope."
    assert [(h.actor, h.action, h.note) for h in detail.history] == [
        ("csat", Action.OPENED, None),
        ("lea", Action.CLAIMED, None),
        ("max", Action.CLAIMED, None),
        ("max", Action.CONTACTED, "Voicemail.\nCall again at 2."),
        ("max", Action.CLOSED, "Reached; fixed."),
        ("max", Action.ADDRESS_SHOWN, None),
    ]
    with pytest.raises(FollowUpStateError, match="is closed: cannot close"):
        cases.close_follow_up(case_id, "lea", "declined")
    with pytest.raises(FollowUpStateError):
        cases.claim_follow_up(case_id, "lea")
    cases.note_follow_up(case_id, "lea", "She called back to say thanks.")  # still allowed


def test_closing_counts_as_the_first_contact(cases: SurveyService, clock: FixedClock) -> None:
    case_id = _case(cases)
    clock.advance(hours=30)
    closed = cases.close_follow_up(case_id, "lea", "not_reachable")
    assert closed.overdue(clock()) is False  # closed cases are never overdue
    assert cases.follow_up(case_id, show_address=False).first_contact_at == clock()


def test_not_showing_the_address_records_nothing(cases: SurveyService) -> None:
    case_id = _case(cases)
    detail = cases.follow_up(case_id, viewer="lea", show_address=False)
    assert detail.email is None and not detail.erased
    assert [h.action for h in detail.history] == [Action.OPENED]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda s, i: s.close_follow_up(i, "lea", "happy"), "outcome"),
        (lambda s, i: s.note_follow_up(i, "lea", "  "), "note"),
        (lambda s, i: s.note_follow_up(i, "lea", "x" * 4001), "note"),
        (lambda s, i: s.note_follow_up(i, "lea", "a\x00b"), "note"),
        (lambda s, i: s.note_follow_up(i, "lea", "\ud800"), "note"),
        (lambda s, i: s.claim_follow_up(i, "lea\r\nBcc: x"), "actor"),
        (lambda s, i: s.claim_follow_up(i, ""), "actor"),
        (lambda s, i: s.follow_ups(state="done"), "state"),
    ],
)
def test_bad_input_is_refused_with_the_field(
    cases: SurveyService, engine: Engine, call: Any, field: str
) -> None:
    case_id = _case(cases)
    with pytest.raises(InvalidInputError) as caught:
        call(cases, case_id)
    assert caught.value.field == field
    assert _history(engine) == [Action.OPENED]  # nothing written


@pytest.mark.parametrize("case_id", [999_999, "1", True, None])
def test_unknown_cases(cases: SurveyService, case_id: Any) -> None:
    with pytest.raises(FollowUpNotFoundError):
        cases.claim_follow_up(case_id, "lea")
    with pytest.raises(FollowUpNotFoundError):
        cases.follow_up(case_id)


def test_the_list_filters_and_sorts_by_due_time(cases: SurveyService, clock: FixedClock) -> None:
    first = _case(cases, "T-1")
    clock.advance(hours=2)
    second = cases.record(_token(cases, "T-2", team="2nd Level"), {"solved": "no",
                                                                  "understood": 4})  # fmt: skip
    assert second.case is not None
    clock.advance(hours=23)  # T-1 is overdue, T-2 not yet
    assert [c.id for c in cases.follow_ups()] == [first, second.case.case_id]
    assert [c.id for c in cases.follow_ups(overdue=True)] == [first]
    assert [c.id for c in cases.follow_ups(team="2nd Level")] == [second.case.case_id]
    assert [c.id for c in cases.follow_ups(agent="nobody")] == []
    cases.close_follow_up(first, "lea", "declined")
    assert [c.id for c in cases.follow_ups(state="closed")] == [first]
    assert [c.id for c in cases.follow_ups(state=State.OPEN)] == [second.case.case_id]
    assert cases.follow_ups(overdue=True) == []
    row = cases.follow_ups(state="closed")[0].as_dict()
    assert {"id", "ticket_id", "team", "agent", "state", "opened_at", "due_at", "outcome"} <= set(
        row
    )
    assert row["outcome"] == "declined" and row["opened_at"].endswith("+00:00")


# -- privacy -----------------------------------------------------------------------


def test_forget_erases_address_comment_and_notes_and_keeps_the_record(
    cases: SurveyService, engine: Engine
) -> None:
    case_id = _case(cases)
    other = _case(cases, "T-2")
    cases.note_follow_up(case_id, "lea", "Her number is 0170 1234567.")
    cases.note_follow_up(other, "lea", "Someone else's case.")
    cases.close_follow_up(case_id, "lea", "resolved", note="Told t-1@example.com it is fixed.")
    cases.forget("t-1@example.com")
    detail = cases.follow_up(case_id, viewer="lea")
    assert detail.email is None and detail.erased
    assert "comment" not in detail.answers and detail.answers["understood"] == 1
    assert [h.note for h in detail.history] == [None, None, None]  # opened, note, closed
    assert [h.action for h in detail.history] == [Action.OPENED, Action.NOTE, Action.CLOSED]
    assert detail.case.outcome == Outcome.RESOLVED  # the anonymous record stays
    assert [h.note for h in cases.follow_up(other, show_address=False).history] == [
        None, "Someone else's case.",
    ]  # fmt: skip


def test_retention_applies_to_cases(engine: Engine, settings: Settings, clock: FixedClock) -> None:
    service = SurveyService(
        engine, settings=settings.replace(retention=timedelta(days=30)), clock=clock
    )
    case_id = _case(service)
    service.note_follow_up(case_id, "lea", "Called Kim Meyer at home.")
    clock.advance(days=31)
    fresh = _case(service, "T-2")
    service.note_follow_up(fresh, "lea", "Still fresh.")
    service.purge()
    assert [h.note for h in service.follow_up(case_id).history] == [None, None]
    assert service.follow_up(case_id).email is None
    assert [h.note for h in service.follow_up(fresh, show_address=False).history] == [
        None, "Still fresh.",
    ]  # fmt: skip
