"""What one run of the outbox did."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class SendReport:
    """What one :meth:`Outbox.send_due` run did.

    :attr:`retried` and :attr:`failed` count every kind of email, lead emails
    included; :attr:`sent`, :attr:`reminded` and :attr:`leads` count each kind.
    """

    sent: int = 0
    retried: int = 0
    failed: int = 0
    reminded: int = 0
    expired: int = 0
    #: Emails to team leads sent (new cases and digests).
    leads: int = 0
    #: ``(invitation id, reason)`` of each permanent failure of an invitation in this run.
    failures: list[tuple[int, str]] = field(default_factory=list)
    #: ``(lead email id, reason)`` of each permanent failure of a lead email in this run.
    lead_failures: list[tuple[int, str]] = field(default_factory=list)
    #: True when the run ended early because the server could not be reached.
    stopped: bool = False
    #: Why the server could not be reached, when :attr:`stopped` (no addresses).
    unavailable: str | None = None
    #: The reasons of this run's transient failures (retried later), counted.
    retry_reasons: Counter[str] = field(default_factory=Counter)

    def __str__(self) -> str:
        line = (
            f"sent {self.sent}, retried {self.retried}, failed {self.failed}, "
            f"reminded {self.reminded}, expired {self.expired}"
        )
        if self.leads or self.lead_failures:
            line += f", lead emails {self.leads}"
        return line
