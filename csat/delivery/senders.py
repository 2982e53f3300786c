"""Senders: hand a built :class:`~email.message.EmailMessage` to the world.

A sender is used as a context manager around one run of the outbox (so
:class:`SMTPSender` keeps one connection for the whole batch) and raises
:class:`~csat.errors.TransientDeliveryError` (retry later),
:class:`~csat.errors.PermanentDeliveryError` (fail now) or
:class:`~csat.errors.SenderConfigurationError` (stop: nothing can be sent).

- :class:`SMTPSender`: the standard library's :mod:`smtplib` (plain, STARTTLS, SSL).
- :class:`DirectorySender`: one ``.eml`` file per message (development, demos).
- :class:`CallableSender`: any callable taking the message (a host's own mail service).

An email with a non-ASCII address (:attr:`~csat.delivery.envelope.OutgoingEmail.smtputf8`)
has raw UTF-8 headers (RFC 6532) and goes out only with SMTPUTF8 (RFC 6531).
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import socket
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

from ..config import Settings
from ..errors import (
    DeliveryError,
    PermanentDeliveryError,
    SenderConfigurationError,
    TransientDeliveryError,
)
from .envelope import OutgoingEmail


class SenderUnavailableError(TransientDeliveryError):
    """The server cannot be reached at all: the rest of the run would fail the same way.

    The reason starts with the cause in an operator's words (one of
    :data:`~csat.delivery.senders.CAUSES`), e.g. ``connection refused: mail.example.com:25: ...``.
    """


#: The causes a sender names when the SMTP server cannot be used at all.
CAUSES = (
    "name not resolved",
    "connection refused",
    "timed out",
    "TLS",
    "authentication",
    "refused by the server",
    "connection closed",
    "unreachable",
)


def _cause(error: BaseException) -> str:
    """Why the server could not be used, as one of :data:`~csat.delivery.senders.CAUSES`."""
    if isinstance(error, socket.gaierror):
        return "name not resolved"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, ssl.SSLError | smtplib.SMTPNotSupportedError):
        return "TLS"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return "authentication"
    if isinstance(error, smtplib.SMTPConnectError):
        return "refused by the server"
    if isinstance(error, smtplib.SMTPServerDisconnected | ConnectionError):
        return "connection closed"
    return "unreachable"


class Sender(Protocol):
    """What the outbox needs of a sender: a context manager around one run, and ``send``."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def send(self, email: OutgoingEmail) -> None:
        """Deliver ``email`` or raise a :class:`~csat.errors.DeliveryError`."""


class _Batch:
    """A sender is a context manager around one run; leaving it calls :meth:`close`."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release what the run held (nothing by default)."""


def _detail(error: BaseException) -> str:
    """The error's own words, or its type when it has none."""
    return str(error) or type(error).__name__


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(message.split())}"


def _error_for_reply(code: int, text: bytes | str, stage: str) -> DeliveryError:
    reason = f"{stage}: {_reply(code, text)}"
    if 500 <= code < 600:
        return PermanentDeliveryError(reason)
    return TransientDeliveryError(reason)


