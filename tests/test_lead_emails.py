"""The emails to team leads through a real SMTP server (aiosmtpd), on every database.

A new case sends each unique lead one email, with the customer's comment in
the body and never in the subject, and never the customer's address; retries
keep the Message-ID stored with the first claim; a sender killed between
sending and marking loses none and resends only the one in flight, with the
same Message-ID; the digest of overdue cases goes out once per lead and day.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from csat import FixedClock, Settings, SurveyService
from csat.delivery import SMTPSender
from csat.delivery import leads as lead_module
from csat.errors import ConfigurationError
from csat.follow_ups.digest import day_bounds
from csat.storage.models import LeadEmail
from tests.conftest import SECRET, run_concurrently
from tests.smtp_server import ScriptedHandler, smtp_server

LEADS = {"1st Level": ["lead@example.com", "LEAD@example.com", "deputy@example.com"],
         "2nd Level": ["second@example.com"], "*": ["head@example.com"]}  # fmt: skip
COMMENT = "Nobody listened.\n<script>alert(1)</script> & they hung up"


@pytest.fixture
def leads(engine: Engine, settings: Settings, clock: FixedClock) -> SurveyService:
    """A service whose teams have leads, showing times in Berlin."""
    configured = settings.replace(team_leads=LEADS, timezone="Europe/Berlin")
    return SurveyService(engine, settings=configured, clock=clock)


def _open_case(
    service: SurveyService, ticket: str = "T-1", team: str = "1st Level", **answers: object
) -> int:
    """Invite a customer and store answers that need a call back; the case's id.

    The invitation is answered before its email went out, so only lead emails are due.
    """
    invited = service.invite(
        ticket, f"{ticket.lower()}@customer.example", agent="ana", team=team, channel="phone",
        resolved_at=service.clock() - timedelta(hours=2), locale="de",
    )  # fmt: skip
    assert invited.token is not None
    result = service.record(invited.token, {"understood": 2, "comment": COMMENT} | answers)
    assert result.case is not None and result.case.opened
    return result.case.case_id


def _rows(engine: Engine) -> list[LeadEmail]:
    with Session(engine) as session:
        return list(session.scalars(select(LeadEmail).order_by(LeadEmail.id)))


def _parts(message: EmailMessage) -> tuple[str, str]:
    plain, html = (message.get_body((kind,)) for kind in ("plain", "html"))
    assert isinstance(plain, EmailMessage) and isinstance(html, EmailMessage)
    return tuple(part.get_content().replace("\r\n", "\n") for part in (plain, html))


def _sender(port: int) -> SMTPSender:
    return SMTPSender("127.0.0.1", port, timeout=5)


def test_a_new_case_emails_each_lead_once_with_the_comment_in_the_body_only(
    leads: SurveyService, engine: Engine
) -> None:
    case_id = _open_case(leads)
    assert leads.count_due() == 2
    with smtp_server() as server:
        report = leads.send_due(_sender(server.port))
        assert (report.leads, report.sent, report.failed) == (2, 0, 0)
        assert str(report).endswith(", lead emails 2")
        assert leads.send_due(_sender(server.port)).leads == 0  # nothing twice
    received = server.handler.received
    assert sorted(r.rcpt_tos[0] for r in received) == ["deputy@example.com", "lead@example.com"]
    rows = _rows(engine)
    assert all(row.status == "sent" and row.claim_id is None for row in rows)
    assert {r.message_id for r in received} == {row.message_id for row in rows}
    for item in received:
        message = item.message
        assert message["Subject"] == "Call back needed: ticket T-1 (1st Level)"
        assert message["Content-Language"] == "en"
        assert message["Auto-Submitted"] == "auto-generated"
        plain, html = _parts(message)
        assert "> Nobody listened.\n> <script>alert(1)</script> & they hung up" in plain
        assert "Nobody listened.\n&lt;script&gt;alert(1)&lt;/script&gt; &amp; they hung up" in html
        assert "<script>" not in html
        assert "Did not feel understood" in plain and "Understood:  2 of 5" in plain
        # Due 24 hours after 09:00 UTC, shown in CSAT_TIMEZONE (CEST, +02:00).
        assert "Due:         October 6, 2026, 11:00\u202fAM (Europe/Berlin)" in plain
        assert f"csat follow-ups close {case_id} --outcome resolved" in plain
        # Never the customer's address, anywhere in the email.
        assert b"customer.example" not in item.data
        assert b"Nobody" not in item.data.split(b"\r\n\r\n", 1)[0]  # not in a header


def test_the_lead_emails_locale_and_the_console_link(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    console = "https://help.example.com/csat"
    service = SurveyService(
        engine, clock=clock,
        settings=settings.replace(team_leads=LEADS, default_locale="de", console_url=console,
                                  timezone="Europe/Berlin"),
    )  # fmt: skip
    case_id = _open_case(service, team="2nd Level")
    with Session(engine) as session, session.begin():  # another row in English
        session.add(LeadEmail(kind="case", follow_up_id=case_id, recipient="en@example.com",
                              locale="en", created_at=clock(), due_at=clock(),
                              status="pending", attempts=0))  # fmt: skip
    with smtp_server() as server:
        assert service.send_due(_sender(server.port)).leads == 2
    by_recipient = {r.rcpt_tos[0]: r.message for r in server.handler.received}
    german, english = by_recipient["second@example.com"], by_recipient["en@example.com"]
    assert german["Subject"] == "Rückruf nötig: Ticket T-1 (2nd Level)"
    assert german["Content-Language"] == "de" and english["Content-Language"] == "en"
    plain, html = _parts(german)
    assert "Grund:       Fühlte sich nicht verstanden" in plain
    assert "Fällig:      6. Oktober 2026, 11:00 (Europe/Berlin)" in plain
    assert "Sprache:     Deutsch" in plain
    link = f"{console}/follow-ups/{case_id}"
    assert f"Zum Fall: {link}" in plain and f'href="{link}"' in html
    assert "csat follow-ups" not in plain
    assert f"Open the case: {link}" in _parts(english)[0]


def test_an_unfit_console_url_stops_before_sending(
    engine: Engine, settings: Settings, clock: FixedClock
) -> None:
    bad = settings.replace(team_leads=LEADS, console_url="https://help.example.com/csat?x=1")
    service = SurveyService(engine, settings=bad, clock=clock)
    _open_case(service)
    with smtp_server() as server, pytest.raises(ConfigurationError, match="CSAT_CONSOLE_URL"):
        service.send_due(_sender(server.port))
    assert server.handler.received == []
    assert all(row.status == "pending" and row.attempts == 0 for row in _rows(engine))


def test_forget_erases_the_comment_from_the_email_still_to_go(
    leads: SurveyService, engine: Engine
) -> None:
    _open_case(leads)
    leads.forget("t-1@customer.example")
    with smtp_server() as server:
        assert leads.send_due(_sender(server.port)).leads == 2
    for item in server.handler.received:
        plain, _ = _parts(item.message)
        assert "Nobody" not in plain and "The customer left no comment." in plain


def test_a_transient_failure_is_retried_with_the_same_message_id_and_a_5xx_fails(
    leads: SurveyService, engine: Engine, clock: FixedClock
) -> None:
    _open_case(leads)
    _open_case(leads, "T-2", "2nd Level")
    handler = ScriptedHandler(faults={"lead@example.com": ["rcpt:451"],
                                      "second@example.com": ["rcpt:550"]})  # fmt: skip
    with smtp_server(handler) as server:
        first = leads.send_due(_sender(server.port), rng=random.Random(7))
        assert (first.leads, first.retried, first.failed) == (1, 1, 1)
        assert [reason for _, reason in first.lead_failures] == ["RCPT: 550 5.1.1 no such user"]
        waiting = {row.recipient: row for row in _rows(engine)}["lead@example.com"]
        assert waiting.status == "pending" and waiting.message_id is not None
        assert waiting.last_error == "RCPT: 451 4.3.0 try again later"
        assert waiting.next_attempt_at is not None and waiting.next_attempt_at > clock()
        status = leads.outbox_status()
        assert status.lead_counts == {"pending": 1, "sent": 1, "failed": 1}
        assert status.waiting_retry == 1 and status.leads_due == 0
        assert leads.send_due(_sender(server.port)).leads == 0  # still backing off
        clock.now = waiting.next_attempt_at
        again = leads.send_due(_sender(server.port))
        assert (again.leads, again.retried, again.failed) == (1, 0, 0)
        arrived = [r for r in server.handler.received if r.rcpt_tos == ["lead@example.com"]]
    assert [r.message_id for r in arrived] == [waiting.message_id]
    rows = {row.recipient: row for row in _rows(engine)}
    assert rows["lead@example.com"].status == "sent"
    assert rows["lead@example.com"].attempts == 2
    assert rows["second@example.com"].status == "failed"
    assert rows["second@example.com"].last_error == "RCPT: 550 5.1.1 no such user"


_KILLED_SENDER = """
import os, signal, sys
from datetime import datetime
from csat import Settings, SurveyService
from csat.delivery import SMTPSender
from csat.delivery import leads as lead_module

