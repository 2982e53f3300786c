"""The rules, in their order."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from csat import FixedClock, InviteRequest, Settings, SurveyService
from csat.invitations.rules import (
    Decision,
    Facts,
    Reason,
    Status,
    decide,
    due_time,
    is_stale,
    status_for,
)

from .conftest import SECRET, T0

OK = Facts(
    address_valid=True,
    excluded=False,
    opted_out=False,
    stale=False,
    sample_fraction=0.5,
    in_cooldown=False,
)


def _decide(facts: Facts, *, rate: float = 1.0, due_in: float = -1) -> Reason:
    return decide(facts, sampling_rate=rate, due_at=T0 + timedelta(hours=due_in), now=T0)


def test_due_and_delayed() -> None:
    assert _decide(OK) is Reason.DUE
    assert _decide(OK, due_in=0) is Reason.DUE
    assert _decide(OK, due_in=0.5) is Reason.DELAYED
    assert due_time(T0, timedelta(hours=1)) == T0 + timedelta(hours=1)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"address_valid": False, "excluded": True, "opted_out": True}, Reason.INVALID_ADDRESS),
        ({"excluded": True, "opted_out": True, "in_cooldown": True}, Reason.EXCLUDED_ADDRESS),
        ({"opted_out": True, "stale": True, "in_cooldown": True}, Reason.OPTED_OUT),
        ({"stale": True, "sample_fraction": 0.99, "in_cooldown": True}, Reason.STALE),
        ({"sample_fraction": 0.99, "in_cooldown": True}, Reason.SAMPLED_OUT),
        ({"in_cooldown": True}, Reason.COOLDOWN),
    ],
)
def test_rule_order(change: dict[str, object], reason: Reason) -> None:
    assert _decide(replace(OK, **change), rate=0.9) is reason  # type: ignore[arg-type]


def test_sampling_boundaries() -> None:
    assert _decide(replace(OK, sample_fraction=0.0), rate=0.0) is Reason.SAMPLED_OUT
    assert _decide(replace(OK, sample_fraction=0.999), rate=1.0) is Reason.DUE


def test_decisions_and_statuses() -> None:
    assert Reason.DUE.decision is Decision.SEND
    assert Reason.DELAYED.decision is Decision.DELAY
    skips = set(Reason) - {Reason.DUE, Reason.DELAYED}
    assert all(r.decision is Decision.SKIP for r in skips)
    assert status_for(Reason.DUE) is Status.PENDING
    assert status_for(Reason.DELAYED) is Status.PENDING
    assert status_for(Reason.COOLDOWN) is Status.SKIPPED


def test_stale_after_the_maximum_age() -> None:
    week = timedelta(days=7)
    assert not is_stale(T0 - week, week, T0)  # exactly the maximum age: still asked
    assert is_stale(T0 - week - timedelta(seconds=1), week, T0)
    assert not is_stale(T0 + timedelta(hours=1), week, T0)  # resolved "in the future"
    assert Reason.STALE.decision is Decision.SKIP
    assert status_for(Reason.STALE) is Status.SKIPPED


def _request(ticket: str, days_ago: float, clock: FixedClock) -> InviteRequest:
    return InviteRequest(
        ticket, f"{ticket.lower()}@example.com", "ana", "1st Level", "ticket",
        clock() - timedelta(days=days_ago),
    )  # fmt: skip


def _invite(service: SurveyService, ticket: str, days_ago: float, clock: FixedClock) -> Reason:
    request = asdict(_request(ticket, days_ago, clock))
    result = service.invite(request.pop("ticket_id"), request.pop("email"), **request)
    assert (result.url is None) is (result.reason is Reason.STALE)  # no link when stale
    return result.reason


def test_a_ticket_resolved_30_days_ago_is_not_invited(service: SurveyService) -> None:
    """The issue's case: no fresh link for a month-old ticket, on both paths."""
    clock = service.clock
    assert isinstance(clock, FixedClock)
    assert _invite(service, "T-OLD", 30, clock) is Reason.STALE
    results = service.invite_many([_request(f"T-{d}", d, clock) for d in (1, 6.9, 7.1, 30)])
    assert [r.reason for r in results] == [Reason.DUE, Reason.DUE, Reason.STALE, Reason.STALE]
    assert all(r.status is Status.SKIPPED for r in results[2:])


def test_max_age_follows_csat_max_age_days(engine: Engine, clock: FixedClock) -> None:
    settings = Settings.from_mapping({"CSAT_SECRET_KEY": SECRET, "CSAT_MAX_AGE_DAYS": "40"})
    service = SurveyService(engine, settings=settings, clock=clock)
    assert _invite(service, "T-OLD", 30, clock) is Reason.DUE
    assert _invite(service, "T-OLDER", 41, clock) is Reason.STALE
