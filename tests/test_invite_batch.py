"""invite_many's batch work beyond the rules (tested in test_invites.py):
fresh statistics after a large batch on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, text

from csat import InviteRequest, SurveyService
from csat.delivery.queries import due_invitations
from csat.invitations import batch as invite_batch
from csat.storage.engine import create_csat_engine
from csat.storage.migrate import upgrade
from csat.storage.models import Invitation
from tests.conftest import SECRET, T0


def _requests(start: int, count: int) -> list[InviteRequest]:
    return [
        InviteRequest(
            ticket_id=f"T-{n}", email=f"t{n}@example.com", agent="ana", team="1st Level",
            channel="phone", resolved_at=T0 - timedelta(hours=2),
        )
        for n in range(start, start + count)
    ]  # fmt: skip


def _claim_plan(engine: Engine) -> str:
    """How PostgreSQL would find the outbox's next batch."""
    query = (
        select(Invitation.id)
        .where(due_invitations(T0 + timedelta(days=1)))
        .order_by(Invitation.due_at)
        .limit(100)
        .with_for_update(skip_locked=True)
    )
    sql = query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        return "\n".join(row[0] for row in conn.execute(text(f"EXPLAIN {sql}")))


def _has_statistics(engine: Engine) -> bool:
    query = "SELECT count(*) FROM pg_stats WHERE tablename = 'csat_invitation'"
    with engine.connect() as conn:
        return bool(conn.execute(text(query)).scalar_one())


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_large_batch_leaves_statistics_the_claim_can_use(fresh_url: str) -> None:
    """Before any ANALYZE the planner believes the new rows are not there (with
    20,000 of them it sorts every pending row for each claim); invite_many
    refreshes the statistics once a call adds ANALYZE_AFTER invitations or more."""
    upgrade(fresh_url)
    engine = create_csat_engine(fresh_url)
    service = SurveyService(engine, secret_key=SECRET)
    try:
        with engine.begin() as conn:  # only invite_many may analyze here
            conn.execute(text("ALTER TABLE csat_invitation SET (autovacuum_enabled = false)"))
        below, calls = invite_batch.ANALYZE_AFTER - 1, 3
        for call in range(calls):
            service.invite_many(_requests(call * below, below), now=T0)
        assert not _has_statistics(engine)
        service.invite_many(_requests(calls * below, invite_batch.ANALYZE_AFTER), now=T0)
        assert _has_statistics(engine)
        plan = _claim_plan(engine)
        assert "Sort" not in plan and "ix_csat_invitation_status_due_at" in plan, plan
    finally:
        engine.dispose()
