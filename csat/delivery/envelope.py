"""What an email is built from (:class:`Envelope`) and what a sender gets
(:class:`OutgoingEmail`); :class:`~csat.delivery.message.MessageBuilder` turns one
into the other."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from email.message import EmailMessage

from .wire import POLICY, UTF8_POLICY


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


class OutgoingEmail:
    """A built email ready for a sender: the message and its wire form.

    :class:`MessageBuilder` usually writes the wire form directly; the
    :class:`~email.message.EmailMessage` is then parsed from it on first use.

    :param smtputf8: whether the message has a non-ASCII address (envelope or
        header) and must be sent with SMTPUTF8; ``None`` decides it from
        ``sender`` and ``recipient``.
    """

    __slots__ = ("_message", "_message_id", "data", "recipient", "sender", "smtputf8")

    def __init__(
        self,
        message: EmailMessage | None,
        sender: str,
        recipient: str,
        data: bytes,
        message_id: str | None = None,
        *,
        smtputf8: bool | None = None,
    ) -> None:
        if message is None and message_id is None:
            raise ValueError("an OutgoingEmail needs its message or its Message-ID")
        self._message = message
        self._message_id = message_id
        #: Envelope sender (``MAIL FROM``) and recipient (``RCPT TO``).
        self.sender = sender
        self.recipient = recipient
        #: The message serialised for SMTP (CRLF line ends); with raw UTF-8
        #: headers (RFC 6532) when :attr:`smtputf8`.
        self.data = data
        #: Whether sending needs the server's SMTPUTF8 extension (RFC 6531).
        self.smtputf8 = (
            not (sender.isascii() and recipient.isascii()) if smtputf8 is None else smtputf8
        )

    def __repr__(self) -> str:
        return f"OutgoingEmail({self.message_id!r}, to={self.recipient!r})"

    @property
    def message(self) -> EmailMessage:
        """The message as an :class:`~email.message.EmailMessage`."""
        if self._message is None:
            policy = UTF8_POLICY if self.smtputf8 else POLICY
            parsed = message_from_bytes(self.data, policy=policy)
            assert isinstance(parsed, EmailMessage)
            self._message = parsed
        return self._message

    @property
    def message_id(self) -> str:
        """The message's ``Message-ID`` header."""
        if self._message_id is None:
            self._message_id = str(self.message["Message-ID"])
        return self._message_id
