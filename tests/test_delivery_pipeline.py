"""PostgreSQL pipelines: the outbox's marks in one round trip, on their own connection."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from email.message import EmailMessage
from functools import partial
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from csat import InviteRequest, Status, SurveyService, invite_batch
from csat.compiled import CompiledStatement
from csat.db import create_csat_engine
from csat.delivery import CallableSender, Sender, SMTPSender
from csat.delivery.pipeline import (
    Pipeline,
    _bulk_marks,
    bulk_mark_statement,
    supported,
)
from csat.errors import DatabaseError
from csat.migrate import upgrade
from csat.models import Invitation
from tests.conftest import SECRET, T0
from tests.smtp_server import smtp_server

#: Makes the first UPDATE of every other transaction fail as a deadlock victim
#: (SQLSTATE 40P01), as PostgreSQL does to one of two senders locking rows in
#: opposite orders. The sequence is not transactional: a retry draws again.
_VICTIMS = (
    "CREATE SEQUENCE csat_test_victims",
    """CREATE FUNCTION csat_test_victim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('csat_test.decided', true), '') <> 'yes' THEN
    PERFORM set_config('csat_test.decided', 'yes', true);
    IF mod(nextval('csat_test_victims'), 2) = 1 THEN
      RAISE EXCEPTION 'injected deadlock' USING ERRCODE = '40P01';
    END IF;
  END IF;
  RETURN NULL;
END $$""",
    """CREATE TRIGGER csat_test_victim BEFORE UPDATE ON csat_invitation
  FOR EACH STATEMENT EXECUTE FUNCTION csat_test_victim()""",
)
_NO_VICTIMS = (
    "DROP TRIGGER IF EXISTS csat_test_victim ON csat_invitation",
    "DROP FUNCTION IF EXISTS csat_test_victim()",
    "DROP SEQUENCE IF EXISTS csat_test_victims",
)


def _invite(service: SurveyService, count: int, start: int = 0) -> None:
    service.invite_many(
        [
            InviteRequest(
                ticket_id=f"T-{n}", email=f"t{n}@example.com", agent="ana", team="1st Level",
                channel="phone", resolved_at=T0 - timedelta(hours=2 - n / 1000),
            )
            for n in range(start, start + count)
        ]
    )  # fmt: skip


def _rows(engine: Engine) -> list[Invitation]:
    with Session(engine) as session:
        return list(session.scalars(select(Invitation).order_by(Invitation.id)))


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL run through ``engine`` meanwhile, and straight on its driver's
    cursors (:class:`~csat.compiled.CompiledStatement`), in order."""
    seen: list[str] = []

    def log(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    params = CompiledStatement.params

    def logged(self: CompiledStatement, values: Any) -> Any:
        seen.append(self.sql)
        return params(self, values)

    event.listen(engine, "before_cursor_execute", log)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CompiledStatement, "params", logged)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", log)


def test_marks_take_the_pipeline_on_postgresql_only(
    service: SurveyService, engine: Engine, db_kind: str
) -> None:
    assert supported(engine.dialect) == (db_kind == "postgresql")
    _invite(service, 25)
    sent: list[str] = []
    with _statements(engine) as seen:
        report = service.send_due(CallableSender(lambda m: sent.append(str(m["To"]))))
    assert report.sent == 25 and sorted(sent) == sorted(f"t{n}@example.com" for n in range(25))
    rows = _rows(engine)
    assert all(r.status == Status.SENT and r.claim_id is None and r.attempts == 1 for r in rows)
    marks = [s for s in seen if "UPDATE csat_invitation SET" in s and "sent_at" in s]
    # PostgreSQL: a flush is one statement, its marks one UPDATE over unnest in a
    # WITH; elsewhere one UPDATE per row (executemany on the driver's cursor).
    # PostgreSQL: flushes after 10 and 20 emails and the batch's end; elsewhere a row each
    assert len(marks) == (3 if db_kind == "postgresql" else 25)
    if db_kind == "postgresql":
        assert all(s.startswith("WITH") and "unnest" in s for s in marks[:-1])
    else:
        assert not any("unnest" in s or s.startswith("WITH") for s in marks)
    # PostgreSQL and SQLite claim in one UPDATE … RETURNING; MariaDB, which cannot
    # return an UPDATE's rows, SELECTs them FOR UPDATE SKIP LOCKED, then UPDATEs.
    claims = [s for s in seen if "csat_due" in s]
    mariadb = db_kind in ("mariadb", "mysql")
    assert len(claims) == (0 if mariadb else 3)  # 25 rows, none left, reminders
    assert all("RETURNING" in s for s in claims)
    assert all(("FOR UPDATE SKIP LOCKED" in s) == (db_kind == "postgresql") for s in claims)
    if mariadb:
        assert any("FOR UPDATE SKIP LOCKED" in s for s in seen)


