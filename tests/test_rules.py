"""The rules, in their order."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from csat.invitations.rules import Decision, Facts, Reason, Status, decide, due_time, status_for

from .conftest import T0

OK = Facts(
    address_valid=True, excluded=False, opted_out=False, sample_fraction=0.5, in_cooldown=False
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
        ({"opted_out": True, "sample_fraction": 0.99, "in_cooldown": True}, Reason.OPTED_OUT),
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
