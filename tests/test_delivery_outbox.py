"""The outbox: claims, leases, retries with backoff, failures, reminders, expiry."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from csat import FixedClock, InviteRequest, Settings, Status, SurveyService
from csat.delivery import CallableSender, MessageBuilder, Outbox, SMTPSender
from csat.delivery.envelope import Envelope, OutgoingEmail
from csat.delivery.headers import ENCODED_WORD_BREAK
from csat.delivery.queries import Queue
from csat.errors import PermanentDeliveryError, SenderConfigurationError, TransientDeliveryError
from csat.storage.models import Invitation
from csat.survey.model import Survey
from csat.tokens import derive_token, new_nonce, token_hash
from tests.conftest import SECRET, T0
from tests.smtp_server import smtp_server


def _invite(service: SurveyService, count: int, *, hours_ago: float = 2, prefix: str = "T") -> None:
    service.invite_many(
        [
            InviteRequest(
                ticket_id=f"{prefix}-{n}", email=f"{prefix.lower()}{n}@example.com",
                agent="ana", team="1st Level", channel="phone",
                resolved_at=T0 - timedelta(hours=hours_ago), locale="en" if n % 2 else "de",
            )
            for n in range(count)
        ]
    )  # fmt: skip


def _rows(engine: Engine) -> list[Invitation]:
    with Session(engine) as session:
        return list(session.scalars(select(Invitation).order_by(Invitation.id)))


class Mailbox:
    """A callable sender's target that can be told to fail."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.fail: dict[str, list[Exception]] = {}

    def __call__(self, message: EmailMessage) -> None:
        errors = self.fail.get(str(message["To"]))
        if errors:
            raise errors.pop(0)
        self.messages.append(message)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def test_sends_what_is_due_once_and_marks_it(service: SurveyService, engine: Engine) -> None:
    _invite(service, 3)
    _invite(service, 1, hours_ago=0.5, prefix="LATER")  # delayed: due in 30 minutes
    service.opt_out("x0@example.com")
    _invite(service, 1, prefix="X")  # skipped: opted out
    box = Mailbox()
    assert service.count_due() == 3

    report = service.send_due(CallableSender(box))

    assert (report.sent, report.retried, report.failed, report.reminded) == (3, 0, 0, 0)
    assert str(report) == "sent 3, retried 0, failed 0, reminded 0, expired 0"
    by_ticket = {row.ticket_id: row for row in _rows(engine)}
    for n in range(3):
        row = by_ticket[f"T-{n}"]
        assert row.status == Status.SENT
        assert row.sent_at == T0 and row.attempts == 1
        assert row.claim_id is None and row.claimed_until is None
        assert row.reminder_due_at == T0 + timedelta(days=3)
        [message] = box.to(f"t{n}@example.com")
        assert message["Message-ID"] == row.message_id
    assert by_ticket["LATER-0"].status == Status.PENDING
    assert by_ticket["X-0"].status == Status.SKIPPED
    assert service.send_due(CallableSender(box)).sent == 0  # nothing twice
    assert len(box.messages) == 3


@pytest.mark.parametrize("smtp", [False, True], ids=["callable", "smtp"])
def test_cancelled_invitations_are_never_sent(
    service: SurveyService, engine: Engine, smtp: bool
) -> None:
    _invite(service, 13)
    for n in (13, 14):  # due last (rows are claimed in due order), so beyond the first
        # group of marks: a cancellation reaches rows after the next `mark_every`
        service.invite(
            f"T-{n}", f"t{n}@example.com", agent="ana", team="1st Level", channel="phone",
            resolved_at=T0 - timedelta(hours=1.5 - n / 100),
        )  # fmt: skip
    service.cancel("T-0")
    sent_to: list[str] = []

    def deliver(message: EmailMessage) -> None:
        sent_to.append(str(message["To"]))
        service.cancel("T-13")  # reopened while the batch is being sent

    if smtp:

        class Reopening(SMTPSender):
            def send(self, email: OutgoingEmail) -> None:
                super().send(email)
                deliver(email.message)

        with smtp_server() as server:
            report = service.send_due(Reopening(server.host, server.port, timeout=10))
        assert [r.rcpt_tos[0] for r in server.handler.received] == sent_to
    else:
        report = service.send_due(CallableSender(deliver))
    assert "t0@example.com" not in sent_to and "t13@example.com" not in sent_to
    assert report.sent == len(sent_to) == 13
    statuses = {row.ticket_id: row.status for row in _rows(engine)}
    assert statuses["T-0"] == statuses["T-13"] == "cancelled"
    assert all(row.claim_id is None for row in _rows(engine))
    assert next(r for r in _rows(engine) if r.ticket_id == "T-13").attempts == 0