def _cancel_while_sending(
    service: SurveyService, engine: Engine, count: int, cancelled: tuple[str, ...]
) -> None:
    """Send ``count`` invitations, cancelling the tickets ``cancelled`` once the
    first email is out: those are not sent and get their attempt back; every
    other row is sent once and marked."""
    _invite(service, count)
    sent: list[str] = []

    def deliver(message: EmailMessage) -> None:
        sent.append(str(message["To"]))
        if len(sent) == 1:
            for ticket in cancelled:
                service.cancel(ticket)

    report = service.send_due(CallableSender(deliver))
    assert report.sent == count - len(cancelled) == len(sent) == len(set(sent))
    assert not {f"t{ticket[2:]}@example.com" for ticket in cancelled} & set(sent)
    rows = {row.ticket_id: row for row in _rows(engine)}
    for ticket in cancelled:
        assert rows[ticket].status == Status.CANCELLED and rows[ticket].attempts == 0
    assert all(row.claim_id is None for row in rows.values())
    others = [row for ticket, row in rows.items() if ticket not in cancelled]
    assert all(row.status == Status.SENT and row.attempts == 1 for row in others)
    assert all(row.message_id and row.sent_at is not None for row in others)


def test_cancelled_while_sending_in_the_pipeline(service: SurveyService, engine: Engine) -> None:
    """The pipelined marks still look again at the rows before they are sent."""
    _cancel_while_sending(service, engine, 40, ("T-15", "T-39"))


def _with_deadlock_victims(service: SurveyService, engine: Engine) -> None:
    """Send 25 invitations while every other transaction's first UPDATE fails
    as a deadlock victim; check each went once and the faults were drawn."""
    with engine.begin() as conn:
        for statement in _VICTIMS:
            conn.exec_driver_sql(statement)
    try:
        sent: list[str] = []
        report = service.send_due(CallableSender(lambda m: sent.append(str(m["To"]))))
        with engine.connect() as conn:
            drawn = conn.execute(text("SELECT last_value FROM csat_test_victims")).scalar_one()
    finally:
        with engine.begin() as conn:
            for statement in _NO_VICTIMS:
                conn.exec_driver_sql(statement)
    assert report.sent == 25 and len(sent) == len(set(sent)) == 25  # each once
    rows = _rows(engine)
    assert all(row.status == Status.SENT and row.claim_id is None for row in rows)
    assert all(row.attempts == 1 for row in rows)  # the rolled-back claims left no trace
    assert drawn >= 2 * 5  # expire, claim, two rounds of marks, the last: each twice at least


def test_a_deadlock_victim_runs_its_pipeline_again(
    service: SurveyService, engine: Engine, db_kind: str
) -> None:
    """Real 40P01 errors from the server, on every transaction once: the outbox
    rolls back, takes a new connection and runs the transaction again."""
    _invite(service, 25)
    if db_kind != "postgresql":  # the same run without injected faults
        assert service.send_due(CallableSender(lambda m: None)).sent == 25
        return
    _with_deadlock_victims(service, engine)


