"""Shared helpers for the benchmarks: the BENCH line, timing, databases and baseline engines.

Every figure prints exactly one line ``BENCH name: value (target ...) ok|short``
(or ``BENCH name: skipped (reason)``), preceded by a few context lines.
"""

from __future__ import annotations

import os
import secrets
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
"""The repository root (the benchmarks run with it as working directory)."""

POSTGRESQL_URL = os.environ.get(
    "CSAT_BENCH_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
"""Admin URL of a loopback PostgreSQL; the benchmark creates its own database there."""

T = TypeVar("T")


class ServerUnavailableError(Exception):
    """A database server the benchmark needs cannot be reached."""


def bench(name: str, value: str, target: str, ok: bool) -> None:
    """Print the one BENCH line of a figure."""
    print(f"BENCH {name}: {value} (target {target}) {'ok' if ok else 'short'}", flush=True)


def skipped(name: str, reason: str) -> None:
    """Print the BENCH line of a figure that could not be measured."""
    print(f"BENCH {name}: skipped ({reason})", flush=True)


def note(name: str, message: str) -> None:
    """Print a context line for figure ``name``."""
    print(f"{name}: {message}", flush=True)


def timed(func: Callable[[], T]) -> tuple[T, float]:
    """Call ``func``; return its result and the wall time in seconds."""
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def median(values: list[float]) -> float:
    """The median of ``values``."""
    return statistics.median(values)


def per_second(count: int, seconds: float) -> float:
    """``count`` per second, safe for a zero duration."""
    return count / seconds if seconds > 0 else float("inf")


def first_line(error: BaseException) -> str:
    """A one-line description of ``error`` for a skip reason."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


@contextmanager
def throwaway_postgresql(admin_url: str = POSTGRESQL_URL) -> Iterator[str]:
    """Create database ``csat_bench_<hex>`` on the server, yield its URL, drop it after.

    :raises ServerUnavailableError: the server cannot be reached.
    """
    url = make_url(admin_url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as e:
        admin.dispose()
        where = url.render_as_string(hide_password=True)
        raise ServerUnavailableError(f"PostgreSQL not reachable at {where}: {first_line(e)}") from e
    name = f"csat_bench_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def baseline_engine(url: str) -> Engine:
    """An engine for a baseline, set up as a competent developer sets one up for
    a web app and a cron job sharing the database (no csat code involved).

    SQLite: WAL journal with ``synchronous=NORMAL`` (SQLite's advice for
    concurrent readers and a writer; a commit then waits for no fsync) and a
    busy timeout, the same settings csat uses, so a comparison measures the code
    and not the journal mode. PostgreSQL: psycopg 3 with ``pool_pre_ping``
    (SQLAlchemy's advice for long-running processes; csat pings too) and
    psycopg's defaults otherwise.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": 10})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.close()

        return engine
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True)