def test_transient_failures_back_off_with_full_jitter(
    service: SurveyService, engine: Engine, clock: FixedClock
) -> None:
    _invite(service, 1)
    box = Mailbox()
    box.fail["t0@example.com"] = [TransientDeliveryError("451 busy")] * 3
    expected = random.Random(42)
    rng = random.Random(42)
    base, cap = timedelta(minutes=1), timedelta(hours=1)
    for attempt in (1, 2, 3):
        report = service.send_due(CallableSender(box), rng=rng)
        assert report.retried == 1
        [row] = _rows(engine)
        delay = min(cap, base * 2 ** (attempt - 1)) * expected.random()
        assert row.next_attempt_at == clock.now + delay
        assert row.attempts == attempt and row.last_error == "451 busy"
        assert row.failing_since == T0
        if row.next_attempt_at > clock.now:
            assert service.send_due(CallableSender(box), rng=rng).retried == 0  # not yet
        assert row.next_attempt_at is not None
        clock.now = row.next_attempt_at
    report = service.send_due(CallableSender(box), rng=rng)
    [row] = _rows(engine)
    assert report.sent == 1 and row.status == Status.SENT and row.attempts == 4
    assert row.failing_since is None and row.next_attempt_at is None


def test_gives_up_after_72_hours_with_the_last_reason(
    service: SurveyService, engine: Engine, clock: FixedClock
) -> None:
    _invite(service, 1)
    box = Mailbox()
    box.fail["t0@example.com"] = [TransientDeliveryError(f"421 try {n}") for n in range(500)]
    failed_at = None
    for _ in range(200):
        report = service.send_due(CallableSender(box), rng=random.Random(3))
        if report.failed:
            failed_at = clock.now
            assert report.failures == [(_rows(engine)[0].id, report.failures[0][1])]
            break
        clock.advance(hours=1)
    [row] = _rows(engine)
    assert failed_at is not None and row.status == Status.FAILED
    assert timedelta(hours=72) <= failed_at - T0 < timedelta(hours=73)
    assert row.last_error == f"421 try {row.attempts - 1}"
    assert box.messages == []


def test_permanent_failure_fails_at_once(service: SurveyService, engine: Engine) -> None:
    _invite(service, 2)
    box = Mailbox()
    box.fail["t0@example.com"] = [PermanentDeliveryError("RCPT: 550 5.1.1 no such user")]
    report = service.send_due(CallableSender(box))
    assert (report.sent, report.failed, report.retried) == (1, 1, 0)
    failed = next(row for row in _rows(engine) if row.ticket_id == "T-0")
    assert failed.status == Status.FAILED and failed.attempts == 1
    assert failed.last_error == "RCPT: 550 5.1.1 no such user"
    assert report.failures == [(failed.id, "RCPT: 550 5.1.1 no such user")]


def test_one_reminder_when_unanswered(
    service: SurveyService, engine: Engine, clock: FixedClock
) -> None:
    results = [
        service.invite(f"T-{n}", f"t{n}@example.com", agent="a", team="t", channel="chat",
                       resolved_at=T0 - timedelta(hours=2))
        for n in range(3)
    ]  # fmt: skip
    box = Mailbox()
    assert service.send_due(CallableSender(box)).sent == 3
    token = results[0].token
    assert token is not None
    service.record(token, {"understood": 5})  # answered: no reminder
    service.cancel("T-1")  # sent already: stays answerable, gets its reminder

    clock.advance(days=2, hours=23)
    assert service.send_due(CallableSender(box)).reminded == 0
    clock.advance(hours=1)
    box.fail["t2@example.com"] = [TransientDeliveryError("451 later")]
    report = service.send_due(CallableSender(box), rng=random.Random(5))
    assert (report.reminded, report.retried) == (1, 1)
    clock.advance(hours=2)
    assert service.send_due(CallableSender(box)).reminded == 1
    clock.advance(days=5)
    assert service.send_due(CallableSender(box)).reminded == 0  # only one

    assert len(box.to("t0@example.com")) == 1
    for address in ("t1@example.com", "t2@example.com"):
        first, reminder = box.to(address)
        assert reminder["Subject"].startswith("Reminder:")
        assert reminder["References"] == first["Message-ID"] != reminder["Message-ID"]
    rows = {row.ticket_id: row for row in _rows(engine)}
    assert rows["T-0"].reminded_at is None
    assert rows["T-1"].reminded_at == T0 + timedelta(days=3)
    assert rows["T-2"].reminded_at == T0 + timedelta(days=3, hours=2)
    assert all(row.reminder_due_at is None for row in rows.values())