def _claimed(engine: Engine) -> list[int]:
    """Every invitation claimed by ``claim-a``; their ids."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE csat_invitation SET claim_id = 'claim-a'"))
    return [row.id for row in _rows(engine)]


#: The pipeline's own statements: PostgreSQL only.
postgresql_only = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@postgresql_only
def test_several_marks_are_one_update_that_keeps_each_rows_values(
    service: SurveyService, engine: Engine
) -> None:
    """A group of marks is one UPDATE on PostgreSQL: each row gets its own values,
    and only rows still claimed by this sender and in the expected status."""
    _invite(service, 5)
    ids = _claimed(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE csat_invitation SET status = 'cancelled' WHERE id = :i"),
                     {"i": ids[1]})  # fmt: skip
        conn.execute(text("UPDATE csat_invitation SET claim_id = 'claim-b' WHERE id = :i"),
                     {"i": ids[2]})  # fmt: skip
    keys = ("claim_id", "message_id", "reminder_due_at", "sent_at", "status")
    rows = [
        {"b_id": i, "b_claim": "claim-a", "b_expected": "pending", "claim_id": None,
         "message_id": f"<m{i}@example.com>", "reminder_due_at": T0 + timedelta(days=n),
         "sent_at": T0, "status": "sent"}
        for n, i in enumerate(ids)
    ]  # fmt: skip
    pipeline = Pipeline(partial(service._connection, write=False))
    try:
        with _statements(engine) as seen:
            assert pipeline.mark({keys: rows}, claim_id="claim-a") == set()
    finally:
        pipeline.close()
    assert len(seen) == 1 and "unnest" in seen[0]  # one statement, on the driver's cursor
    after = {row.id: row for row in _rows(engine)}
    for n, i in enumerate(ids):
        row = after[i]
        if n in (1, 2):  # cancelled meanwhile, or claimed by another sender
            assert row.message_id is None and row.sent_at is None
            continue
        assert (row.status, row.claim_id, row.sent_at) == (Status.SENT, None, T0)
        assert row.message_id == f"<m{i}@example.com>"
        assert row.reminder_due_at == T0 + timedelta(days=n)
    assert after[ids[1]].status == Status.CANCELLED and after[ids[2]].claim_id == "claim-b"


@postgresql_only
@pytest.mark.parametrize("reminders", [False, True])
def test_a_flush_with_rows_to_look_at_again_is_one_statement(
    service: SurveyService, engine: Engine, reminders: bool
) -> None:
    """A flush in the middle of a batch (marks, then the next rows looked at
    again) is one statement: two groups of marks (sent, and failed for a
    retry), each row with its own values and only if still claimed by this
    sender in the expected status; the upcoming rows no longer to send are
    returned and released with their attempt back, the others keep their claim."""
    _invite(service, 8)
    ids = _claimed(engine)
    expected = "sent" if reminders else "pending"
    with engine.begin() as conn:
        conn.execute(text("UPDATE csat_invitation SET status = :s, attempts = 1"), {"s": expected})
        conn.execute(text("UPDATE csat_invitation SET status = 'cancelled' WHERE id IN (:a, :b)"),
                     {"a": ids[1], "b": ids[6]})  # fmt: skip
        conn.execute(text("UPDATE csat_invitation SET claim_id = 'claim-b' WHERE id = :i"),
                     {"i": ids[2]})  # fmt: skip
    guard = {"b_claim": "claim-a", "b_expected": expected}
    sent_keys = ("claim_id", "message_id", "sent_at")
    sent = [{"b_id": i, **guard, "claim_id": None, "message_id": f"<m{i}>",
             "sent_at": T0 + timedelta(seconds=n)} for n, i in enumerate(ids[:3])]  # fmt: skip
    failed_keys = ("claim_id", "last_error", "next_attempt_at")
    failed = [{"b_id": ids[3], **guard, "claim_id": None, "last_error": "451 try later",
               "next_attempt_at": T0 + timedelta(minutes=5)}]  # fmt: skip
    pipeline = Pipeline(partial(service._connection, write=False))
    try:
        with _statements(engine) as seen:
            skip = pipeline.mark({sent_keys: sent, failed_keys: failed}, claim_id="claim-a",
                                 upcoming=ids[4:8], reminders=reminders)  # fmt: skip
    finally:
        pipeline.close()
    assert skip == {ids[6]}
    assert seen[0].startswith("WITH") and seen[0].count("UPDATE csat_invitation") == 2
    assert len(seen) == 3  # the flush; then, for the row gone, its attempt and its claim
    after = {row.id: row for row in _rows(engine)}
    assert (after[ids[0]].message_id, after[ids[0]].sent_at) == (f"<m{ids[0]}>", T0)
    assert after[ids[0]].claim_id is None
    assert after[ids[1]].message_id is None and after[ids[1]].claim_id == "claim-a"  # cancelled
    assert after[ids[2]].message_id is None and after[ids[2]].claim_id == "claim-b"  # not ours
    assert after[ids[3]].last_error == "451 try later" and after[ids[3]].claim_id is None
    assert after[ids[3]].next_attempt_at == T0 + timedelta(minutes=5)
    assert (after[ids[6]].claim_id, after[ids[6]].attempts) == (None, 0)
    assert all((after[i].claim_id, after[i].attempts) == ("claim-a", 1) for i in ids[4:6])
    assert (after[ids[7]].claim_id, after[ids[7]].attempts) == ("claim-a", 1)


@postgresql_only
def test_a_flush_runs_on_the_server_before_its_result_is_read(
    service: SurveyService, engine: Engine
) -> None:
    """begin_flush sends the flush and returns: the server runs it meanwhile (its
    rows are locked) and commits when end_flush reads the result, which the
    outbox does after the next email went out. Until then the connection is
    the flush's alone."""
    _invite(service, 4)
    ids = _claimed(engine)
    keys: tuple[str, ...] = ("claim_id", "message_id", "status")
    mark: dict[str, Any] = {"b_id": ids[0], "b_claim": "claim-a", "b_expected": "pending",
                            "claim_id": None, "message_id": "<m0>", "status": "sent"}  # fmt: skip
    marks = {keys: [mark]}
    pipeline = Pipeline(partial(service._connection, write=False))
    try:
        assert pipeline.begin_flush(marks, claim_id="claim-a", upcoming=ids[1:], reminders=False)
        with pytest.raises(AssertionError, match="end_flush"):
            pipeline.run(lambda conn: None)
        with engine.connect() as other:
            locked = text("SELECT id FROM csat_invitation WHERE id = :i FOR UPDATE")
            waited = None
            for _ in range(100):  # once the server has run the UPDATE, the row is locked
                other.execute(text("SET LOCAL lock_timeout = '200ms'"))
                try:
                    other.execute(locked, {"i": ids[0]})
                except OperationalError as e:
                    waited = str(e)
                    break
                finally:
                    other.rollback()
            assert waited is not None and "lock timeout" in waited, "the flush did not run"
            assert _rows(engine)[0].status == Status.PENDING  # not committed yet
        assert pipeline.end_flush() == set()
        assert not pipeline.begin_flush({}, claim_id="claim-a", upcoming=ids, reminders=False)
    finally:
        pipeline.close()
    rows = {row.id: row for row in _rows(engine)}
    assert (rows[ids[0]].status, rows[ids[0]].message_id) == (Status.SENT, "<m0>")
    assert all(rows[i].claim_id == "claim-a" for i in ids[1:])


