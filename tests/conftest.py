"""Shared fixtures: databases (SQLite always; PostgreSQL and MariaDB when
reachable, required in CI), a fixed clock and a ready service.

Each server run gets its own throw-away database (``csat_test_<random>``),
so concurrent runs on one machine never see each other's rows.
"""

from __future__ import annotations

import os
import secrets
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from csat import FixedClock, Settings, SurveyService
from csat.storage.engine import create_csat_engine
from csat.storage.models import metadata


def run_concurrently(target: Callable[[int], T], count: int) -> list[T]:
    """Run ``target(i)`` in ``count`` threads released at once; re-raise any error."""
    barrier = threading.Barrier(count)
    results: list[T] = []
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results.append(target(i))
        except BaseException as e:  # pragma: no cover - re-raised below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SERVER_URLS = {
    "postgresql": os.environ.get(
        "CSAT_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    ),
    "mariadb": os.environ.get(
        "CSAT_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4"
    ),
}
DATABASES = ("sqlite", "postgresql", "mariadb")
T = TypeVar("T")
SECRET = "test-secret-key-0123456789abcdef"
T0 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)


@contextmanager
def scratch_database(server_url: str, prefix: str) -> Iterator[str]:
    """Create a throw-away database on the server of ``server_url``; drop it after."""
    url = make_url(server_url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{secrets.token_hex(4)}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        yield url.set(database=name).render_as_string(hide_password=False)
        force = " WITH (FORCE)" if url.get_backend_name() == "postgresql" else ""
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE {name}{force}"))
    finally:
        admin.dispose()


@pytest.fixture(autouse=True)
def _flask_cli_marker_cleared() -> Iterator[None]:
    """Undo Flask's process-wide mark of its CLI after each test.

    ``FlaskGroup`` sets ``FLASK_RUN_FROM_CLI=true`` in ``os.environ`` when a
    test runs ``flask …`` in-process; a later subprocess inherits it, and its
    ``app.run()`` then returns at once instead of serving.
    """
    yield
    os.environ.pop("FLASK_RUN_FROM_CLI", None)


def unavailable(message: str) -> NoReturn:
    """Skip a test whose real component is missing; with CI=true, fail instead."""
    if IN_CI:
        pytest.fail(f"CI=true requires it: {message}", pytrace=False)
    pytest.skip(message)


def _server_database(kind: str) -> Iterator[str]:
    url = make_url(SERVER_URLS[kind])
    probe = create_engine(url)
    try:
        with probe.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as e:
        unavailable(f"{kind} not reachable at {url.render_as_string()}: {e}")
    finally:
        probe.dispose()
    with scratch_database(SERVER_URLS[kind], "csat_test") as scratch:
        yield scratch


@pytest.fixture(scope="session", params=DATABASES)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An empty database of each kind, for the whole session."""
    kind: str = request.param
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'csat.db'}"
        return
    yield from _server_database(kind)


@pytest.fixture(scope="session")
def _schema_engine(database_url: str) -> Iterator[Engine]:
    engine = create_csat_engine(database_url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(_schema_engine: Engine) -> Iterator[Engine]:
    """An engine on a database with csat's tables, emptied after each test."""
    yield _schema_engine
    with _schema_engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def db_kind(engine: Engine) -> str:
    """``sqlite``, ``postgresql`` or ``mariadb``/``mysql``."""
    return engine.dialect.name


@pytest.fixture
def clock() -> FixedClock:
    """A clock standing at T0 until moved."""
    return FixedClock(T0)


@pytest.fixture
def settings() -> Settings:
    """Default settings with a test secret key."""
    return Settings(secret_key=SECRET)


@pytest.fixture
def service(engine: Engine, settings: Settings, clock: FixedClock) -> SurveyService:
    """A service on the test database with the fixed clock."""
    return SurveyService(engine, settings=settings, clock=clock)


@pytest.fixture
def fresh_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Another new, empty database of the same kind (a new file for SQLite).

    For tests that must start from nothing, e.g. migrations: the session
    database of ``database_url`` already holds csat's tables.
    """
    if make_url(database_url).get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    with scratch_database(database_url, "csat_fresh") as scratch:
        yield scratch


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    """A path for a private SQLite file."""
    return tmp_path / "private.db"


# -- a real headless Chromium (Debian's), driven by Playwright -----------------------

CHROMIUM = os.environ.get("CSAT_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

try:
    from playwright import sync_api as playwright_sync
except ImportError:  # pragma: no cover - dev extra missing
    playwright_sync = None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium, headless; skipped (failed with CI=true) where it is missing."""
    if playwright_sync is None:
        unavailable("playwright not installed (pip install -e '.[dev]')")
    if shutil.which(CHROMIUM) is None:
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests keep their screenshots: ``<basetemp>/screenshots``."""
    folder = tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(exist_ok=True)
    return folder
