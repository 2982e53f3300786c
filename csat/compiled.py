"""Statements compiled once and run on the driver's cursor.

A few statements sit on hot paths: the survey page's look-up of its token
(every page view and every submit) and the outbox's claims and marks.
For them SQLAlchemy's work per execution (an execution context, a result
object, events) costs more than the statement itself: the page's look-up
takes 29 µs through :meth:`~sqlalchemy.engine.Connection.execute` and 7 µs
on the SQLite cursor. :class:`CompiledStatement` compiles a statement once
for a dialect and keeps SQLAlchemy's own type processors for its parameters
and its columns, so values go in and come out as they would through
SQLAlchemy (e.g. :class:`~csat.models.UTCDateTime`'s aware datetimes). It runs
on a cursor of a connection the caller holds, in whatever transaction that
connection is in; a driver error becomes SQLAlchemy's
:class:`~sqlalchemy.exc.DBAPIError`, the connection invalidated on a
disconnect, as :meth:`~sqlalchemy.engine.Connection.execute` would raise it.
:func:`compiled_once` keeps each statement's compiled form per dialect.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Dialect
from sqlalchemy.exc import DBAPIError

Processor = Callable[[Any], Any]

_COMPILED: WeakKeyDictionary[Dialect, dict[Any, CompiledStatement]] = WeakKeyDictionary()


def compiled_once(dialect: Dialect, key: Any, make: Callable[[], Any]) -> CompiledStatement:
    """The statement ``make()`` compiled for ``dialect``, made on the first call
    for ``key`` (a hashable name for the statement, unique across csat)."""
    made = _COMPILED.setdefault(dialect, {})
    compiled = made.get(key)
    if compiled is None:
        compiled = made[key] = CompiledStatement(make(), dialect)
    return compiled


def driver_error(
    connection: Connection,
    error: Any,
    sql: str,
    cursor: Any,
    *,
    disconnected: bool | None = None,
) -> DBAPIError:
    """``error`` from the driver as SQLAlchemy wraps it; a disconnect (asked of
    the dialect unless the caller knows) invalidates ``connection``, so the
    next use takes a new one from the pool."""
    dialect = connection.dialect
    if disconnected is None:
        raw = None if connection.invalidated else connection.connection.dbapi_connection
        disconnected = dialect.is_disconnect(error, raw, cursor)
    if disconnected and not connection.invalidated:
        connection.invalidate(error)
    wrapped = DBAPIError.instance(
        sql,
        None,
        error,
        dialect.loaded_dbapi.Error,
        dialect=dialect,
        connection_invalidated=disconnected,
    )
    assert isinstance(wrapped, DBAPIError)  # ``error`` is one of the driver's
    return wrapped


class CompiledStatement:
    """``statement`` compiled for ``dialect``, with its bind and result processors."""

    __slots__ = ("_columns", "_results", "_row", "constants", "positions", "processors", "sql")

    def __init__(self, statement: Any, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql: str = compiled.string
        #: Parameter names in order, for drivers with positional parameters.
        self.positions: tuple[str, ...] | None = (
            tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
        )
        self.processors: dict[str, Processor] = {
            name: processor
            for name, bind in compiled.binds.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        #: Values the statement carries itself (e.g. ``status != 'pending'``).
        self.constants = {
            name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required
        }
        # A SELECT's columns, or those of an INSERT/UPDATE/DELETE … RETURNING.
        columns = list(getattr(statement, "exported_columns", ()))
        self._columns = columns
        #: Rows by column name, as SQLAlchemy's rows are read.
        self._row: Any = namedtuple("_Row", [column.key for column in columns]) if columns else None
        #: Result processors, made from the first result's cursor description.
        self._results: list[Processor | None] | None = None

    def params(self, values: Mapping[str, Any]) -> Any:
        """The driver's parameters for ``values`` (and the statement's own)."""
        processors = self.processors
        given = {**self.constants, **values} if self.constants else values
        if processors:
            given = {
                key: processors[key](value) if value is not None and key in processors else value
                for key, value in given.items()
            }
        if self.positions is not None:
            return tuple(given[name] for name in self.positions)
        return given

    def fetch_one(self, connection: Connection, values: Mapping[str, Any]) -> Any:
        """The first row for ``values`` (columns by name, values processed), or ``None``.

        Like :meth:`~sqlalchemy.engine.Connection.execute`, it begins the
        connection's transaction if none is begun, so that a rollback after an
        error reaches the driver."""
        rows = self._run(connection, self.params(values), fetch=lambda cursor: cursor.fetchmany(1))
        return rows[0] if rows else None

    def fetch_all(self, connection: Connection, values: Mapping[str, Any]) -> list[Any]:
        """Every row for ``values``, as :meth:`fetch_one` reads one."""
        return self._run(connection, self.params(values), fetch=lambda cursor: cursor.fetchall())

    def execute_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run the statement once per item of ``rows`` (the driver's ``executemany``)."""
        self._run(connection, [self.params(values) for values in rows], many=True)

    def _run(
        self,
        connection: Connection,
        params: Any,
        *,
        many: bool = False,
        fetch: Callable[[Any], list[Any]] | None = None,
    ) -> list[Any]:
        """Execute with ``params`` (a list of them if ``many``) on a new cursor of
        ``connection``'s transaction (begun if none is, as ``execute``'s autobegin
        does); the rows of ``fetch``, processed."""
        if not connection.in_transaction():
            connection.begin()
        cursor = connection.connection.cursor()
        try:
            if many:
                cursor.executemany(self.sql, params)
            else:
                cursor.execute(self.sql, params)
            rows = [] if fetch is None else fetch(cursor)
            if rows and self._results is None:
                self._results = self._result_processors(connection.dialect, cursor.description)
        except connection.dialect.loaded_dbapi.Error as e:
            raise driver_error(connection, e, self.sql, cursor) from e
        finally:
            cursor.close()
        if not rows:
            return []
        assert self._row is not None and self._results is not None
        make, processors = self._row._make, self._results
        return [
            make(
                value if processor is None or value is None else processor(value)
                for processor, value in zip(processors, row, strict=True)
            )
            for row in rows
        ]

    def _result_processors(self, dialect: Dialect, description: Any) -> list[Processor | None]:
        return [
            column.type.dialect_impl(dialect).result_processor(dialect, entry[1])
            for column, entry in zip(self._columns, description, strict=True)
        ]