@postgresql_only
@pytest.mark.parametrize("smtp", [False, True], ids=["callable", "smtp"])
def test_a_flush_that_fails_for_good_stops_the_run_with_its_error(
    service: SurveyService, engine: Engine, monkeypatch: pytest.MonkeyPatch, smtp: bool
) -> None:
    """An error that is no deadlock, read with a flush's result, ends send_due
    with that error (read once, not again on the way out); what was sent is
    marked and the rest released, so the next run sends each other row once.
    With an SMTP sender the error comes while the server works on an email: it
    is raised once that email's reply is read, and the email is marked."""
    if smtp:
        with smtp_server() as server:
            sender = SMTPSender(server.host, server.port, timeout=10)
            received = server.handler.received
            _a_flush_fails_for_good(
                service, engine, monkeypatch, sender, lambda: [r.rcpt_tos[0] for r in received]
            )
    else:
        sent: list[str] = []
        deliver = CallableSender(lambda m: sent.append(str(m["To"])))
        _a_flush_fails_for_good(service, engine, monkeypatch, deliver, lambda: sent)


def _a_flush_fails_for_good(
    service: SurveyService,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    deliver: Sender,
    sent: Callable[[], list[str]],
) -> None:
    _invite(service, 25)
    end_flush = Pipeline.end_flush
    calls: list[int] = []

    def failing(self: Pipeline) -> set[int]:
        calls.append(1)
        end_flush(self)  # the result is read: the connection is in order
        raise DatabaseError("postgresql://…/test", "disk full")

    monkeypatch.setattr(Pipeline, "end_flush", failing)
    with pytest.raises(DatabaseError, match="disk full"):
        service.send_due(deliver)
    assert calls == [1] and len(sent()) == 11  # a group, and the email sent meanwhile
    rows = _rows(engine)
    assert sum(row.status == Status.SENT for row in rows) == 11
    assert all(row.claim_id is None for row in rows)
    assert all(row.attempts == 0 for row in rows if row.status == Status.PENDING)
    monkeypatch.setattr(Pipeline, "end_flush", end_flush)
    assert service.send_due(deliver).sent == 14
    assert len(sent()) == len(set(sent())) == 25
    assert all(row.status == Status.SENT for row in _rows(engine))


