"""The outbox under faults: a misbehaving SMTP server, a killed sender, two senders.

After every run the invariants hold: no invitation is lost (each ends sent,
failed with its reason, cancelled or expired) and none arrives twice, except
the one in flight when a sender was killed, and then with the same Message-ID.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bench.smtp_sink import arrived as logged_message_ids
from bench.smtp_sink import running_sink as smtp_server_process
from csat import FixedClock, InviteRequest, Status, SurveyService
from csat.delivery import SendReport, SMTPSender
from csat.storage.models import Invitation
from tests.conftest import SECRET, T0
from tests.smtp_server import ScriptedHandler, Server, smtp_server

FINAL = {Status.SENT, Status.FAILED, Status.CANCELLED, Status.EXPIRED}


def _invite(service: SurveyService, count: int) -> None:
    requests = [
        InviteRequest(
            ticket_id=f"T-{n}", email=f"c{n}@example.com", agent="ana", team="1st Level",
            channel="ticket", resolved_at=T0 - timedelta(hours=2),
        )
        for n in range(count)
    ]  # fmt: skip
    for start in range(0, count, 1000):
        service.invite_many(requests[start : start + 1000])


def _rows(engine: Engine) -> dict[str, Invitation]:
    with Session(engine) as session:
        rows = session.scalars(select(Invitation).order_by(Invitation.id))
        return {row.email or row.ticket_id: row for row in rows}


def assert_invariants(
    engine: Engine, server: Server, *, in_flight: frozenset[str] = frozenset()
) -> dict[str, Invitation]:
    """No invitation lost; each arrived at most once (in-flight ones: same Message-ID twice)."""
    rows = _rows(engine)
    arrived = server.handler.message_ids()
    for address, row in rows.items():
        assert row.status in FINAL, (address, row.status)
        assert row.claim_id is None, address
        if row.status == Status.FAILED:
            assert row.last_error, address
        if row.status == Status.SENT:
            assert row.message_id is not None
            expected = 2 if address in in_flight else 1
            assert arrived[row.message_id] == expected, (address, arrived[row.message_id])
        else:
            assert row.message_id is None or arrived[row.message_id] == 0, address
    invitation_ids = {row.message_id for row in rows.values() if row.message_id}
    reminders = [mid for mid in arrived if mid not in invitation_ids]
    assert all(arrived[mid] == 1 for mid in reminders)  # at most one reminder each
    return rows


def test_faults_end_in_a_final_state_and_nothing_arrives_twice(
    service: SurveyService, engine: Engine, clock: FixedClock
) -> None:
    _invite(service, 20)
    service.cancel("T-8")
    script = {
        "c0": ["rcpt:550"], "c1": ["data:554"], "c2": ["rcpt:451", "rcpt:451"],
        "c3": ["data:421"], "c4": ["data:451"] * 3, "c5": ["drop"], "c6": ["stall"],
        "c7": ["rcpt:451"] * 1000, "c9": ["drop", "data:421", "drop"], "c10": ["rcpt:421"],
    }  # fmt: skip
    handler = ScriptedHandler(stall_seconds=1.0)
    handler.faults = {f"{k}@example.com": list(v) for k, v in script.items()}
    totals = SendReport()
    rng = random.Random(2026)
    with smtp_server(handler) as server:
        for _ in range(24 * 8):  # eight days, hourly: past the give-up time and reminders
            report = service.send_due(SMTPSender(server.host, server.port, timeout=0.5), rng=rng)
            for name in ("sent", "retried", "failed", "reminded", "expired"):
                setattr(totals, name, getattr(totals, name) + getattr(report, name))
            clock.advance(hours=1)
        rows = assert_invariants(engine, server)

    status = {address.split("@")[0]: row.status for address, row in rows.items()}
    assert status == {f"c{n}": "sent" for n in range(20)} | {
        "c0": "failed",
        "c1": "failed",
        "c7": "failed",
        "c8": "cancelled",
    }
    assert rows["c0@example.com"].last_error == "RCPT: 550 5.1.1 no such user"
    assert rows["c0@example.com"].attempts == 1
    assert rows["c1@example.com"].last_error == "DATA: 554 5.7.1 rejected"
    assert rows["c7@example.com"].last_error == "RCPT: 451 4.3.0 try again later"
    assert rows["c9@example.com"].attempts == 5  # 3 failures, the invitation, its reminder
    # every scripted fault really happened, except c7's endless 451s
    injected = Counter(address for address, _ in handler.injected)
    for name, faults in script.items():
        if name != "c7":
            assert injected[f"{name}@example.com"] == len(faults), name
    assert (totals.sent, totals.failed, totals.reminded) == (16, 3, 16)
    transient = sum(len(v) for k, v in script.items() if k not in ("c0", "c1", "c7"))
    c7 = injected["c7@example.com"]  # every attempt but the last was retried
    assert totals.retried == transient + c7 - 1
    assert rows["c7@example.com"].attempts == c7 > 10


def test_a_closed_port_retries_until_the_invitation_fails(
    service: SurveyService, engine: Engine, clock: FixedClock
) -> None:
    _invite(service, 2)
    with smtp_server() as server:
        port = server.port
    closed = SMTPSender("127.0.0.1", port, timeout=1)  # the server is gone
    for _ in range(80):
        report = service.send_due(closed, rng=random.Random(1))
        assert report.sent == 0  # one connect attempt per run, every row backs off
        clock.advance(hours=1)
    rows = _rows(engine)
    assert all(row.status == Status.FAILED for row in rows.values())
    assert all(
        (row.last_error or "").startswith("connection refused: 127.0.0.1:") for row in rows.values()
    )


_KILLED_SENDER = """
import os, signal, sys
from datetime import datetime
from csat import Settings, SurveyService
from csat.delivery import SMTPSender

