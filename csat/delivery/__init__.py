"""Delivery: the invitation outbox, the survey email and the senders.

Use it through :meth:`csat.SurveyService.send_due` (or ``csat send``)::

    from csat.delivery import SMTPSender
    report = service.send_due(SMTPSender("mail.example.com", 587, security="starttls",
                                         user="csat", password=os.environ["CSAT_SMTP_PASSWORD"]))
"""

from __future__ import annotations

from .envelope import Envelope, OutgoingEmail
from .message import MessageBuilder, default_loader, message_id
from .outbox import Outbox
from .report import SendReport
from .retry import RetryPolicy
from .senders import (
    CallableSender,
    DirectorySender,
    Sender,
    SenderUnavailableError,
    SMTPSender,
)

__all__ = [
    "CallableSender",
    "DirectorySender",
    "Envelope",
    "MessageBuilder",
    "Outbox",
    "OutgoingEmail",
    "RetryPolicy",
    "SMTPSender",
    "SendReport",
    "Sender",
    "SenderUnavailableError",
    "default_loader",
    "message_id",
]