def test_an_invitation_answered_before_its_email_is_not_sent_nor_reminded(
    service: SurveyService, engine: Engine, clock: FixedClock
) -> None:
    """The link printed by ``invite`` (or shown by the host) was answered while the
    invitation was still pending: its email would ask again, so it never goes out,
    neither when claimed nor when a run already holds it."""
    _invite(service, 12)
    rows = _rows(engine)
    links = {row.ticket_id: service.link_for(row.id) for row in rows}
    for ticket in ("T-0", "T-11"):  # the first row claimed, and one a run looks at again
        link = links[ticket]
        assert link is not None
        service.record(link.rsplit("/", 1)[1], {"understood": 4})
    assert service.count_due() == 10
    box = Mailbox()
    report = service.send_due(CallableSender(box))
    assert (report.sent, report.failed) == (10, 0) and len(box.messages) == 10
    assert not box.to("t0@example.com") and not box.to("t11@example.com")
    clock.advance(days=4)
    assert service.send_due(CallableSender(box)).reminded == 10
    assert not box.to("t0@example.com") and not box.to("t11@example.com")
    statuses = {row.ticket_id: row.status for row in _rows(engine)}
    assert statuses["T-0"] == statuses["T-11"] == Status.PENDING


def test_no_reminder_when_disabled(engine: Engine, settings: Settings, clock: FixedClock) -> None:
    service = SurveyService(engine, settings=settings.replace(reminder=timedelta(0)), clock=clock)
    _invite(service, 1)
    box = Mailbox()
    service.send_due(CallableSender(box))
    clock.advance(days=10)
    assert service.send_due(CallableSender(box)).reminded == 0
    assert len(box.messages) == 1


def test_unsent_invitations_expire(
    service: SurveyService, engine: Engine, clock: FixedClock
) -> None:
    _invite(service, 2)
    box = Mailbox()
    for address in ("t0@example.com", "t1@example.com"):
        box.fail[address] = [TransientDeliveryError("451")] * 1000
    assert service.send_due(CallableSender(box)).retried == 2
    clock.advance(days=14)
    report = service.send_due(CallableSender(box))
    assert (report.expired, report.sent) == (2, 0)
    assert [row.status for row in _rows(engine)] == ["expired", "expired"]
    assert box.messages == []


