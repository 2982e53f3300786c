"""The shipped Alembic migrations create exactly the schema of ``csat.storage.models``.

Each test migrates its own fresh database (``csat_mig_<random>`` on the
server of ``database_url``, a new file for SQLite): the session database of
``database_url`` already holds tables made by ``metadata.create_all``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    inspect,
    select,
)
from sqlalchemy import text as sql
from sqlalchemy.dialects import mysql

from csat.errors import DatabaseError, InvalidInputError
from csat.storage import migrate
from csat.storage.engine import create_csat_engine
from csat.storage.models import Event, metadata

CSAT_TABLES = {t.name for t in metadata.sorted_tables}


@pytest.fixture
def fresh_engine(fresh_url: str) -> Iterator[Engine]:
    """A csat engine on :func:`fresh_url`."""
    engine = create_csat_engine(fresh_url)
    yield engine
    engine.dispose()


def _table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "version_table": migrate.VERSION_TABLE,
                "include_name": migrate.include_name,
                "compare_type": True,
                "compare_server_default": True,
            },
        )
        return list(compare_metadata(context, metadata))


def test_upgrade_creates_exactly_the_models_schema(fresh_url: str, fresh_engine: Engine) -> None:
    assert migrate.current(fresh_url) is None
    migrate.upgrade(fresh_url)

    assert _table_names(fresh_engine) == CSAT_TABLES | {migrate.VERSION_TABLE}
    # Autogenerate finds nothing to do: migrations == models, types and
    # server defaults included (there is no noise to ignore on any database).
    assert _differences(fresh_engine) == []
    assert migrate.current(fresh_url) == migrate.head() == "0005"


def test_constraint_and_index_names_follow_the_naming_convention(
    fresh_url: str, fresh_engine: Engine
) -> None:
    migrate.upgrade(fresh_url)
    inspector = inspect(fresh_engine)
    for table in metadata.sorted_tables:
        expected_fks = {fk.name for fk in table.foreign_key_constraints}
        expected_uqs = {c.name for c in table.constraints if type(c).__name__ == "UniqueConstraint"}
        expected_ixs = {ix.name for ix in table.indexes}
        assert {fk["name"] for fk in inspector.get_foreign_keys(table.name)} == expected_fks
        uqs = {uq["name"] for uq in inspector.get_unique_constraints(table.name)}
        assert uqs == expected_uqs, table.name
        # MariaDB adds an index per foreign key (named like the key) and lists
        # unique constraints as indexes too; every named index must be there.
        assert expected_ixs <= {ix["name"] for ix in inspector.get_indexes(table.name)}
        if fresh_engine.dialect.name == "postgresql":
            assert inspector.get_pk_constraint(table.name)["name"] == f"pk_{table.name}"


def test_datetimes_keep_microseconds(fresh_url: str, fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_url)
    columns = {c["name"]: c["type"] for c in inspect(fresh_engine).get_columns("csat_invitation")}
    if fresh_engine.dialect.name in ("mysql", "mariadb"):
        assert isinstance(columns["due_at"], mysql.DATETIME)
        assert columns["due_at"].fsp == 6
    stamp = datetime(2026, 10, 5, 9, 0, 0, 123456, tzinfo=UTC)
    with fresh_engine.begin() as conn:
        conn.execute(
            Event.__table__.insert(),
            {"name": "training", "date": date(2026, 10, 1), "team": None, "created_at": stamp},
        )
        stored = conn.execute(select(Event.created_at)).scalar_one()
    assert stored == stamp


def test_upgrade_is_idempotent_and_keeps_data(fresh_url: str, fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_url)
    with fresh_engine.begin() as conn:
        conn.execute(
            Event.__table__.insert(),
            {"name": "kick-off", "date": date(2026, 1, 5), "team": "2nd Level",
             "created_at": datetime(2026, 1, 5, tzinfo=UTC)},
        )  # fmt: skip
    migrate.upgrade(fresh_url)
    migrate.upgrade(fresh_engine, "head")
    assert migrate.current(fresh_engine) == migrate.head()
    with fresh_engine.connect() as conn:
        assert conn.execute(sql("SELECT name FROM csat_event")).scalars().all() == ["kick-off"]


def test_downgrade_to_base_leaves_host_tables_alone(fresh_url: str, fresh_engine: Engine) -> None:
    host = MetaData()
    tickets = Table(
        "host_ticket", host, Column("id", Integer, primary_key=True), Column("t", String(20))
    )
    versions = Table("alembic_version", host, Column("version_num", String(32), primary_key=True))
    host.create_all(fresh_engine)
    with fresh_engine.begin() as conn:
        conn.execute(tickets.insert(), [{"id": 1, "t": "printer"}, {"id": 2, "t": "vpn"}])
        conn.execute(versions.insert(), {"version_num": "host_rev_42"})

    migrate.upgrade(fresh_url)
    assert _table_names(fresh_engine) == CSAT_TABLES | {migrate.VERSION_TABLE, *host.tables}
    migrate.downgrade(fresh_url, "base")

    assert _table_names(fresh_engine) == set(host.tables)
    assert migrate.current(fresh_url) is None
    with fresh_engine.connect() as conn:
        assert conn.execute(tickets.select().order_by(tickets.c.id)).all() == [
            (1, "printer"),
            (2, "vpn"),
        ]
        assert conn.execute(versions.select()).scalars().all() == ["host_rev_42"]
    migrate.upgrade(fresh_url)  # and back up again
    assert migrate.current(fresh_url) == migrate.head()


def test_runs_on_a_host_engine(fresh_url: str) -> None:
    engine = create_engine(fresh_url)  # a plain engine, as a host app would have
    try:
        migrate.upgrade(engine)
        assert migrate.current(engine) == migrate.head()
        migrate.require_current(engine)
        with engine.connect() as conn:  # the host's engine stays usable
            assert conn.execute(sql("SELECT COUNT(*) FROM csat_invitation")).scalar() == 0
    finally:
        engine.dispose()


def test_alembic_config_without_a_connection_uses_the_url(
    fresh_url: str, fresh_engine: Engine
) -> None:
    command.upgrade(migrate.alembic_config(url=fresh_url), "head")
    assert migrate.current(fresh_engine) == migrate.head()
    assert _differences(fresh_engine) == []


def test_offline_mode_renders_sql(fresh_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    config = migrate.alembic_config(url=fresh_url)
    config.output_buffer = io.StringIO()
    command.upgrade(config, "head", sql=True)
    script = config.output_buffer.getvalue() + capsys.readouterr().out
    assert "CREATE TABLE csat_invitation" in script
    assert "csat_alembic_version" in script
    assert "INSERT INTO csat_alembic_version" in script


def test_create_all_tables_are_refused_until_stamped(fresh_url: str, fresh_engine: Engine) -> None:
    metadata.create_all(fresh_engine)
    with pytest.raises(DatabaseError, match=r"not under migration control.*stamp"):
        migrate.upgrade(fresh_url)
    with pytest.raises(DatabaseError, match=r"not under migration control"):
        migrate.require_current(fresh_url)
    migrate.stamp(fresh_url)
    migrate.require_current(fresh_url)
    migrate.upgrade(fresh_url)  # nothing left to do
    assert migrate.current(fresh_url) == migrate.head()


def test_require_current_explains_what_to_do(fresh_url: str, fresh_engine: Engine) -> None:
    with pytest.raises(
        DatabaseError,
        match=r"missing; create csat.s tables on this database: run `csat db upgrade --db URL`",
    ) as info:
        migrate.require_current(fresh_url)
    assert "password" not in str(info.value)
    migrate.upgrade(fresh_url)
    migrate.require_current(fresh_url)
    with fresh_engine.begin() as conn:
        conn.execute(sql(f"UPDATE {migrate.VERSION_TABLE} SET version_num = '9999'"))
    with pytest.raises(DatabaseError, match=r"9999 is newer than this csat"):
        migrate.require_current(fresh_url)


def test_unknown_revision_is_invalid_input(fresh_url: str) -> None:
    with pytest.raises(InvalidInputError, match=r"revision: .*'nope'"):
        migrate.upgrade(fresh_url, "nope")
    with pytest.raises(InvalidInputError, match="revision"):
        migrate.downgrade(fresh_url, "nope")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://csat:secret-pw@127.0.0.1:1/csat",
        "mysql://csat:secret-pw@127.0.0.1:1/csat",
        "sqlite:////nonexistent-dir/for-csat/csat.db",
    ],
    ids=["postgresql", "mariadb", "sqlite"],
)
def test_unreachable_database_is_a_database_error(url: str) -> None:
    for call in (migrate.upgrade, migrate.current, migrate.require_current):
        with pytest.raises(DatabaseError) as info:
            call(url)
        assert isinstance(info.value.__cause__, Exception)  # chained
        message = str(info.value)
        assert "\n" not in message
        assert "secret-pw" not in message


def _host_differences(engine: Engine, target: list[MetaData], **hooks: object) -> list[object]:
    """What a host's autogenerate (its own ``alembic_version``) finds against ``target``."""
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True, **hooks}
        )
        return list(compare_metadata(context, target))