url, port, kill_after, now = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

class DiesAfterSending(SMTPSender):
    sent = 0

    def send(self, email):
        super().send(email)            # the server has the message ...
        DiesAfterSending.sent += 1
        if DiesAfterSending.sent == kill_after:
            os.kill(os.getpid(), signal.SIGKILL)   # ... but it is never marked sent

service = SurveyService(url, settings=Settings(secret_key=sys.argv[5]))
service.send_due(DiesAfterSending("127.0.0.1", port, timeout=5),
                 now=datetime.fromisoformat(now))
raise SystemExit("not killed")
"""


def _run_until_killed(
    source: str, tmp_path: Path, database_url: str, server: Server, kill_at: int, clock: FixedClock
) -> None:
    """Run the sender script ``source`` (arguments: database, SMTP port,
    ``kill_at``, now, secret key) in its own process; it must die by SIGKILL."""
    script = tmp_path / "killed_sender.py"
    script.write_text(textwrap.dedent(source))
    done = subprocess.run(
        [sys.executable, str(script), database_url, str(server.port), str(kill_at),
         clock.now.isoformat(), SECRET],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == -signal.SIGKILL, done.stderr


def test_a_sender_killed_between_sending_and_marking(
    service: SurveyService, engine: Engine, database_url: str, clock: FixedClock, tmp_path: Path
) -> None:
    _invite(service, 10)
    with smtp_server() as server:
        _run_until_killed(_KILLED_SENDER, tmp_path, database_url, server, 4, clock)
        rows = _rows(engine)  # marks are written every 10 messages: none yet
        # The four that went out (rows due at the same time are claimed in any order).
        in_flight = frozenset(r.rcpt_tos[0] for r in server.handler.received)
        assert len(in_flight) == 4
        assert all(rows[address].status == Status.PENDING for address in in_flight)
        assert all(row.claim_id is not None for row in rows.values())

        sender = SMTPSender(server.host, server.port, timeout=5)
        assert service.send_due(sender).sent == 0  # the lease still holds
        clock.advance(minutes=10)
        assert service.send_due(sender).sent == 10  # taken over after the lease
        rows = assert_invariants(engine, server, in_flight=in_flight)
    assert all(rows[address].attempts == 2 for address in in_flight)
    assert len(server.handler.received) == 14  # ten invitations, four of them twice


_KILLED_AFTER_SENDING = """
import os, signal, sys
from datetime import datetime
from csat import Settings, SurveyService
from csat.delivery import SMTPSender