@postgresql_only
def test_the_bulk_mark_finds_its_rows_by_primary_key_on_a_table_just_filled(
    fresh_url: str,
) -> None:
    """Right after thousands of invitations are added, before any ANALYZE, the
    planner believes almost no row is pending; a status guard written as a
    constant then makes it scan the status index (every pending row, a 10,000-row
    table: milliseconds per mark). The bulk mark's plan must join on the key."""
    upgrade(fresh_url)
    engine = create_csat_engine(fresh_url)
    try:
        with engine.begin() as conn:  # the statistics stay those of an empty table
            conn.execute(text("ALTER TABLE csat_invitation SET (autovacuum_enabled = false)"))
        service = SurveyService(engine, secret_key=SECRET)
        for _ in range(3):  # in calls too small for invite_many's ANALYZE
            _invite(service, invite_batch.ANALYZE_AFTER - 1, start=len(_rows(engine)))
        ids = _claimed(engine)[:10]
        keys = ("message_id", "status")
        rows = [{"b_id": i, "b_claim": "claim-a", "b_expected": "pending",
                 "message_id": f"<{i}>", "status": "sent"} for i in ids]  # fmt: skip
        key, params = _bulk_marks(keys, rows)
        with engine.connect() as conn:
            compiled = CompiledStatement(bulk_mark_statement(*key[1:]), conn.dialect)
            raw = conn.connection.driver_connection
            assert raw is not None
            plan = "\n".join(r[0] for r in raw.execute(f"EXPLAIN {compiled.sql}",
                                                         compiled.params(params)))  # fmt: skip
            conn.rollback()
    finally:
        engine.dispose()
    assert "pk_csat_invitation" in plan and "status_due_at" not in plan, plan


@postgresql_only
def test_without_pipelining_postgresql_marks_through_sessions(
    service: SurveyService, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another driver, or a libpq older than 14, cannot pipeline: the outbox then
    writes its marks through sessions, as on the other databases, with the same
    outcome: every row sent once and marked, the cancelled one skipped."""
    import psycopg

    monkeypatch.setattr(psycopg.Pipeline, "is_supported", classmethod(lambda cls: False))
    assert not supported(engine.dialect)
    with _statements(engine) as seen:
        _cancel_while_sending(service, engine, 25, ("T-17",))
    marks = [s for s in seen if "UPDATE csat_invitation SET" in s and "sent_at" in s]
    assert marks and not any("unnest" in s for s in marks)  # the session path's statements
    assert any("FOR UPDATE SKIP LOCKED" in s for s in seen)  # its claim, too


@postgresql_only
def test_without_pipelining_a_deadlock_victim_runs_its_session_again(
    service: SurveyService, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    monkeypatch.setattr(psycopg.Pipeline, "is_supported", classmethod(lambda cls: False))
    _invite(service, 25)
    _with_deadlock_victims(service, engine)
