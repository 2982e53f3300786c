"""Time handling: an injectable clock and the aware-datetime rules.

csat never calls ``datetime.now()`` directly; every component takes a
:data:`Clock` (a callable returning an aware UTC datetime), so tests pass a
fixed or stepping clock instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from .errors import NaiveDatetimeError

Clock = Callable[[], datetime]
"""A callable returning the current time as an aware datetime."""


def utcnow() -> datetime:
    """The default clock: the current time in UTC."""
    return datetime.now(UTC)


def ensure_aware(value: datetime, field: str) -> datetime:
    """Return ``value`` converted to UTC; reject naive datetimes.

    :raises NaiveDatetimeError: ``value`` has no timezone.
    """
    if value.tzinfo is UTC:  # the usual case: already what is returned
        return value
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDatetimeError(field)
    return value.astimezone(UTC)


class FixedClock:
    """A clock that stands still until moved; for tests and simulations."""

    def __init__(self, start: datetime) -> None:
        self.now = ensure_aware(start, "start")

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move forward by ``timedelta(**delta)`` and return the new time."""
        self.now = self.now + timedelta(**delta)
        return self.now
