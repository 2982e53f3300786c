"""Follow-up cases: close the loop with every customer who did not feel understood.

An answer that needs a call back (:func:`~csat.follow_ups.rules.reasons`)
opens a case in the transaction that stores it (:mod:`.cases`) and queues an
email to the team's leads; the leads claim, annotate and close cases
(:mod:`.work`), in the console or with ``csat follow-ups``.
"""

from .rules import THRESHOLD, Action, Outcome, State, Why, reasons

__all__ = ["THRESHOLD", "Action", "Outcome", "State", "Why", "reasons"]
