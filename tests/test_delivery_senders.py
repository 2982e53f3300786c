"""Senders against a real SMTP server on loopback (aiosmtpd), faults injected."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from csat import Settings, stock_survey
from csat.delivery import CallableSender, DirectorySender, SMTPSender
from csat.delivery.message import Envelope, MessageBuilder, OutgoingEmail
from csat.delivery.senders import SenderUnavailableError
from csat.errors import (
    PermanentDeliveryError,
    SenderConfigurationError,
    TransientDeliveryError,
)
from tests.conftest import unavailable
from tests.smtp_server import PASSWORD, USER, ScriptedHandler, Server, free_port, smtp_server

SECRET = "test-secret-key-0123456789abcdef"
NOW = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)


def _email(n: int = 1, to: str | None = None, mail_from: str = "csat@example.com") -> OutgoingEmail:
    builder = MessageBuilder(Settings(secret_key=SECRET, mail_from=mail_from), b"k" * 16)
    envelope = Envelope(
        invitation_id=n,
        ticket_id=f"T-{n}",
        email=to or f"customer{n}@example.com",
        locale="en",
        nonce=f"{n:032x}",
        expires_at=datetime(2026, 10, 19, tzinfo=UTC),
    )
    return builder.prepare(envelope, stock_survey("quick"), NOW)


@pytest.fixture
def server() -> Iterator[Server]:
    """A plain SMTP server on loopback."""
    with smtp_server() as running:
        yield running


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost / 127.0.0.1 (made with openssl)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        unavailable("openssl not installed: cannot make a test certificate for TLS")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def _server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def _client_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


def test_smtp_sends_over_one_connection(server: Server) -> None:
    emails = [_email(n) for n in range(1, 6)]
    with SMTPSender(server.host, server.port, timeout=5) as sender:
        for email in emails:
            sender.send(email)
    assert server.handler.connections == 1
    received = server.handler.received
    assert [r.rcpt_tos for r in received] == [[e.recipient] for e in emails]
    assert all(r.mail_from == "csat@example.com" for r in received)
    parsed = received[0].message
    assert parsed["Message-ID"] == emails[0].message_id
    assert parsed.get_body(("html",)) is not None


@pytest.mark.parametrize(
    ("fault", "error", "reason"),
    [
        ("rcpt:550", PermanentDeliveryError, "RCPT: 550 5.1.1 no such user"),
        ("rcpt:451", TransientDeliveryError, "RCPT: 451 4.3.0 try again later"),
        ("data:554", PermanentDeliveryError, "DATA: 554 5.7.1 rejected"),
        ("data:451", TransientDeliveryError, "DATA: 451 4.3.0 busy"),
        ("data:421", TransientDeliveryError, "DATA: 421 4.3.0 busy"),
        ("rcpt:421", TransientDeliveryError, "RCPT: 421 4.3.0 try again later"),
        ("drop", TransientDeliveryError, "SMTPServerDisconnected"),
    ],
)
def test_server_replies_map_to_transient_or_permanent(
    server: Server, fault: str, error: type[Exception], reason: str
) -> None:
    bad = _email(1, to="bad@example.com")
    server.handler.faults["bad@example.com"] = [fault]
    with SMTPSender(server.host, server.port, timeout=5) as sender:
        with pytest.raises(error) as info:
            sender.send(bad)
        assert type(info.value) is error
        assert reason in str(info.value)
        sender.send(_email(2))  # the sender recovers (reconnecting when needed)
        sender.send(bad)  # and the retry goes through
    assert [r.rcpt_tos[0] for r in server.handler.received] == [
        "customer2@example.com",
        "bad@example.com",
    ]


def test_a_stalled_server_times_out_as_a_transient_failure() -> None:
    with smtp_server(ScriptedHandler(stall_seconds=1.5)) as server:
        server.handler.faults["slow@example.com"] = ["stall"]
        with SMTPSender(server.host, server.port, timeout=0.5) as sender:
            with pytest.raises(TransientDeliveryError, match="timed out"):
                sender.send(_email(1, to="slow@example.com"))
            sender.send(_email(2))
        assert [r.rcpt_tos[0] for r in server.handler.received] == ["customer2@example.com"]


def test_a_closed_port_is_sender_unavailable_with_its_cause() -> None:
    sender = SMTPSender("127.0.0.1", free_port(), timeout=2)
    with pytest.raises(SenderUnavailableError) as info:
        sender.send(_email())
    assert info.value.transient
    assert info.value.reason.startswith("connection refused: 127.0.0.1:")


def test_a_name_that_does_not_resolve_is_sender_unavailable_with_its_cause() -> None:
    sender = SMTPSender("nonexistent.invalid", 25, timeout=2)  # RFC 2606: never resolves
    with pytest.raises(SenderUnavailableError) as info:
        sender.send(_email())
    assert info.value.reason.startswith("name not resolved: nonexistent.invalid:25: ")


def test_implicit_tls_to_a_plain_server_is_a_tls_configuration_error() -> None:
    with smtp_server() as server:
        sender = SMTPSender("localhost", server.port, security="ssl", timeout=5)
        with pytest.raises(SenderConfigurationError) as info:
            sender.send(_email())
    assert info.value.key == "CSAT_SMTP_SECURITY"
    assert info.value.reason.startswith(f"TLS: localhost:{server.port}: ")


def test_login_and_starttls(certificate: tuple[Path, Path]) -> None:
    with smtp_server(tls=_server_tls(certificate), auth=True) as server:
        sender = SMTPSender(
            "localhost", server.port, security="starttls", user=USER, password=PASSWORD,
            timeout=5, ssl_context=_client_tls(certificate),
        )  # fmt: skip
        with sender:
            sender.send(_email())
        assert len(server.handler.received) == 1

        plain = SMTPSender("localhost", server.port, timeout=5)
        with pytest.raises(PermanentDeliveryError, match="530"):  # STARTTLS required
            plain.send(_email())
        plain.close()

        wrong = SMTPSender(
            "localhost", server.port, security="starttls", user=USER, password="wrong",
            timeout=5, ssl_context=_client_tls(certificate),
        )  # fmt: skip
        with pytest.raises(
            SenderConfigurationError, match=r"authentication: .* refused the login: 535"
        ):
            wrong.send(_email())


def test_implicit_tls(certificate: tuple[Path, Path]) -> None:
    with smtp_server(tls=_server_tls(certificate), implicit_tls=True) as server:
        with SMTPSender(
            "localhost", server.port, security="ssl", timeout=5,
            ssl_context=_client_tls(certificate),
        ) as sender:  # fmt: skip
            sender.send(_email())
        assert len(server.handler.received) == 1
        untrusted = SMTPSender("localhost", server.port, security="ssl", timeout=5)
        with pytest.raises(SenderConfigurationError, match="CERTIFICATE_VERIFY_FAILED"):
            untrusted.send(_email())


def test_smtp_settings_and_their_errors() -> None:
    settings = Settings(smtp_host="mail.example.com", smtp_port=587, smtp_security="starttls")
    sender = SMTPSender.from_settings(settings)
    assert (sender.host, sender.port, sender.security) == ("mail.example.com", 587, "starttls")
    assert "s3cret" not in repr(SMTPSender(user="u", password="s3cret"))
    with pytest.raises(SenderConfigurationError, match="CSAT_SMTP_PASSWORD"):
        SMTPSender(user="csat")
    with pytest.raises(SenderConfigurationError, match="CSAT_SMTP_SECURITY"):
        SMTPSender(security="tls")


def test_directory_sender_writes_one_eml_per_message(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    sender = DirectorySender(outbox)
    first = _email(1)
    with sender:
        sender.send(first)
        sender.send(first)  # a retry overwrites, never duplicates
        sender.send(_email(2))
    files = sorted(outbox.iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"]
    parsed = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["Message-ID"] in {first.message_id, _email(2).message_id}


def test_directory_sender_reports_write_errors(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(TransientDeliveryError, match="write"):
        DirectorySender(blocker).send(_email())


def test_callable_sender_passes_the_message_and_maps_errors() -> None:
    seen: list[EmailMessage] = []
    CallableSender(seen.append).send(_email())
    assert seen[0]["To"] == "customer1@example.com"

    def broken(message: EmailMessage) -> None:
        raise RuntimeError("queue full")

    def rejecting(message: EmailMessage) -> None:
        raise PermanentDeliveryError("mailbox unavailable")

    with pytest.raises(TransientDeliveryError, match="RuntimeError: queue full"):
        CallableSender(broken).send(_email())
    with pytest.raises(PermanentDeliveryError, match="mailbox unavailable"):
        CallableSender(rejecting).send(_email())


def test_a_non_ascii_address_fails_permanently_and_the_sender_goes_on(server: Server) -> None:
    with SMTPSender(server.host, server.port, timeout=5) as sender:
        with pytest.raises(PermanentDeliveryError) as info:
            sender.send(_email(1, to="jörg@example.com"))
        assert str(info.value) == (
            f"address 'jörg@example.com' needs SMTPUTF8, which {server.host}:{server.port}"
            " does not offer"
        )
        sender.send(_email(2))
    assert [r.rcpt_tos for r in server.handler.received] == [["customer2@example.com"]]
    assert server.handler.connections == 1  # nothing sent for it: the connection is kept


@pytest.mark.parametrize(
    ("to", "mail_from"),
    [
        ("jürgen@example.de", "csat@example.com"),
        ("customer1@example.com", "Jörg Support <jörg@example.com>"),
    ],
    ids=["recipient", "sender"],
)
def test_a_non_ascii_address_goes_out_with_smtputf8_when_offered(to: str, mail_from: str) -> None:
    with smtp_server(smtputf8=True) as server:
        international = _email(1, to=to, mail_from=mail_from)
        with SMTPSender(server.host, server.port, timeout=5) as sender:
            sender.send(international)
            sender.send(_email(2))  # ASCII, after it on the same connection
        first, second = server.handler.received
    assert server.handler.connections == 1
    assert (first.mail_from, first.rcpt_tos) == (international.sender, [to])
    assert "SMTPUTF8" in first.mail_options
    assert "SMTPUTF8" not in second.mail_options  # an ASCII email never asks for it
    head, _, body = first.data.partition(b"\r\n\r\n")
    assert f"\r\nTo: {to}\r\n".encode() in head  # raw UTF-8, not RFC 2047 words
    assert f"\r\nFrom: {mail_from}\r\n".encode() in head
    assert body.isascii() and b"Content-Transfer-Encoding: quoted-printable" in body
    message = first.message
    assert (str(message["To"]), str(message["From"])) == (to, mail_from)
    plain = message.get_body(("plain",))
    assert plain is not None and "Your ticket T-1 has been resolved." in plain.get_content()


def test_ascii_emails_never_ask_for_smtputf8() -> None:
    with smtp_server(smtputf8=True) as server, SMTPSender(server.host, server.port) as sender:
        for n in (1, 2):
            sender.send(_email(n, mail_from="Ünicode Support <support@example.com>"))
    assert len(server.handler.received) == 2
    assert not any("SMTPUTF8" in r.mail_options for r in server.handler.received)
    assert all(r.data.isascii() for r in server.handler.received)  # RFC 2047 display name
