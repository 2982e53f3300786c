"""What one run of the outbox did."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class SendReport:
    """What one :meth:`Outbox.send_due` run did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    reminded: int = 0
    expired: int = 0
    #: ``(invitation id, reason)`` of each permanent failure in this run.
    failures: list[tuple[int, str]] = field(default_factory=list)
    #: True when the run ended early because the server could not be reached.
    stopped: bool = False
    #: Why the server could not be reached, when :attr:`stopped` (no addresses).
    unavailable: str | None = None
    #: The reasons of this run's transient failures (retried later), counted.
    retry_reasons: Counter[str] = field(default_factory=Counter)

    def __str__(self) -> str:
        return (
            f"sent {self.sent}, retried {self.retried}, failed {self.failed}, "
            f"reminded {self.reminded}, expired {self.expired}"
        )