def test_a_dead_senders_claim_is_taken_over_after_the_lease(
    service: SurveyService, engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    _invite(service, 3)
    builder = MessageBuilder(settings, settings.require_secret_key())
    dead = Outbox(service._transaction, settings, service.catalog, builder, clock=clock,
                  lease=timedelta(minutes=10))  # fmt: skip
    _, claimed = dead.claim(clock.now, 2, Queue.INVITATIONS)  # ... and then it died
    assert len(claimed) == 2
    box = Mailbox()
    assert service.send_due(CallableSender(box)).sent == 1  # only the unclaimed one
    clock.advance(minutes=10)
    assert service.send_due(CallableSender(box)).sent == 2
    rows = _rows(engine)
    assert all(row.status == Status.SENT and row.claim_id is None for row in rows)
    assert sorted(row.attempts for row in rows) == [1, 2, 2]


def test_a_claim_leases_the_earliest_due_rows(service: SurveyService, engine: Engine) -> None:
    _invite(service, 3, hours_ago=2)
    _invite(service, 2, hours_ago=3, prefix="E")  # due earlier
    outbox = service._outbox(None, None, None)
    claim_id, rows = outbox.claim(service.clock(), 3, Queue.INVITATIONS)
    assert {r.envelope.ticket_id for r in rows[:2]} == {"E-0", "E-1"}  # due first
    assert len(rows) == 3 and all(r.attempts == 1 for r in rows)
    assert all(r.envelope.expires_at.tzinfo is not None for r in rows)
    held = {row.ticket_id: row for row in _rows(engine) if row.claim_id == claim_id}
    assert set(held) == {r.envelope.ticket_id for r in rows}
    assert all(row.attempts == 1 and row.claimed_until is not None for row in held.values())
    again_id, rest = outbox.claim(service.clock(), 10, Queue.INVITATIONS)
    assert again_id != claim_id and len(rest) == 2  # the leased rows are not due


def test_limit_and_progress(service: SurveyService) -> None:
    _invite(service, 5)
    steps: list[int] = []
    report = service.send_due(CallableSender(Mailbox()), limit=3, progress=steps.append)
    assert report.sent == 3 and steps == [1, 1, 1]
    assert service.count_due() == 2


def test_a_broken_sender_configuration_stops_without_touching_rows(
    service: SurveyService, engine: Engine
) -> None:
    _invite(service, 3)

    def refuse(message: EmailMessage) -> None:
        raise SenderConfigurationError("CSAT_SMTP_USER", "login refused: 535")

    with pytest.raises(SenderConfigurationError, match="535"):
        service.send_due(CallableSender(refuse))
    rows = _rows(engine)
    assert all(r.status == Status.PENDING and r.attempts == 0 for r in rows)
    assert all(r.claim_id is None and r.next_attempt_at is None for r in rows)
    assert service.send_due(CallableSender(Mailbox())).sent == 3


def test_an_email_that_cannot_be_built_stops_the_run_and_loses_nothing(
    service: SurveyService, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each email is built just before it goes out: a failure there ends the
    run with the error; the emails sent before it are marked, every other row
    gets its claim and attempt back."""
    _invite(service, 12)
    prepare = MessageBuilder.prepare
    built: list[OutgoingEmail] = []

    def fail_on_the_eleventh(
        self: MessageBuilder, envelope: Envelope, survey: Survey, now: datetime
    ) -> OutgoingEmail:
        if len(built) == 10:
            raise RuntimeError("template broke")
        built.append(prepare(self, envelope, survey, now))
        return built[-1]

    monkeypatch.setattr(MessageBuilder, "prepare", fail_on_the_eleventh)
    box = Mailbox()
    with pytest.raises(RuntimeError, match="template broke"):
        service.send_due(CallableSender(box))
    assert len(box.messages) == 10
    rows = _rows(engine)
    sent = [r for r in rows if r.status == Status.SENT]
    assert len(sent) == 10 and all(r.attempts == 1 for r in sent)
    rest = [r for r in rows if r.status != Status.SENT]
    assert all(r.status == Status.PENDING and r.attempts == 0 for r in rest) and len(rest) == 2
    assert all(r.claim_id is None for r in rows)
    monkeypatch.setattr(MessageBuilder, "prepare", prepare)
    assert service.send_due(CallableSender(box)).sent == 2


def test_a_deadlock_victim_runs_its_transaction_again(
    service: SurveyService, engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    """MariaDB rolls back one of two senders' transactions that deadlock; the
    outbox runs it again (here every transaction is a victim once, at its end)."""
    _invite(service, 25)
    victims: list[int] = []

    @contextmanager
    def deadlocking() -> Iterator[Session]:
        with service._transaction() as session:
            yield session
            if len(victims) % 2 == 0:  # every other transaction: after its work, before commit
                victims.append(1)
                raise OperationalError("UPDATE csat_invitation ...", {}, Exception("1213 Deadlock"))
        victims.append(0)

    builder = MessageBuilder(settings, settings.require_secret_key())
    outbox = Outbox(deadlocking, settings, service.catalog, builder, clock=clock)
    box = Mailbox()
    report = outbox.send_due(CallableSender(box))
    assert report.sent == 25 and len(box.messages) == 25  # each once
    rows = _rows(engine)
    assert all(row.status == Status.SENT and row.claim_id is None for row in rows)
    assert all(row.attempts == 1 for row in rows)  # the rolled-back claims left no trace
    assert sum(victims) >= 6  # expire, claim, flushes and release were all victims


@pytest.mark.parametrize("offered", [True, False], ids=["smtputf8", "no-smtputf8"])
def test_a_non_ascii_address_is_sent_with_smtputf8_or_fails_with_the_reason(
    service: SurveyService, engine: Engine, offered: bool
) -> None:
    for n, email in enumerate(["jürgen@example.de", "kim@example.com"]):  # due in this order
        service.invite(
            f"T-{n}", email, agent="ana", team="1st Level", channel="phone",
            resolved_at=T0 - timedelta(hours=2 - n / 100),
        )  # fmt: skip
    with smtp_server(smtputf8=offered) as server:
        report = service.send_due(SMTPSender(server.host, server.port, timeout=5))
    rows = {row.email: row for row in _rows(engine)}
    international, ascii_ = rows["jürgen@example.de"], rows["kim@example.com"]
    assert ascii_.status == Status.SENT  # the batch went on, over the same connection
    assert server.handler.connections == 1
    received = {r.rcpt_tos[0]: r for r in server.handler.received}
    assert "SMTPUTF8" not in received["kim@example.com"].mail_options
    if offered:
        assert (report.sent, report.failed) == (2, 0)
        assert international.status == Status.SENT
        arrived = received["jürgen@example.de"]
        assert "SMTPUTF8" in arrived.mail_options
        assert arrived.message["To"] == "jürgen@example.de"
        assert arrived.message["Message-ID"] == international.message_id
    else:
        assert (report.sent, report.failed) == (1, 1)
        assert international.status == Status.FAILED and international.attempts == 1
        reason = f"needs SMTPUTF8, which {server.host}:{server.port} does not offer"
        assert international.last_error == f"address '…@example.de' {reason}"  # masked
        assert list(received) == ["kim@example.com"]


def test_marks_are_written_every_ten_emails_looking_at_the_next_ten(
    service: SurveyService, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After every tenth email the outbox writes the marks so far and looks
    again at the next ten rows (a ticket cancelled meanwhile is not sent)."""
    _invite(service, 25)
    flushes: list[tuple[int, list[str | None]]] = []
    flush = Outbox._flush

    def spy(self: Outbox, claim_id: str, marks: list[Any], upcoming: list[Any],
            reminders: bool) -> Any:  # fmt: skip
        flushes.append((len(marks), [item.envelope.email for item in upcoming]))
        return flush(self, claim_id, marks, upcoming, reminders)

    monkeypatch.setattr(Outbox, "_flush", spy)
    box = Mailbox()
    report = service.send_due(CallableSender(box))
    order = [str(m["To"]) for m in box.messages]
    assert report.sent == len(order) == len(set(order)) == 25
    assert all(row.status == Status.SENT and row.claim_id is None for row in _rows(engine))
    assert flushes == [(10, order[10:20]), (10, order[20:25])]


#: An encoded word that CPython's email package (CVE-2024-6923, 3.11.7 among
#: the affected builds) decodes when it is set as the Subject, CR LF included.
INJECTION = "=?utf-8?q?x=0D=0AReply-To:_evil@attacker.example?="
#: An encoded word that decodes to a lone surrogate (17 printable characters).
SURROGATE = "=?utf-16?b?7aCA?="
#: The headers of an invitation email (no Reply-To configured), each once.
CSAT_HEADERS = [
    "Subject", "From", "To", "Date", "Message-ID", "Auto-Submitted",
    "X-Auto-Response-Suppress", "List-Unsubscribe", "List-Unsubscribe-Post", "MIME-Version",
    "Content-Type", "Content-Language",
]  # fmt: skip


def _header_lines(data: bytes) -> list[str]:
    """The header section's lines as they went over the wire."""
    head = data.split(b"\r\n\r\n", 1)[0].decode("utf-8")
    return head.split("\r\n")


def test_an_encoded_word_in_a_ticket_id_adds_no_header_over_smtp(
    service: SurveyService, engine: Engine
) -> None:
    """The exact payload through ``invite`` and ``send_due`` to a real SMTP
    server: the message holds exactly csat's headers, once each, and the ticket
    id is shown as written (its ``=?`` broken by a zero-width space)."""
    result = service.invite(
        INJECTION, "kim@example.com", agent="ana", team="1st Level", channel="phone",
        resolved_at=T0 - timedelta(hours=2),
    )  # fmt: skip
    assert result.ticket_id == INJECTION
    with smtp_server() as server:
        report = service.send_due(SMTPSender(server.host, server.port, timeout=5))
    assert (report.sent, report.failed) == (1, 0)
    [received] = server.handler.received
    names = [line.split(":", 1)[0] for line in _header_lines(received.data) if line[:1] != " "]
    assert names == list(received.message.keys())
    assert sorted(names) == sorted(CSAT_HEADERS)
    parsed = BytesParser(policy=policy.default).parsebytes(received.data)
    assert parsed.get_all("Reply-To") is None and not parsed.defects
    subject = str(parsed["Subject"])
    assert "\r" not in subject and "\n" not in subject
    assert ENCODED_WORD_BREAK in subject
    assert subject.replace(ENCODED_WORD_BREAK, "") == f"How did we do? Your ticket {INJECTION}"
    plain = parsed.get_body(("plain",))
    assert (
        plain is not None and f"Your ticket {INJECTION} has been resolved." in plain.get_content()
    )
    assert _rows(engine)[0].status == Status.SENT


def _insert_raw(engine: Engine, like: Invitation, **changes: object) -> int:
    """A copy of the row ``like`` written straight into the table, bypassing
    ``invite``'s validation (as rows of older versions could be)."""
    nonce = new_nonce()
    values = {c.key: getattr(like, c.key) for c in Invitation.__table__.columns if c.key != "id"}
    token = derive_token(SECRET.encode(), nonce)
    values |= {"nonce": nonce, "token_hash": token_hash(token)} | changes
    with Session(engine) as session, session.begin():
        row = Invitation(**values)
        session.add(row)
        session.flush()
        return row.id


def test_an_email_that_cannot_be_built_fails_its_invitation_and_the_run_goes_on(
    service: SurveyService, engine: Engine
) -> None:
    """Rows holding what no email may hold fail with the reason (naming the
    value, never quoting an address); the encoded-word ticket id that used to
    raise inside the batch is sent, neutralised; all 150 good rows go out."""
    _invite(service, 150)
    like = _rows(engine)[0]
    early = like.due_at - timedelta(minutes=5)  # claimed first: the run must go on after them
    poisoned = _insert_raw(engine, like, ticket_id=SURROGATE, due_at=early, email="p@example.com")
    broken = {
        _insert_raw(engine, like, ticket_id="B-1\r\nBcc: evil@attacker.example", due_at=early):
            "cannot build the email: ticket_id: contains control characters (CR, LF, ...)",
        _insert_raw(engine, like, ticket_id="B-2", due_at=early,
                    email="kim@example.com, evil@attacker.example"):
            "cannot build the email: email: not a single plain address",
        _insert_raw(engine, like, ticket_id="B-3", due_at=early,
                    email="=?utf-8?q?x=0D=0ABcc=3A_e=40attacker.example?=@example.com"):
            "cannot build the email: email: not a single plain address",
        _insert_raw(engine, like, ticket_id="B-4", due_at=early,
                    base_url="https://example.com/?=?utf-8?q?=0D=0AX:_y?="):
            "cannot build the email: base_url: not a plain http(s) URL",
    }  # fmt: skip
    box = Mailbox()
    report = service.send_due(CallableSender(box))
    assert (report.sent, report.failed, report.retried) == (151, 4, 0)
    assert sorted(report.failures) == sorted(broken.items())
    rows = {row.id: row for row in _rows(engine)}
    for invitation_id, reason in broken.items():
        row = rows.pop(invitation_id)
        assert (row.status, row.last_error, row.claim_id) == (Status.FAILED, reason, None)
        assert "@" not in reason
    assert all(row.status == Status.SENT for row in rows.values())
    [email] = box.to("p@example.com")
    assert rows[poisoned].message_id == email["Message-ID"]
    assert str(email["Subject"]).replace(ENCODED_WORD_BREAK, "").endswith(SURROGATE)
    assert service.send_due(CallableSender(box)).failed == 0  # failed rows are not tried again