def test_a_flask_sqlalchemy_hosts_autogenerate_leaves_csat_alone(
    fresh_url: str, fresh_engine: Engine
) -> None:
    """csat migrated, the host's tables made: the host's autogenerate is empty with the hook."""
    from flask import Flask
    from flask_sqlalchemy import SQLAlchemy

    app = Flask("helpdesk")
    app.config["SQLALCHEMY_DATABASE_URI"] = fresh_url
    db = SQLAlchemy(app)
    ticket = Table(
        "helpdesk_ticket",
        db.metadata,
        Column("id", Integer, primary_key=True),
        Column("title", String(200), nullable=False),
    )
    # A host table that merely starts with csat_ is the host's, not csat's.
    Table("csat_notes", db.metadata, Column("id", Integer, primary_key=True))
    migrate.upgrade(fresh_engine)
    with app.app_context():
        db.create_all()
        host = db.metadata
        engine = db.engine
    try:
        # Without the hook, csat's version table is up for dropping (the issue).
        plain = _host_differences(engine, [host, metadata])
        assert ("remove_table", migrate.VERSION_TABLE) in [(d[0], d[1].name) for d in plain]
        hook = {"include_object": migrate.host_include_object}
        assert _host_differences(engine, [host, metadata], **hook) == []
        assert _host_differences(engine, [host], **hook) == []  # csat's metadata left out
        # The host's own tables stay visible: a new one of theirs is found.
        Table("helpdesk_agent", host, Column("id", Integer, primary_key=True))
        found = _host_differences(engine, [host, metadata], **hook)
        assert [(d[0], d[1].name) for d in found] == [("add_table", "helpdesk_agent")]
        host.remove(host.tables["helpdesk_agent"])
        # csat's own autogenerate sees only csat's model tables.
        assert _differences(fresh_engine) == []
        assert migrate.include_name("csat_notes", "table", {}) is False
        assert migrate.include_name(migrate.VERSION_TABLE, "table", {}) is False
        assert migrate.include_name("csat_invitation", "table", {}) is True
        assert ticket.name not in metadata.tables
    finally:
        engine.dispose()
