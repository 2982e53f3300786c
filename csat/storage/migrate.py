"""Schema migrations: apply csat's shipped Alembic revisions programmatically.

No ``alembic.ini`` is needed: :func:`alembic_config` points Alembic at
``csat.storage:migrations``. csat keeps its revision in its own version table,
``csat_alembic_version``, so it can share a database with a host application
that has its own Alembic ``alembic_version``::

    from csat.storage import migrate
    migrate.upgrade("postgresql://app@db/helpdesk")      # or an Engine
    migrate.current(engine)                              # "0002"

A host with its own Alembic migrations passes :func:`host_include_object` to
``context.configure`` so that its autogenerate leaves csat's tables alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, MetaData, Table, inspect
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from ..errors import DatabaseError, InvalidInputError
from .engine import UPGRADE_ADVICE, WRITE_OPTION, create_csat_engine, masked_url
from .models import metadata

SCRIPT_LOCATION = "csat.storage:migrations"
#: csat's own Alembic version table (a host's ``alembic_version`` stays untouched).
VERSION_TABLE = "csat_alembic_version"
TABLE_PREFIX = "csat_"

Bind = str | URL | Engine

_UNVERSIONED = (
    "csat tables exist but are not under migration control (made with create_all?); "
    "if they match this csat version, mark them with csat.storage.migrate.stamp(bind, 'head')"
)


def _csat_owns(name: str | None) -> bool:
    """Whether table ``name`` is csat's: one of its models' tables or its version table."""
    return name == VERSION_TABLE or name in metadata.tables


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic ``include_name`` hook of csat's own migrations: only csat's model tables.

    A host's tables in the same database, and csat's version table, are left out.
    """
    if type_ == "table":
        return name in metadata.tables
    return True


def host_include_object(
    object_: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic ``include_object`` hook for a *host's* migrations: leave csat's tables out.

    Pass it to ``context.configure(include_object=...)`` in your ``env.py``:
    autogenerate then neither creates, alters nor drops csat's tables (its
    models' tables and ``csat_alembic_version``; :func:`upgrade` migrates them),
    whether or not your ``target_metadata`` includes csat's metadata, and sees
    every table of yours.
    """
    return not (type_ == "table" and _csat_owns(name))


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic :class:`~alembic.config.Config` for csat's migrations.

    With ``connection`` the migrations run on it (in its transaction);
    otherwise ``url`` (or ``CSAT_DATABASE_URL``) is used by ``env.py``.
    """
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision shipped with this version of csat."""
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None, "csat ships at least one revision"
    return revision


def _one_line(error: DBAPIError) -> str:
    return " ".join(str(error.orig if error.orig is not None else error).split())


@contextmanager
def _connect(bind: Bind, *, write: bool = False) -> Iterator[Connection]:
    """A connection in a transaction; database failures become DatabaseError."""
    engine = bind if isinstance(bind, Engine) else create_csat_engine(bind)
    try:
        with engine.connect() as connection:
            if write:  # SQLite: take the write lock at BEGIN (see csat.storage.engine.WRITE_OPTION)
                connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                yield connection
    except DBAPIError as e:
        raise DatabaseError(masked_url(engine.url), _one_line(e)) from e
    finally:
        if engine is not bind:
            engine.dispose()


def _current(connection: Connection) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def _csat_tables(connection: Connection) -> list[str]:
    names = inspect(connection).get_table_names()
    return sorted(n for n in names if n in metadata.tables)


@contextmanager
def _revision_errors() -> Iterator[None]:
    try:
        yield
    except CommandError as e:
        raise InvalidInputError("revision", " ".join(str(e).split())) from e


def current(bind: Bind) -> str | None:
    """The revision the database is at, or ``None`` if csat was never migrated there."""
    with _connect(bind) as connection:
        return _current(connection)


def upgrade(bind: Bind, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (idempotent: nothing to do at head).

    :raises DatabaseError: unreachable database, or csat tables that exist
        without a csat version (made with ``create_all``; see :func:`stamp`).
    :raises InvalidInputError: unknown revision.
    """
    with _connect(bind, write=True) as connection:
        if _current(connection) is None and _csat_tables(connection):
            raise DatabaseError(masked_url(connection.engine.url), _UNVERSIONED)
        with _revision_errors():
            command.upgrade(alembic_config(connection), revision)


def downgrade(bind: Bind, revision: str) -> None:
    """Revert migrations down to ``revision``; ``"base"`` drops every csat table.

    At base the version table ``csat_alembic_version`` is dropped as well.
    """
    with _connect(bind, write=True) as connection:
        with _revision_errors():
            command.downgrade(alembic_config(connection), revision)
        if _current(connection) is None:
            Table(VERSION_TABLE, MetaData()).drop(connection, checkfirst=True)


def stamp(bind: Bind, revision: str = "head") -> None:
    """Record ``revision`` as applied without running it (tables made by ``create_all``)."""
    with _connect(bind, write=True) as connection, _revision_errors():
        command.stamp(alembic_config(connection), revision)


def require_current(bind: Bind) -> None:
    """Raise unless the database is migrated to this csat's head revision.

    :raises DatabaseError: not migrated, behind, or ahead of this csat
        (the message says what to run).
    """
    with _connect(bind) as connection:
        at = _current(connection)
        url = masked_url(connection.engine.url)
        unversioned = at is None and bool(_csat_tables(connection))
    newest = head()
    if at == newest:
        return
    if unversioned:
        raise DatabaseError(url, _UNVERSIONED)
    if at is None:
        raise DatabaseError(url, f"csat tables are missing; {UPGRADE_ADVICE}")
    script = ScriptDirectory.from_config(alembic_config())
    try:
        script.get_revision(at)
    except CommandError as e:
        raise DatabaseError(
            url, f"schema revision {at} is newer than this csat ({newest}); upgrade csat"
        ) from e
    raise DatabaseError(url, f"schema revision {at} is older than {newest}; run `csat db upgrade`")
