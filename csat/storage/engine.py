"""Engines and sessions: URL normalisation and per-dialect connection setup.

``postgresql://`` URLs use psycopg 3 and ``mysql://`` / ``mariadb://`` URLs
use PyMySQL unless a driver is named. SQLite connections run in WAL mode
with a busy timeout, so the web pages and a sender can share one file.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, CursorResult, Engine, Executable, create_engine, event, insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from ..errors import ConfigurationError, DatabaseError

T = TypeVar("T")
C = TypeVar("C")

SQLITE_BUSY_TIMEOUT_MS = 10_000

_DEFAULT_DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
}


def normalize_url(url: str | URL) -> URL:
    """Parse ``url`` and pick csat's default driver when none is named."""
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise ConfigurationError("CSAT_DATABASE_URL", f"not a database URL: {e}") from e
    driver = _DEFAULT_DRIVERS.get(parsed.drivername)
    if driver is not None:
        parsed = parsed.set(drivername=driver)
    if parsed.get_backend_name() in ("mysql", "mariadb") and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return parsed


#: Execution option that makes a SQLite transaction take the write lock at
#: once (``BEGIN IMMEDIATE``), so concurrent writers queue on the busy
#: timeout instead of failing with "database is locked" on lock upgrade.
WRITE_OPTION = "csat_write"


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The connect hook SQLAlchemy's SQLite dialect documents for exactly this
    # (sections "Serializable isolation / Savepoints / Transactional DDL" and
    # "Foreign Key Support"): pysqlite stops opening transactions of its own,
    # so SQLAlchemy decides where they begin (SAVEPOINT works too), and the
    # PRAGMAs, per connection, go through the DBAPI connection SQLAlchemy hands
    # to the hook; no csat statement runs on a driver cursor.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def create_csat_engine(url: str | URL, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` set up the way csat needs it."""
    parsed = normalize_url(url)
    options: dict[str, Any] = {"pool_pre_ping": True}
    if parsed.get_backend_name() == "sqlite":
        options = {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}}
    elif parsed.get_driver_name() == "psycopg":
        # No server-side prepared statements: their generic plans turn csat's
        # batched ``IN (...)`` look-ups into full scans on young tables.
        options["connect_args"] = {"prepare_threshold": None}
    options.update(kwargs)
    try:
        engine = create_engine(parsed, **options)
    except (ArgumentError, ModuleNotFoundError) as e:
        hint = ""
        if isinstance(e, ModuleNotFoundError):
            hint = (
                " (install the driver: pip install 'csat-surveys[postgres]'"
                " or 'csat-surveys[mysql]')"
            )
        raise ConfigurationError("CSAT_DATABASE_URL", f"{e}{hint}") from e
    configure_engine(engine)
    return engine


def _sqlite_begin(connection: Connection) -> None:
    # SQLAlchemy's documented pysqlite recipe; csat's writes take the lock at BEGIN.
    write = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def configure_engine(engine: Engine) -> Engine:
    """Install csat's SQLite connection set-up on ``engine`` (once; others untouched)."""
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _sqlite_connect):
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        engine.pool.dispose()  # connections made before now lack the set-up
    return engine


def make_sessionmaker(bind: str | URL | Engine | sessionmaker[Session]) -> sessionmaker[Session]:
    """A sessionmaker for a URL, an Engine or an existing sessionmaker."""
    if isinstance(bind, sessionmaker):
        engine = bind.kw.get("bind")
        if isinstance(engine, Engine):
            configure_engine(engine)
        return bind
    engine = configure_engine(bind) if isinstance(bind, Engine) else create_csat_engine(bind)
    return sessionmaker(engine, expire_on_commit=False)


def masked_url(url: str | URL) -> str:
    """The URL with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid URL>"


def execute_update(session: Session, statement: Executable) -> int:
    """Run an UPDATE/DELETE and return how many rows it matched."""
    result = session.execute(statement)
    return int(cast(CursorResult[Any], result).rowcount)


def insert_ignoring_duplicates(
    session: Session, table: type[DeclarativeBase], rows: list[dict[str, Any]]
) -> None:
    """INSERT rows, silently skipping those that violate a unique key.

    Race-free on every supported database (``ON CONFLICT DO NOTHING`` on
    PostgreSQL and SQLite, ``INSERT IGNORE`` on MariaDB/MySQL).
    """
    if not rows:
        return
    from sqlalchemy.dialects import postgresql, sqlite  # only when needed: import time

    name = session.get_bind().dialect.name
    statement: Any
    if name == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing()
    elif name == "sqlite":
        statement = sqlite.insert(table).on_conflict_do_nothing()
    elif name in ("mysql", "mariadb"):
        statement = insert(table).prefix_with("IGNORE")
    else:  # pragma: no cover - other dialects are not supported
        raise NotImplementedError(f"unsupported database dialect {name!r}")
    session.execute(statement, rows)


#: How to create csat's tables on the database an error names: the plain
#: ``csat db upgrade`` would migrate ``CSAT_DATABASE_URL``, maybe another one.
UPGRADE_ADVICE = (
    "create csat's tables on this database: run `csat db upgrade --db URL`, "
    "`flask csat db upgrade` in the Flask app, or csat.storage.migrate.upgrade(engine)"
)


def database_error(engine: Engine, error: DBAPIError) -> DatabaseError:
    """A one-line :class:`DatabaseError` for a driver error, naming the database
    (password masked) and, for a missing table, how to create csat's tables there."""
    lines = str(error.orig if error.orig is not None else error).strip().splitlines()
    message = lines[0] if lines else type(error).__name__
    if "no such table" in message or "does not exist" in message or "doesn't exist" in message:
        message += f" ({UPGRADE_ADVICE})"
    return DatabaseError(masked_url(engine.url), message)


def retry_after_race(
    transaction: Callable[[], AbstractContextManager[C]], work: Callable[[C], T], attempts: int = 3
) -> T:
    """Run ``work`` in a new ``transaction()``, again after a lost unique-key race."""
    for attempt in range(1, attempts + 1):
        try:
            with transaction() as db:
                return work(db)
        except IntegrityError:
            if attempt == attempts:
                raise
    raise AssertionError("attempts must be at least 1")  # pragma: no cover