url, port, kill_at, now = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

class DiesAfterSending(SMTPSender):
    sent = 0

    def send(self, email):
        super().send(email)            # the server has the lead email ...
        DiesAfterSending.sent += 1
        if DiesAfterSending.sent == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)   # ... but it is never marked sent

service = SurveyService(url, settings=Settings(secret_key=sys.argv[5]))
service.send_due(DiesAfterSending("127.0.0.1", port, timeout=5), now=datetime.fromisoformat(now))
raise SystemExit("not killed")
"""


def test_a_sender_killed_between_sending_and_marking_loses_none_and_resends_one(
    leads: SurveyService, engine: Engine, database_url: str, clock: FixedClock, tmp_path: Path
) -> None:
    for n in range(12):
        _open_case(leads, f"T-{n}", "2nd Level")  # one lead: twelve emails to one address
    script = tmp_path / "killed_sender.py"
    script.write_text(textwrap.dedent(_KILLED_SENDER))
    with smtp_server() as server:
        done = subprocess.run(
            [sys.executable, str(script), database_url, str(server.port), "5",
             clock.now.isoformat(), SECRET],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == -signal.SIGKILL, done.stderr
        rows = _rows(engine)
        # Each lead email is marked as it goes out: the fifth alone is in flight.
        assert [row.status for row in rows].count("sent") == 4
        assert len(server.handler.received) == 5
        in_flight = server.handler.received[4].message_id
        [unmarked] = [row for row in rows if row.message_id == in_flight]
        assert unmarked.status == "pending" and unmarked.claim_id is not None
        assert all(row.message_id is not None for row in rows)  # stored with the claim

        assert leads.send_due(_sender(server.port)).leads == 0  # the lease still holds
        clock.advance(minutes=10)
        assert leads.send_due(_sender(server.port)).leads == 8
        arrived = server.handler.message_ids()
    rows = _rows(engine)
    assert all(row.status == "sent" and row.claim_id is None for row in rows)  # none lost
    assert set(arrived) == {row.message_id for row in rows}
    assert arrived[in_flight] == 2  # the one in flight again, with the same Message-ID
    assert all(count == 1 for mid, count in arrived.items() if mid != in_flight)


# -- the digest -------------------------------------------------------------------------


def _digests(engine: Engine) -> list[LeadEmail]:
    return [row for row in _rows(engine) if row.kind == "digest"]


def test_one_digest_per_lead_and_day_in_the_configured_time_zone(
    leads: SurveyService, engine: Engine, clock: FixedClock
) -> None:
    first, second = _open_case(leads, "T-1"), _open_case(leads, "T-2")
    other = _open_case(leads, "T-3", "2nd Level")
    closed = _open_case(leads, "T-4")
    leads.close_follow_up(closed, "lea", "resolved")
    with smtp_server() as server:
        leads.send_due(_sender(server.port))  # the case emails
    assert leads.remind_follow_ups().overdue == 0  # nothing is due yet: 09:00 UTC
    assert _digests(engine) == []

    # 21:30 UTC is 23:30 in Berlin (CEST): the 6th there too.
    clock.now = datetime(2026, 10, 6, 21, 30, tzinfo=UTC)
    leads.claim_follow_up(second, "lea")
    reminded = leads.remind_follow_ups()
    assert reminded.queued == (("lead@example.com", 2), ("deputy@example.com", 2),
                               ("second@example.com", 1))  # fmt: skip
    assert (reminded.overdue, reminded.already, reminded.unassigned) == (3, (), 0)
    again = leads.remind_follow_ups(now=clock.advance(minutes=20))
    assert again.queued == () and len(again.already) == 3
    assert [(d.recipient, d.follow_up_ids) for d in _digests(engine)] == [
        ("lead@example.com", [first, second]),
        ("deputy@example.com", [first, second]),
        ("second@example.com", [other]),
    ]
    # 22:30 UTC is 00:30 on the 7th in Berlin: a new day there, not yet in UTC.
    clock.now = datetime(2026, 10, 6, 22, 30, tzinfo=UTC)
    leads.close_follow_up(other, "sam", "not_reachable")
    next_day = leads.remind_follow_ups()
    assert [address for address, _ in next_day.queued] == ["lead@example.com",
                                                          "deputy@example.com"]  # fmt: skip
    assert len(_digests(engine)) == 5

    with smtp_server() as server:
        report = leads.send_due(_sender(server.port))
        assert report.leads == 5
    digests = [r for r in server.handler.received if "overdue" in str(r.message["Subject"])]
    assert len(digests) == 5
    lead = next(r for r in digests if r.rcpt_tos == ["lead@example.com"])
    assert lead.message["Subject"] == "2 overdue follow-up cases"
    plain, _ = _parts(lead.message)
    assert "Ticket T-1 · 1st Level · ana" in plain and "Ticket T-2" in plain
    assert "Claimed by lea" in plain and "Ticket T-4" not in plain
    assert "Nobody" not in plain and b"customer.example" not in lead.data
    assert all(row.status == "sent" for row in _rows(engine))


def test_digests_for_teams_without_leads_and_racing_runs(
    engine: Engine, settings: Settings, clock: FixedClock, db_kind: str
) -> None:
    service = SurveyService(
        engine, clock=clock, settings=settings.replace(team_leads={"1st Level": ["a@example.com"]})
    )
    _open_case(service, "T-1")
    _open_case(service, "T-2", "Field Service")  # no lead, no catch-all
    clock.advance(hours=25)
    results = run_concurrently(lambda _: service.remind_follow_ups(), 4)
    assert sorted(len(r.queued) for r in results) == [0, 0, 0, 1]
    assert all(r.overdue == 2 and r.unassigned == 1 for r in results)
    assert [(d.recipient, len(d.follow_up_ids or [])) for d in _digests(engine)] == [
        ("a@example.com", 1)
    ]


@pytest.mark.parametrize(
    ("zone", "moment", "start", "end"),
    [
        ("UTC", datetime(2026, 3, 29, 12, 0, tzinfo=UTC),
         datetime(2026, 3, 29, 0, 0, tzinfo=UTC), datetime(2026, 3, 30, 0, 0, tzinfo=UTC)),
        # The day clocks go forward in Berlin is 23 hours long.
        ("Europe/Berlin", datetime(2026, 3, 29, 12, 0, tzinfo=UTC),
         datetime(2026, 3, 28, 23, 0, tzinfo=UTC), datetime(2026, 3, 29, 22, 0, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_day_bounds(zone: str, moment: datetime, start: datetime, end: datetime) -> None:
    from zoneinfo import ZoneInfo

    assert day_bounds(moment, ZoneInfo(zone)) == (start, end)


def test_a_digest_whose_cases_are_gone_fails_with_the_reason(
    leads: SurveyService, engine: Engine, clock: FixedClock
) -> None:
    _open_case(leads)
    with Session(engine) as session, session.begin():
        session.execute(update(LeadEmail).values(status="sent"))
        session.add(LeadEmail(kind="digest", follow_up_ids=[999_999, "x"],
                              recipient="a@example.com", locale="en", created_at=clock(),
                              due_at=clock(), status="pending", attempts=0))  # fmt: skip
    with smtp_server() as server:
        report = leads.send_due(_sender(server.port))
    assert server.handler.received == []
    assert [reason for _, reason in report.lead_failures] == [
        "cannot build the email: follow_up_id: its cases no longer exist"
    ]


def test_a_long_digest_shows_the_earliest_and_says_how_many_more(
    leads: SurveyService, engine: Engine, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lead_module, "DIGEST_SHOWN", 2)
    for n in range(3):
        _open_case(leads, f"T-{n}", "2nd Level")
        clock.advance(minutes=1)
    with Session(engine) as session, session.begin():
        session.execute(update(LeadEmail).values(status="sent"))
    clock.advance(hours=25)
    assert leads.remind_follow_ups().queued == (("second@example.com", 3),)
    with smtp_server() as server:
        assert leads.send_due(_sender(server.port)).leads == 1
    [digest] = server.handler.received
    assert digest.message["Subject"] == "3 overdue follow-up cases"
    plain, html = _parts(digest.message)
    assert "Ticket T-0" in plain and "Ticket T-1" in plain and "Ticket T-2" not in plain
    assert "…and 1 more: see them all with `csat follow-ups list --overdue`." in plain
    assert "…and 1 more" in html