url, port, kill_at, now = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

class DiesAfterSending(SMTPSender):
    sent = 0

    def send(self, email):
        super().send(email)
        DiesAfterSending.sent += 1
        if DiesAfterSending.sent == kill_at:   # it went out; its group is not marked yet
            os.kill(os.getpid(), signal.SIGKILL)

service = SurveyService(url, settings=Settings(secret_key=sys.argv[5]))
service.send_due(DiesAfterSending("127.0.0.1", port, timeout=5), now=datetime.fromisoformat(now))
raise SystemExit("not killed")
"""


def test_a_sender_killed_with_a_full_group_unmarked_leaves_at_most_ten_in_flight(
    service: SurveyService, engine: Engine, database_url: str, clock: FixedClock, tmp_path: Path
) -> None:
    """Killed once the 20th email went out, before its group was marked: the
    first group's marks are written, the second group's ten rows (``mark_every``,
    the documented bound) are sent but not marked."""
    _invite(service, 25)
    with smtp_server() as server:
        _run_until_killed(_KILLED_AFTER_SENDING, tmp_path, database_url, server, 20, clock)
        rows = _rows(engine)
        received = [r.rcpt_tos[0] for r in server.handler.received]
        in_flight = frozenset(a for a in received if rows[a].status == Status.PENDING)
        assert len(received) == 20 and len(in_flight) == 10
        assert all(rows[a].status == Status.SENT for a in received if a not in in_flight)

        clock.advance(minutes=10)  # after the lease, the rows in flight go out again
        assert service.send_due(SMTPSender(server.host, server.port, timeout=5)).sent == 15
        rows = assert_invariants(engine, server, in_flight=in_flight)
    assert all(rows[address].attempts == 2 for address in in_flight)


_DRAINING_SENDER = """
import json, sys
from datetime import datetime
from csat import Settings, SurveyService
from csat.delivery import SMTPSender

url, port, now = sys.argv[1], int(sys.argv[2]), datetime.fromisoformat(sys.argv[3])
service = SurveyService(url, settings=Settings(secret_key=sys.argv[4]))
sender = SMTPSender("127.0.0.1", port, timeout=10)
sent = retried = 0
while True:
    report = service.send_due(sender, now=now)
    sent, retried = sent + report.sent, retried + report.retried
    if report.sent == 0 and service.count_due(now=now) == 0:
        break
print(json.dumps({"sent": sent, "retried": retried}))
"""


def test_two_senders_drain_5000_invitations_without_duplicates(
    service: SurveyService, engine: Engine, database_url: str, clock: FixedClock, tmp_path: Path
) -> None:
    """Two sender processes, one server process: every invitation once, none twice."""
    # SQLite runs one writer at a time (its busy handler sleeps while the other
    # holds the lock): 1,000 show the same there in a fraction of the time.
    total = 1000 if engine.dialect.name == "sqlite" else 5000
    _invite(service, total)
    script = tmp_path / "drain.py"
    script.write_text(_DRAINING_SENDER)
    log = tmp_path / "received.log"
    with smtp_server_process(log) as port:
        args = [sys.executable, str(script), database_url, str(port), clock.now.isoformat(), SECRET]
        senders = [subprocess.Popen(args, stdout=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [sender.communicate(timeout=600)[0] for sender in senders]
    assert [sender.returncode for sender in senders] == [0, 0]
    reports = [json.loads(output) for output in outputs]
    arrived = logged_message_ids(log)
    rows = _rows(engine)
    assert all(row.status == Status.SENT and row.claim_id is None for row in rows.values())
    assert {row.message_id for row in rows.values()} == set(arrived)
    assert len(arrived) == total and max(arrived.values()) == 1  # zero duplicates
    assert sum(r["sent"] for r in reports) == total
    assert all(r["sent"] > 0 and r["retried"] == 0 for r in reports), reports
