"""Statements compiled once and run on the driver's cursor: the same values as
SQLAlchemy's execute, and driver errors as SQLAlchemy raises them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, bindparam, column, select, table, text, update
from sqlalchemy.exc import DBAPIError

from csat import SurveyService
from csat.compiled import CompiledStatement
from csat.models import Invitation, metadata
from csat.responses import _LOOKUP
from csat.tokens import token_hash


def _token(service: SurveyService, ticket: str) -> str:
    result = service.invite(
        ticket, f"{ticket.lower()}@example.com", agent="ana", team="1st Level",
        channel="phone", resolved_at=service.clock() - timedelta(hours=2),
    )  # fmt: skip
    assert result.token is not None
    return result.token


def test_rows_are_what_sqlalchemy_returns(service: SurveyService, engine: Engine) -> None:
    """Aware datetimes, JSON answers, NULLs and labels come out as through
    Connection.execute, before and after an answer is stored."""
    token = _token(service, "T-1")
    service.record(token, {"understood": 4, "helped": 5, "comment": "Schnell & nett"})
    unanswered = _token(service, "T-2")
    with engine.connect() as conn:
        lookup = CompiledStatement(_LOOKUP, conn.dialect)
        for each in (token, unanswered):
            values = {"token_hash": token_hash(each)}
            ours = lookup.fetch_one(conn, values)
            theirs = conn.execute(_LOOKUP, values).one()
            assert ours._asdict() == theirs._asdict()
            assert ours.expires_at.tzinfo is not None
        answered = lookup.fetch_one(conn, {"token_hash": token_hash(token)})
        assert answered.answers == {"understood": 4, "helped": 5}
        assert answered.texts == {"comment": "Schnell & nett"}
        assert answered.answered_at.tzinfo is not None
        assert lookup.fetch_one(conn, {"token_hash": "0" * 64}) is None


def test_many_rows_and_executemany_are_what_sqlalchemy_does(
    service: SurveyService, engine: Engine
) -> None:
    """fetch_all reads every row as fetch_one reads one; execute_many runs the
    statement per item with the bind processors (aware datetimes stored as
    SQLAlchemy stores them), inside the connection's transaction."""
    for ticket in ("T-1", "T-2", "T-3"):
        _token(service, ticket)
    invitations = metadata.tables[Invitation.__tablename__]
    read = (
        select(invitations.c.id, invitations.c.ticket_id, invitations.c.expires_at)
        .where(invitations.c.ticket_id.in_([bindparam("a"), bindparam("b")]))
        .order_by(invitations.c.id)
    )
    when = service.clock() + timedelta(days=1)
    write = (
        update(invitations)
        .where(invitations.c.id == bindparam("b_id"))
        .values(next_attempt_at=bindparam("at"))
    )
    with engine.connect() as conn:
        rows = CompiledStatement(read, conn.dialect).fetch_all(conn, {"a": "T-1", "b": "T-3"})
        theirs = conn.execute(read, {"a": "T-1", "b": "T-3"}).all()
        assert [r._asdict() for r in rows] == [r._asdict() for r in theirs] and len(rows) == 2
        assert CompiledStatement(read, conn.dialect).fetch_all(conn, {"a": "x", "b": "y"}) == []
        compiled = CompiledStatement(write, conn.dialect)
        compiled.execute_many(conn, [{"b_id": r.id, "at": when + timedelta(hours=n)}
                                     for n, r in enumerate(rows)])  # fmt: skip
        assert conn.in_transaction()
        conn.rollback()  # nothing written: it ran in the connection's transaction
        assert conn.execute(select(invitations.c.next_attempt_at)).scalars().all() == [None] * 3
        compiled.execute_many(conn, [{"b_id": r.id, "at": when + timedelta(hours=n)}
                                     for n, r in enumerate(rows)])  # fmt: skip
        conn.commit()
        stored = conn.execute(select(invitations.c.next_attempt_at).order_by(invitations.c.id))
        assert stored.scalars().all() == [when, None, when + timedelta(hours=1)]


def test_a_driver_error_is_sqlalchemys_and_the_connection_goes_on(engine: Engine) -> None:
    missing = CompiledStatement(select(table("csat_no_such_table", column("id"))), engine.dialect)
    with engine.connect() as conn:
        with pytest.raises(DBAPIError) as info:
            missing.fetch_one(conn, {})
        assert isinstance(info.value.orig, engine.dialect.loaded_dbapi.Error)
        assert "csat_no_such_table" in str(info.value)
        assert not info.value.connection_invalidated and not conn.invalidated
        conn.rollback()
        assert conn.execute(text("SELECT 1")).scalar_one() == 1


@pytest.mark.parametrize("database_url", ["postgresql", "mariadb"], indirect=True)
def test_a_lost_connection_is_invalidated_and_the_next_one_works(
    service: SurveyService, engine: Engine
) -> None:
    """The server ends the connection (a restart, an idle timeout): the error says
    so, the connection is dropped from the pool, and the next look-up works."""
    token = _token(service, "T-1")
    values = {"token_hash": token_hash(token)}
    lookup = CompiledStatement(_LOOKUP, engine.dialect)
    with engine.connect() as conn:
        postgresql = conn.dialect.name == "postgresql"
        server_id = conn.execute(
            text("SELECT pg_backend_pid()" if postgresql else "SELECT CONNECTION_ID()")
        ).scalar_one()
        with engine.connect() as other:
            if postgresql:
                other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": server_id})
            else:
                other.execute(text(f"KILL {int(server_id)}"))
        with pytest.raises(DBAPIError) as info:
            lookup.fetch_one(conn, values)
        assert info.value.connection_invalidated and conn.invalidated
    with engine.connect() as conn:
        assert lookup.fetch_one(conn, values).ticket_id == "T-1"
