"""The injectable clock and aware-datetime rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from csat import FixedClock
from csat.clock import ensure_aware, utcnow
from csat.errors import NaiveDatetimeError


def test_utcnow_is_aware() -> None:
    assert utcnow().tzinfo is UTC


def test_ensure_aware_converts_to_utc() -> None:
    cest = timezone(timedelta(hours=2))
    value = ensure_aware(datetime(2026, 6, 1, 12, tzinfo=cest), "x")
    assert value == datetime(2026, 6, 1, 10, tzinfo=UTC)
    assert value.tzinfo is UTC


def test_naive_is_rejected_with_the_field_name() -> None:
    with pytest.raises(NaiveDatetimeError, match="resolved_at") as info:
        ensure_aware(datetime(2026, 6, 1), "resolved_at")
    assert isinstance(info.value, ValueError)


def test_fixed_clock_moves_only_when_told() -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    assert clock() == clock() == datetime(2026, 1, 1, tzinfo=UTC)
    assert clock.advance(hours=2) == datetime(2026, 1, 1, 2, tzinfo=UTC)
    assert clock() == datetime(2026, 1, 1, 2, tzinfo=UTC)
