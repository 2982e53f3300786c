"""Plumbing for :mod:`csat.cli`: one-line errors, option types, opening the database.

Every error a user can cause ends as exactly one line on stderr,
``csat: error: ...``, never a traceback. :class:`CSATGroup` maps errors in
one place: exit code 2 for bad input (click usage errors,
:class:`~csat.errors.InvalidInputError`, unknown survey), 1 for everything
else (configuration, database).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ClassVar

import click
from click.core import ParameterSource
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from ..config import DEFAULTS, Settings
from ..errors import CSATError, DatabaseError, InvalidInputError
from ..links import check_base_url
from ..service import SurveyService
from ..storage import migrate
from ..storage.engine import create_csat_engine, masked_url, normalize_url

#: Exit code for bad input (as click uses for usage errors).
EXIT_USAGE = 2
#: Exit code for failures of the environment (configuration, database).
EXIT_FAILURE = 1


def utc_minute(moment: datetime) -> str:
    """``moment`` for an operator: UTC to the minute, the zone named."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def one_line(message: object) -> str:
    """``message`` with all white space (newlines too) collapsed to single spaces."""
    return " ".join(str(message).split())


class CLIError(click.ClickException):
    """An error shown as one line, ``csat: error: <message>``; exit code 1."""

    exit_code: ClassVar[int] = EXIT_FAILURE

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))

    def show(self, file: IO[Any] | None = None) -> None:
        """Print the one-line message to stderr."""
        click.echo(f"csat: error: {self.format_message()}", file=file, err=file is None)


class CLIUsageError(CLIError):
    """Bad input, shown like :class:`CLIError`; exit code 2."""

    exit_code: ClassVar[int] = EXIT_USAGE


@contextmanager
def error_boundary() -> Iterator[None]:
    """Turn csat's errors, click usage errors and database errors into :class:`CLIError`."""
    try:
        yield
    except CLIError:
        raise
    except click.exceptions.NoArgsIsHelpError:
        raise  # shows the help text, as it should
    except click.UsageError as e:
        hint = f" (see '{e.ctx.command_path} --help')" if e.ctx is not None else ""
        raise CLIUsageError(f"{e.format_message()}{hint}") from e
    except InvalidInputError as e:
        raise CLIUsageError(str(e)) from e
    except CSATError as e:
        raise CLIError(str(e)) from e
    except DBAPIError as e:
        orig = e.orig if e.orig is not None else e
        raise CLIError(f"database error: {orig}") from e


class CSATGroup(click.Group):
    """A click group whose errors (its own and its commands') pass :func:`error_boundary`."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        """Parse the group's own options; usage errors become one line."""
        with error_boundary():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the chosen command; its errors become one line."""
        with error_boundary():
            return super().invoke(ctx)


if TYPE_CHECKING:
    _DateTimeType = click.ParamType[datetime]
else:  # click < 8.3 has no generic ParamType
    _DateTimeType = click.ParamType


class AwareDateTime(_DateTimeType):
    """An ISO-8601 date and time with a UTC offset (``2026-10-05T09:00:00+02:00``)."""

    name = "datetime"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        """Parse with :meth:`datetime.fromisoformat`; reject naive or malformed values."""
        if isinstance(value, datetime):
            parsed = value
        else:
            try:
                parsed = datetime.fromisoformat(str(value))
            except ValueError:
                self.fail(f"{value!r} is not an ISO-8601 date and time", param, ctx)
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            self.fail(f"{value!r} has no timezone; add an offset such as +00:00 or Z", param, ctx)
        return parsed


def db_option(function: Any) -> Any:
    """The ``--db URL`` option every command takes."""
    return click.option(
        "--db",
        "db_url",
        metavar="URL",
        envvar="CSAT_DATABASE_URL",
        show_envvar=True,
        default=DEFAULTS["CSAT_DATABASE_URL"],
        show_default=True,
        help="SQLAlchemy database URL.",
    )(function)


#: Key of :attr:`click.Context.meta` under which ``flask csat`` passes the engine
#: of the app's extension (``CSAT(app, db=db)``'s engine, say) to the commands.
HOST_ENGINE = "csat.host_engine"


def host_engine() -> Engine | None:
    """The engine of the Flask app's csat extension, under ``flask csat``.

    ``None`` for the plain ``csat`` command, or when ``--db`` was given on the
    command line (then that database is meant).
    """
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return None
    engine = ctx.meta.get(HOST_ENGINE)
    if not isinstance(engine, Engine):
        return None
    if ctx.get_parameter_source("db_url") is ParameterSource.COMMANDLINE:
        return None
    return engine


def command_bind(db_url: str) -> str | Engine:
    """What a command works on: the app's engine under ``flask csat``, else ``db_url``."""
    engine = host_engine()
    return db_url if engine is None else engine


def settings_for(db_url: str, *, base_url: str | None = None, secret: bool) -> Settings:
    """``CSAT_*`` settings from the environment, with the command line's overrides.

    :param secret: the command needs ``CSAT_SECRET_KEY`` (checked now, before any work).
    """
    settings = Settings.from_env().replace(database_url=db_url)
    if base_url is not None:
        settings = settings.replace(base_url=check_base_url(base_url))
    if secret:
        settings.require_secret_key()
    return settings


def missing_sqlite_file(db_url: str) -> bool:
    """True for a SQLite URL whose file does not exist (connecting would create it)."""
    url = normalize_url(db_url)
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return False
    if database.startswith("file:") or url.query.get("uri"):
        return False
    return not Path(database).exists()


@contextmanager
def migrated_engine(db_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to the current revision; never creates tables.

    Under ``flask csat`` it is the engine of the app's extension (see :func:`host_engine`).
    """
    engine = host_engine()
    if engine is not None:
        migrate.require_current(engine)
        yield engine
        return
    if missing_sqlite_file(db_url):
        raise DatabaseError(
            masked_url(db_url), "the database file does not exist; run `csat db upgrade` first"
        )
    engine = create_csat_engine(db_url)
    try:
        migrate.require_current(engine)
        yield engine
    finally:
        engine.dispose()


@contextmanager
def open_service(settings: Settings) -> Iterator[SurveyService]:
    """A :class:`SurveyService` on ``settings.database_url`` (which must be migrated)."""
    with migrated_engine(settings.database_url) as engine:
        yield SurveyService(engine, settings=settings)


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[[int], None] | None]:
    """A click progress bar on stderr when it is a terminal; ``None`` otherwise."""
    if total == 0 or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update
