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
within the edit window), ``reasons`` (why a call back is needed, e.g.
``("not_understood",)``; empty when it is not), ``case_id`` (csat's own
follow-up case, ``None`` with ``CSAT_FOLLOW_UPS = False``) and ``result``
(the :class:`~csat.RecordResult`).
"""

from __future__ import annotations

from typing import Any

from blinker import Namespace

from ..answers.record import RecordResult
from ..follow_ups.rules import THRESHOLD

_signals = Namespace()

#: Sent after every stored submission (first answer or edit).
response_submitted = _signals.signal("csat.response-submitted")

#: Sent once per follow-up case: after a submission that needs a call back
#: (:func:`csat.follow_ups.rules.reasons`: not understood, not helped or not
#: solved) where the stored answers did not need one before. So it is sent
#: for a first submission that needs it, and
#: for an edit within the edit window (``created=False``) that turns a
#: response into a follow-up case; not for an edit of a response that already
#: was one (changed scores and comment arrive with :data:`response_submitted`).
follow_up_needed = _signals.signal("csat.follow-up-needed")

#: Scores (on the 1..5 dimension scale) at or below this need a follow-up
#: (the one definition: :data:`csat.follow_ups.rules.THRESHOLD`).
FOLLOW_UP_THRESHOLD = THRESHOLD


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
        "reasons": tuple(w.value for w in result.follow_up),
        "case_id": None if result.case is None else result.case.case_id,
        "result": result,
    }


def send_submitted(sender: object, result: RecordResult, text_keys: tuple[str, ...]) -> None:
    """Send :data:`response_submitted`, and :data:`follow_up_needed` for a new case."""
    payload = signal_payload(result, text_keys)
    response_submitted.send(sender, **payload)
    if result.new_follow_up:
        follow_up_needed.send(sender, **payload)
