"""Engines: driver defaults, SQLite set-up, race-free inserts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from csat import SurveyService
from csat.delivery import CallableSender
from csat.errors import ConfigurationError
from csat.storage.engine import (
    WRITE_OPTION,
    create_csat_engine,
    insert_ignoring_duplicates,
    make_sessionmaker,
    masked_url,
    normalize_url,
)
from csat.storage.models import OptOut

from .conftest import T0, run_concurrently


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg"),
        ("postgres://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg2"),
        ("mysql://u@h/db", "mysql+pymysql"),
        ("mariadb://u@h/db", "mariadb+pymysql"),
        ("sqlite:///x.db", "sqlite"),
    ],
)
def test_default_drivers(url: str, driver: str) -> None:
    assert normalize_url(url).drivername == driver


def test_mysql_gets_utf8mb4() -> None:
    assert normalize_url("mysql://u@h/db").query["charset"] == "utf8mb4"
    assert normalize_url("mysql://u@h/db?charset=latin1").query["charset"] == "latin1"


def test_bad_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="CSAT_DATABASE_URL"):
        create_csat_engine("not a url")


def test_masked_url_hides_password() -> None:
    assert "secret" not in masked_url("postgresql://u:secret@h/db")
    assert masked_url("::") == "<invalid URL>"


def test_sqlite_runs_in_wal_with_busy_timeout(sqlite_path: Path) -> None:
    engine = create_csat_engine(f"sqlite:///{sqlite_path}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_host_engine_and_sessionmaker_are_configured(sqlite_path: Path) -> None:
    engine = create_engine(f"sqlite:///{sqlite_path}")
    maker = make_sessionmaker(sessionmaker(engine))
    assert make_sessionmaker(maker) is maker
    bind = maker.kw["bind"]
    assert isinstance(bind, Engine)
    with bind.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    make_sessionmaker(engine)  # configuring twice is harmless
    engine.dispose()


def test_sqlite_write_transactions_queue_instead_of_failing(sqlite_path: Path) -> None:
    """Read-then-write transactions in threads: BEGIN IMMEDIATE serialises them."""
    engine = create_csat_engine(f"sqlite:///{sqlite_path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER)"))
        conn.execute(text("INSERT INTO counter VALUES (0)"))

    def bump(_: int) -> None:
        for _ in range(20):
            with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
                n = conn.execute(text("SELECT n FROM counter")).scalar_one()
                conn.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})

    run_concurrently(bump, 6)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar() == 120
    engine.dispose()


def test_sqlite_transactions_begin_as_asked(sqlite_path: Path) -> None:
    """A plain connection BEGINs, a write one takes the write lock at once."""
    engine = create_csat_engine(f"sqlite:///{sqlite_path}")
    other = create_csat_engine(f"sqlite:///{sqlite_path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    for options, in_transaction, locked in (
        ({}, True, False),
        ({WRITE_OPTION: True}, True, True),
    ):
        with engine.connect().execution_options(**options) as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 0
            driver = conn.connection.driver_connection
            assert driver is not None and driver.in_transaction is in_transaction
            with other.connect() as writer:  # a write lock makes the other writer wait
                writer.execute(text("PRAGMA busy_timeout = 0"))
                try:
                    writer.execute(text("INSERT INTO t VALUES (1)"))
                    writer.rollback()
                    blocked = False
                except OperationalError:
                    blocked = True
            assert blocked is locked
    engine.dispose()
    other.dispose()


def test_insert_ignoring_duplicates(engine: Engine) -> None:
    rows = [
        {"customer_hash": "a" * 64, "created_at": T0},
        {"customer_hash": "b" * 64, "created_at": T0},
    ]
    with Session(engine) as s, s.begin():
        insert_ignoring_duplicates(s, OptOut, rows)
        insert_ignoring_duplicates(s, OptOut, rows)
        insert_ignoring_duplicates(s, OptOut, [])
    with Session(engine) as s:
        assert sorted(s.scalars(select(OptOut.customer_hash))) == ["a" * 64, "b" * 64]


def test_event_hooks_see_every_statement_of_a_page_view_a_submit_and_a_send(
    service: SurveyService, engine: Engine
) -> None:
    """csat runs its statements through SQLAlchemy, so a host's event hooks and
    query recorders on a shared engine see the token's look-up and the marks."""
    result = service.invite(
        "T-1", "kim@example.com", agent="ana", team="1st Level", channel="phone",
        resolved_at=T0 - timedelta(hours=2),
    )  # fmt: skip
    assert result.token is not None
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()).lower())

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert service.send_due(CallableSender(lambda message: None)).sent == 1
        service.open(result.token)
        service.record(result.token, {"understood": 4})
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert any(s.startswith("update csat_invitation set status") for s in seen)  # the mark
    lookups = [s for s in seen if "where csat_invitation.token_hash =" in s]
    assert len(lookups) == 2  # the page's and the submit's
    assert any(s.startswith("insert into csat_response") for s in seen)
