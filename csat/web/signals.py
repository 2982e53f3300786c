"""Blinker signals the survey pages send, so a host can act on answers.

Connect a receiver, e.g. to open a callback task::

    from csat.web.signals import follow_up_needed

    @follow_up_needed.connect
    def callback_task(app, *, ticket_id, agent, team, understood_score,
                      helped_score, comment, created, **extra):
        ...

Both signals are sent with the Flask app as sender and these keyword
arguments: ``ticket_id``, ``agent``, ``team``, ``understood_score``,
``helped_score``, ``overall_score`` (1..5 or ``None``), ``comment`` (the
survey's text answers joined, or ``None``), ``created`` (``False`` for an edit
within the edit window) and ``result`` (the :class:`~csat.RecordResult`).
"""

from __future__ import annotations

from typing import Any

from blinker import Namespace

from ..answers.record import RecordResult

_signals = Namespace()

#: Sent after every stored submission (first answer or edit).
response_submitted = _signals.signal("csat.response-submitted")

#: Sent once per follow-up case: after a submission where the customer did not
#: feel understood or was not helped (``understood_score`` or ``helped_score``
#: at or below :data:`FOLLOW_UP_THRESHOLD`) and the stored answers did not
#: need one before. So it is sent for a first submission that needs it, and
#: for an edit within the edit window (``created=False``) that turns a
#: response into a follow-up case; not for an edit of a response that already
#: was one (changed scores and comment arrive with :data:`response_submitted`).
follow_up_needed = _signals.signal("csat.follow-up-needed")

#: Scores (on the 1..5 dimension scale) at or below this need a follow-up:
#: 1 and 2 are the two bottom boxes, i.e. "not" or "hardly" understood/helped.
FOLLOW_UP_THRESHOLD = 2


def _low(*scores: int | None) -> bool:
    return any(s is not None and s <= FOLLOW_UP_THRESHOLD for s in scores)


def needs_follow_up(result: RecordResult) -> bool:
    """True when the customer did not feel understood or was not helped."""
    return _low(result.understood_score, result.helped_score)


def is_new_follow_up(result: RecordResult) -> bool:
    """True when ``result`` needs a follow-up and the answers it replaced did not."""
    if not needs_follow_up(result):
        return False
    return result.created or not _low(
        result.previous_understood_score, result.previous_helped_score
    )


def signal_payload(result: RecordResult, text_keys: tuple[str, ...]) -> dict[str, Any]:
    """The keyword arguments both signals carry for ``result``."""
    texts = [str(result.answers[k]) for k in text_keys if result.answers.get(k)]
    return {
        "ticket_id": result.ticket_id,
        "agent": result.agent,
        "team": result.team,
        "understood_score": result.understood_score,
        "helped_score": result.helped_score,
        "overall_score": result.overall_score,
        "comment": "\n\n".join(texts) or None,
        "created": result.created,
        "result": result,
    }


def send_submitted(sender: object, result: RecordResult, text_keys: tuple[str, ...]) -> None:
    """Send :data:`response_submitted`, and :data:`follow_up_needed` for a new case."""
    payload = signal_payload(result, text_keys)
    response_submitted.send(sender, **payload)
    if is_new_follow_up(result):
        follow_up_needed.send(sender, **payload)
