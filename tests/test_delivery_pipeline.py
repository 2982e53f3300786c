"""PostgreSQL pipelines: the outbox's marks in one round trip, on their own connection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session

from csat import InviteRequest, Status, SurveyService
from csat.delivery import CallableSender
from csat.delivery.pipeline import supported
from csat.models import Invitation
from tests.conftest import T0

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


def _invite(service: SurveyService, count: int) -> None:
    service.invite_many(
        [
            InviteRequest(
                ticket_id=f"T-{n}", email=f"t{n}@example.com", agent="ana", team="1st Level",
                channel="phone", resolved_at=T0 - timedelta(hours=2 - n / 1000),
            )
            for n in range(count)
        ]
    )  # fmt: skip


def _rows(engine: Engine) -> list[Invitation]:
    with Session(engine) as session:
        return list(session.scalars(select(Invitation).order_by(Invitation.id)))


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def log(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", log)
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
    marks = [s for s in seen if s.startswith("UPDATE") and "sent_at" in s]
    # Through SQLAlchemy: every mark elsewhere; none on PostgreSQL (psycopg's pipeline).
    assert (marks == []) == (db_kind == "postgresql")
    # PostgreSQL claims in one UPDATE … RETURNING, the others SELECT, then UPDATE.
    claims = [s for s in seen if "csat_due" in s]
    assert len(claims) == (3 if db_kind == "postgresql" else 0)  # 25 rows, none left, reminders
    if claims:
        assert "FOR UPDATE SKIP LOCKED" in claims[0] and "RETURNING" in claims[0]


def test_cancelled_while_sending_in_the_pipeline(service: SurveyService, engine: Engine) -> None:
    """The pipelined marks still look again at the rows before they are sent."""
    _invite(service, 40)
    sent: list[str] = []

    def deliver(message: EmailMessage) -> None:
        sent.append(str(message["To"]))
        if len(sent) == 1:
            service.cancel("T-15")
            service.cancel("T-39")

    report = service.send_due(CallableSender(deliver))
    assert report.sent == 38 == len(sent)
    assert "t15@example.com" not in sent and "t39@example.com" not in sent
    rows = {row.ticket_id: row for row in _rows(engine)}
    assert rows["T-15"].status == rows["T-39"].status == Status.CANCELLED
    assert rows["T-15"].attempts == rows["T-39"].attempts == 0
    assert all(row.claim_id is None for row in rows.values())


def test_a_deadlock_victim_runs_its_pipeline_again(
    service: SurveyService, engine: Engine, db_kind: str
) -> None:
    """Real 40P01 errors from the server, on every transaction once: the outbox
    rolls back, takes a new connection and runs the transaction again."""
    _invite(service, 25)
    if db_kind != "postgresql":  # the same run without injected faults
        assert service.send_due(CallableSender(lambda m: None)).sent == 25
        return
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
