"""When an answer needs a call back, and the words for a case's life.

This is the one definition the case, the ``follow_up_needed`` signal and the
report share: a customer needs a call back when the understood or the helped
dimension is at or below :data:`THRESHOLD` (of 5), or when a choice question
of the helped dimension was answered with a choice scored at or below it
(the stock survey's "Is your problem solved?" — "No").
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from ..survey.model import AnswerValue, DimensionScores, Survey

#: Scores (1..5) at or below this need a call back: the two bottom boxes,
#: "not" or "hardly" understood or helped.
THRESHOLD = 2


class Why(StrEnum):
    """Why the answers need a call back."""

    NOT_UNDERSTOOD = "not_understood"
    NOT_HELPED = "not_helped"
    NOT_SOLVED = "not_solved"


class State(StrEnum):
    """A case's state: open → claimed → closed."""

    OPEN = "open"
    CLAIMED = "claimed"
    CLOSED = "closed"


class Outcome(StrEnum):
    """How a closed case ended."""

    RESOLVED = "resolved"
    """Reached, and the concern was resolved."""
    NOT_RESOLVED = "not_resolved"
    """Reached, but the concern was not resolved."""
    NOT_REACHABLE = "not_reachable"
    """The customer could not be reached."""
    DECLINED = "declined"
    """The customer did not want to talk."""


class Action(StrEnum):
    """What a line of a case's history records."""

    OPENED = "opened"
    """csat opened the case for a first answer (or an edit) that needs a call back."""
    UPDATED = "updated"
    """An edit within the edit window changed the scores; the case still applies."""
    NO_LONGER_NEEDED = "no_longer_needed"
    """An edit no longer needs a call back: the lead decides whether to close."""
    CLAIMED = "claimed"
    NOTE = "note"
    CONTACTED = "contacted"
    """A note that also records an attempt to reach the customer."""
    CLOSED = "closed"
    REOPENED = "reopened"
    ADDRESS_SHOWN = "address_shown"
    """The console showed the customer's address to this user."""


#: The actor csat's own entries carry.
SYSTEM = "csat"


def reasons(
    survey: Survey, answers: Mapping[str, AnswerValue], dims: DimensionScores
) -> tuple[Why, ...]:
    """Why these answers need a call back; empty when they do not."""
    why: list[Why] = []
    if dims.understood is not None and dims.understood <= THRESHOLD:
        why.append(Why.NOT_UNDERSTOOD)
    if dims.helped is not None and dims.helped <= THRESHOLD:
        why.append(Why.NOT_HELPED)
    for key, low in unsolved_choices(survey).items():
        if answers.get(key) in low:
            why.append(Why.NOT_SOLVED)
            break
    return tuple(why)


def unsolved_choices(survey: Survey) -> dict[str, frozenset[str]]:
    """The choice questions of the helped dimension and their choices that need a call
    back (scored at or below :data:`THRESHOLD`): ``{"solved": {"no"}}`` for the stock survey.

    :func:`reasons` and the report's count of answers that need a call back both use it.
    """
    found = {}
    for question in survey.questions:
        if question.type != "choice" or question.dimension != "helped":
            continue
        low = frozenset(c.value for c in question.choices if c.score <= THRESHOLD)
        if low:
            found[question.key] = low
    return found


def join(why: tuple[Why, ...]) -> str:
    """The stored form of ``why`` (comma-separated)."""
    return ",".join(w.value for w in why)


def split(stored: str) -> tuple[Why, ...]:
    """The reasons of a stored value."""
    return tuple(Why(part) for part in stored.split(",") if part)