class SMTPSender(_Batch):
    """Send through an SMTP server with :mod:`smtplib`, one connection per run.

    :param security: ``"none"``, ``"starttls"`` or ``"ssl"`` (implicit TLS).
    :param timeout: seconds to wait for the server; a stall is a transient failure.
    :param ssl_context: TLS settings (default: :func:`ssl.create_default_context`).
    """

    def __init__(
        self,
        host: str = "localhost",
        port: int = 25,
        *,
        security: str = "none",
        user: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        if security not in ("none", "starttls", "ssl"):
            raise SenderConfigurationError("CSAT_SMTP_SECURITY", f"unknown value {security!r}")
        if user is not None and password is None:
            raise SenderConfigurationError(
                "CSAT_SMTP_PASSWORD", f"a login as {user!r} needs CSAT_SMTP_PASSWORD"
            )
        self.host, self.port, self.security = host, port, security
        self.user, self._password = user, password
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.local_hostname = local_hostname
        self._connection: smtplib.SMTP | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> SMTPSender:
        """A sender for the ``CSAT_SMTP_*`` settings."""
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            security=settings.smtp_security,
            user=settings.smtp_user,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout,
        )

    def __repr__(self) -> str:
        return f"SMTPSender({self.host!r}, {self.port}, security={self.security!r})"

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context if self.ssl_context is not None else ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        where = f"{self.host}:{self.port}"
        connection: smtplib.SMTP
        try:
            if self.security == "ssl":
                connection = smtplib.SMTP_SSL(
                    self.host, self.port, local_hostname=self.local_hostname,
                    timeout=self.timeout, context=self._context(),
                )  # fmt: skip
            else:
                connection = smtplib.SMTP(
                    self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout
                )
        except ssl.SSLError as e:  # implicit TLS: a bad certificate, or not a TLS server
            raise SenderConfigurationError(
                "CSAT_SMTP_SECURITY", f"TLS: {where}: {_detail(e)}"
            ) from e
        except smtplib.SMTPConnectError as e:
            raise SenderUnavailableError(
                f"{_cause(e)}: {where}: {_reply(e.smtp_code, e.smtp_error)}"
            ) from e
        except (OSError, smtplib.SMTPException) as e:
            raise SenderUnavailableError(f"{_cause(e)}: {where}: {_detail(e)}") from e
        try:
            if self.security == "starttls":
                connection.starttls(context=self._context())
            if self.user is not None:
                assert self._password is not None
                connection.login(self.user, self._password)
        except smtplib.SMTPAuthenticationError as e:
            _quietly_close(connection)
            raise SenderConfigurationError(
                "CSAT_SMTP_USER",
                f"authentication: {where} refused the login: {_reply(e.smtp_code, e.smtp_error)}",
            ) from e
        except (smtplib.SMTPNotSupportedError, ssl.SSLError) as e:
            _quietly_close(connection)
            raise SenderConfigurationError(
                "CSAT_SMTP_SECURITY", f"TLS: {where}: {_detail(e)}"
            ) from e
        except (OSError, smtplib.SMTPException) as e:
            _quietly_close(connection)
            raise SenderUnavailableError(f"{_cause(e)}: {where}: {_detail(e)}") from e
        return connection

    def send(self, email: OutgoingEmail) -> None:
        """Send over the open connection (connecting first if needed).

        A message with a non-ASCII address (:attr:`OutgoingEmail.smtputf8`) is
        sent with the ``SMTPUTF8`` option (RFC 6531) if the server offers it,
        else fails permanently before its transaction starts, keeping the
        connection for the next message. Other messages never use the option.
        """
        if self._connection is None:
            self._connection = self._connect()
        connection = self._connection
        try:
            options = self._mail_options(connection, email)
            refused = connection.sendmail(email.sender, [email.recipient], email.data, options)
        except smtplib.SMTPRecipientsRefused as e:
            code, text = next(iter(e.recipients.values()))
            raise self._reply_error(code, text, "RCPT") from e
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as e:
            stage = "MAIL" if isinstance(e, smtplib.SMTPSenderRefused) else "DATA"
            raise self._reply_error(e.smtp_code, e.smtp_error, stage) from e
        except (OSError, smtplib.SMTPException) as e:
            # Dropped connection, timeout, protocol error: the state is unknown.
            self._drop()
            raise TransientDeliveryError(f"{type(e).__name__}: {e}".rstrip(": ")) from e
        if refused:  # only one recipient: it was refused
            code, text = next(iter(refused.values()))
            raise _error_for_reply(code, text, "RCPT")

    def _reply_error(self, code: int, text: bytes | str, stage: str) -> DeliveryError:
        """The error for a refusing reply; after 421 (RFC 5321: the server is closing
        the connection) the next message connects anew."""
        if code == 421:
            self._drop()
        return _error_for_reply(code, text, stage)

    def _mail_options(self, connection: smtplib.SMTP, email: OutgoingEmail) -> tuple[str, ...]:
        """``("SMTPUTF8",)`` for a message that needs it, else nothing.

        :raises PermanentDeliveryError: it needs SMTPUTF8 and the server does not offer it.
        """
        if not email.smtputf8:
            return ()
        connection.ehlo_or_helo_if_needed()  # the extensions are known after EHLO
        if connection.has_extn("smtputf8"):
            return ("SMTPUTF8",)
        if not email.recipient.isascii():
            what = f"address {email.recipient!r}"
        elif not email.sender.isascii():
            what = f"sender address {email.sender!r}"
        else:
            what = "a non-ASCII address in the headers"
        raise PermanentDeliveryError(
            f"{what} needs SMTPUTF8, which {self.host}:{self.port} does not offer"
        )

    def _drop(self) -> None:
        if self._connection is not None:
            _quietly_close(self._connection)
            self._connection = None

    def close(self) -> None:
        """End the session politely (QUIT), ignoring a dead connection."""
        if self._connection is None:
            return
        connection, self._connection = self._connection, None
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            _quietly_close(connection)


def _quietly_close(connection: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        connection.close()


class DirectorySender(_Batch):
    """Write each message to ``<directory>/<message-id>.eml`` (created if missing).

    A retry overwrites the same file: the name comes from the stable Message-ID.
    A message with a non-ASCII address is written with raw UTF-8 headers.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def __repr__(self) -> str:
        return f"DirectorySender({str(self.directory)!r})"

    def send(self, email: OutgoingEmail) -> None:
        """Write the message atomically (temporary file, then rename)."""
        name = email.message_id.strip("<>").replace("/", "_")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            target = self.directory / f"{name}.eml"
            partial = target.with_suffix(".eml.part")
            partial.write_bytes(email.data)
            partial.replace(target)
        except OSError as e:
            raise TransientDeliveryError(f"write {self.directory}: {e}") from e


class CallableSender(_Batch):
    """Hand each message to ``deliver(message)``.

    ``deliver`` may raise :class:`~csat.errors.TransientDeliveryError` or
    :class:`~csat.errors.PermanentDeliveryError`; any other exception counts
    as transient (the message is retried later). A message with a non-ASCII
    address has a ``utf8`` policy and is to be delivered with SMTPUTF8
    (:meth:`smtplib.SMTP.send_message` does so for a non-ASCII sender or recipient).
    """

    def __init__(self, deliver: Callable[[EmailMessage], object]) -> None:
        self.deliver = deliver

    def __repr__(self) -> str:
        return f"CallableSender({self.deliver!r})"

    def send(self, email: OutgoingEmail) -> None:
        """Call ``deliver`` with the message; unexpected exceptions are transient failures."""
        try:
            self.deliver(email.message)
        except DeliveryError:
            raise
        except Exception as e:
            raise TransientDeliveryError(f"{type(e).__name__}: {e}".rstrip(": ")) from e
