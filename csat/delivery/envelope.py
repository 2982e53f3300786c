"""What an email is built from (:class:`Envelope`, :class:`LeadEnvelope`) and
what a sender gets (:class:`OutgoingEmail`); :class:`~csat.delivery.message.MessageBuilder`
and :class:`~csat.delivery.leads.LeadMessageBuilder` turn one into the other."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from ..follow_ups.work import CaseRow


@dataclass(frozen=True, slots=True)
class Envelope:
    """What one email is built from: an invitation row's delivery fields."""

    invitation_id: int
    ticket_id: str
    email: str
    locale: str
    nonce: str
    expires_at: datetime
    #: ``True`` for the one reminder, ``False`` for the invitation itself.
    reminder: bool = False
    #: The base URL the invitation's links are built on (``None``: ``CSAT_BASE_URL``).
    base_url: str | None = None


@dataclass(frozen=True, slots=True)
class LeadCase:
    """One case as a lead email shows it, read when the email is claimed."""

    case: CaseRow
    #: The customer's free-text answers (question key, text), in the survey's
    #: order; only in the email about a new case, empty once erased.
    comments: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class LeadEnvelope:
    """What one email to a team lead is built from: its row and its cases."""

    lead_email_id: int
    #: ``case`` (a new case) or ``digest`` (the lead's overdue cases).
    kind: str
    recipient: str
    locale: str
    #: Stored with the claim before the first attempt: every attempt carries it.
    message_id: str
    #: The cases it shows that still exist, by due time (a digest: the first
    #: ``csat.delivery.leads.DIGEST_SHOWN`` of those it lists).
    cases: tuple[LeadCase, ...]
    #: How many cases the row lists (a digest may list more than it shows).
    listed: int = 1


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    """A built email ready for a sender: the message and its bytes."""

    message: EmailMessage
    #: Envelope sender (``MAIL FROM``) and recipient (``RCPT TO``).
    sender: str
    recipient: str
    #: The message serialised for SMTP (CRLF line ends); with raw UTF-8
    #: headers (RFC 6532) when :attr:`smtputf8`.
    data: bytes
    #: Whether sending needs the server's SMTPUTF8 extension (RFC 6531): the
    #: message has a non-ASCII address, in its envelope or its headers.
    smtputf8: bool = False

    def __repr__(self) -> str:
        return f"OutgoingEmail({self.message_id!r}, to={self.recipient!r})"

    @property
    def message_id(self) -> str:
        """The message's ``Message-ID`` header."""
        return str(self.message["Message-ID"])
