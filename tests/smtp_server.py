"""A real SMTP server on loopback (aiosmtpd) that can be told to misbehave.

Faults are scripted per recipient: each delivery attempt for that address
takes the next fault from its list (then behaves normally). Faults:

- ``"rcpt:451"``, ``"rcpt:550"``, ...: answer RCPT TO with that code
  (``"rcpt:550:quote"``: a reply that quotes the mailbox, as many servers write)
- ``"data:421"``, ``"data:451"``, ``"data:554"``: answer the end of DATA with it
- ``"drop"``: close the connection after the data arrived, before the reply
- ``"stall"``: wait ``stall_seconds`` before replying (past the client's timeout)

Every accepted message is kept in :attr:`ScriptedHandler.received`, with the
``MAIL FROM`` options it came with. ``smtp_server(smtputf8=True)`` offers
SMTPUTF8 (RFC 6531) in its EHLO reply; without it, non-ASCII commands are
refused.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

USER, PASSWORD = "csat", "s3cret-pw"


@dataclass
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    #: The ``MAIL FROM`` options, e.g. ``["SMTPUTF8"]``.
    mail_options: list[str] = field(default_factory=list)

    @property
    def message(self) -> EmailMessage:
        """The parsed message."""
        return message_from_bytes(self.data, policy=policy.default)

    @property
    def message_id(self) -> str:
        """Its Message-ID header."""
        return str(self.message["Message-ID"])


@dataclass
class ScriptedHandler:
    """aiosmtpd handler: records what arrives, injects scripted faults."""

    faults: dict[str, list[str]] = field(default_factory=dict)
    stall_seconds: float = 1.0
    received: list[Received] = field(default_factory=list)
    connections: int = 0
    #: Every fault injected, in order: (recipient, fault).
    injected: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Condition = field(default_factory=threading.Condition)

    def _next_fault(self, address: str, stage: str) -> str | None:
        with self.lock:
            script = self.faults.get(address.lower())
            if not script or script[0].startswith("rcpt:") != (stage == "rcpt"):
                return None
            fault = script.pop(0)
            self.injected.append((address, fault))
            return fault

    async def handle_EHLO(  # noqa: N802 - aiosmtpd hook names
        self, server: SMTP, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(  # noqa: N802 - aiosmtpd hook names
        self, server: SMTP, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        fault = self._next_fault(address, "rcpt")
        if fault is not None:
            _, code, *quote = fault.split(":")
            if quote:  # as many servers do: the reply quotes the mailbox
                return f"{code} 5.1.1 <{address}>: no such user"
            return f"{code} {'4.3.0 try again later' if code[0] == '4' else '5.1.1 no such user'}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:  # noqa: N802
        fault = self._next_fault(envelope.rcpt_tos[0], "data")
        if fault == "drop":
            assert server.transport is not None
            server.transport.close()
            return "250 never seen by the client"
        if fault == "stall":
            await asyncio.sleep(self.stall_seconds)
            return "451 4.4.2 too late"
        if fault is not None:
            code = fault.split(":")[1]
            return f"{code} {'4.3.0 busy' if code[0] == '4' else '5.7.1 rejected'}"
        with self.lock:
            self.received.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    bytes(envelope.content),
                    list(envelope.mail_options),
                )
            )
            self.lock.notify_all()
        return "250 2.0.0 OK queued"

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Whether ``count`` messages were accepted within ``timeout`` seconds
        (e.g. the data a killed client sent before it died)."""
        with self.lock:
            return self.lock.wait_for(lambda: len(self.received) >= count, timeout)

    def message_ids(self) -> Counter[str]:
        """How often each Message-ID arrived."""
        with self.lock:
            return Counter(r.message_id for r in self.received)


def _authenticate(
    server: SMTP, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword)
        and data.login.decode() == USER
        and data.password.decode() == PASSWORD
    )
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    """A loopback port nobody listens on (for the closed-port fault)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running server: where it listens and its handler."""

    host: str
    port: int
    handler: ScriptedHandler


@contextmanager
def smtp_server(
    handler: ScriptedHandler | None = None,
    *,
    tls: ssl.SSLContext | None = None,
    implicit_tls: bool = False,
    auth: bool = False,
    smtputf8: bool = False,
) -> Iterator[Server]:
    """Run an aiosmtpd server on a free loopback port for the ``with`` block."""
    handler = handler if handler is not None else ScriptedHandler()
    options: dict[str, Any] = {"timeout": 30, "enable_SMTPUTF8": smtputf8}
    if auth:
        options.update(authenticator=_authenticate, auth_require_tls=tls is not None)
    if tls is not None and not implicit_tls:
        options.update(tls_context=tls, require_starttls=True)
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        ssl_context=tls if implicit_tls else None,
        server_hostname="localhost",
        **options,
    )
    controller.start()
    try:
        yield Server("127.0.0.1", controller.port, handler)
    finally:
        controller.stop()
