"""PostgreSQL with psycopg: each of the outbox's marking transactions in one round trip.

Every ``mark_every`` messages the outbox writes the marks so far and looks
again at the next rows (see :mod:`csat.delivery.outbox`). Through a session
that takes six round trips to the server (pool ping, ``BEGIN``, ``SET LOCAL``,
the UPDATEs, the look-again SELECT, ``COMMIT``), and on a busy machine each
one waits for the server process to be scheduled. :class:`Pipeline` sends the
same statements, with an explicit ``BEGIN`` and ``COMMIT``, in psycopg's
pipeline mode over one autocommit connection held for the run: one round trip
for the same single transaction. The statements are those the other databases
run (:mod:`csat.delivery.marks`), compiled once for the connection's dialect,
with ``= ANY(array)`` for a list of ids, except that the marks setting the
same columns on several rows are one UPDATE over ``unnest`` of arrays
(:func:`bulk_mark_statement`): the server parses, plans and runs one statement
instead of ten (a flush of ten marks, measured in the send benchmark: 2.8–3.6
ms before, 1.9 ms after). The outbox also claims its batches
on this connection (:meth:`Pipeline.run`: one ``UPDATE … RETURNING``).

The usual flush, in the middle of a batch, is a single statement instead
(:func:`flush_statement`: the UPDATEs in a ``WITH``, the look-again query as
its result): its own transaction, sent in one packet. Pipelined, the five
statements went out in five packets, each waking the server process. Against
a 100-row table on an idle server, the client's CPU time per flush went from
0.49 to 0.15 ms and the wall time from 0.56 to 0.32 ms. The outbox sends it
with :meth:`Pipeline.begin_flush` and reads its result with
:meth:`Pipeline.end_flush` after the next email went out (with an SMTP
sender, both while the mail server works on an email): in pipeline mode
the server runs the statement as it arrives and commits at the sync that
reading sends, so its work (about 1.5 ms per flush in the send benchmark)
can overlap the SMTP exchange instead of following it: the marks' share of
the time per email there went from 0.27 to 0.18 ms. (Only partly: the kernel
often runs the woken server process on the sender's own core first.)

A failed transaction is rolled back and the connection given back through its
context manager, which turns the driver error into a
:class:`~csat.errors.DatabaseError`; the next use opens a new connection, so
the outbox runs the transaction again as it does with a session.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from functools import cache
from typing import Any, NoReturn, TypeVar

from sqlalchemy import Connection, Dialect
from sqlalchemy.exc import DBAPIError

from ..compiled import CompiledStatement, compiled_once, driver_error
from ..models import Invitation, metadata
from .marks import SYNC_OFF, gone_statement, mark_statement

Connect = Callable[[], AbstractContextManager[Connection]]
#: Marks grouped by the columns they set: rows of ``b_id`` and the columns' values.
Marks = dict[tuple[str, ...], list[dict[str, Any]]]
_INVITATIONS = metadata.tables[Invitation.__tablename__]
T = TypeVar("T")


def supported(dialect: Dialect) -> bool:
    """Whether ``dialect`` can run a :class:`Pipeline`: psycopg 3 on a libpq that pipelines."""
    if dialect.name != "postgresql" or dialect.driver != "psycopg":
        return False
    import psycopg

    return bool(psycopg.Pipeline.is_supported())


@cache
def _statements() -> dict[Any, Any]:
    from sqlalchemy import ARRAY, BigInteger, any_, bindparam, literal_column, null

    table = _INVITATIONS
    ids = table.c.id == any_(bindparam("ids", type_=ARRAY(BigInteger())))
    ours = table.c.claim_id == bindparam("b_claim")
    return {
        "unattempt": table.update()
        .where(ids, ours)
        .values(attempts=table.c.attempts - literal_column("1")),
        "release": table.update().where(ids, ours).values(claim_id=null(), claimed_until=null()),
        ("gone", False): gone_statement(ids, False),
        ("gone", True): gone_statement(ids, True),
    }


def bulk_mark_statement(keys: tuple[str, ...], varying: tuple[str, ...], prefix: str = "") -> Any:
    """One UPDATE for several rows' marks of the columns ``keys``: ``varying``
    ones from arrays (``a_<key>``, one item per row), the rest one value each;
    every parameter's name starts with ``prefix``.

    The rows come from ``unnest`` of the arrays, joined on the primary key. The
    guards are as in :func:`~csat.delivery.marks.mark_statement`, but written so
    that the key is the only index the planner can use: with the statistics of
    a table just filled (every row pending, the planner believing almost none
    is), a status guard as an index condition makes it read every pending row
    for each mark (milliseconds where the key takes microseconds)."""
    from sqlalchemy import ARRAY, bindparam, func

    table = _INVITATIONS
    arrays = ("id", *varying)
    rows = (
        func.unnest(
            *(bindparam(f"{prefix}a_{key}", type_=ARRAY(table.c[key].type)) for key in arrays)
        )
        .table_valued(*arrays)
        .render_derived(name=f"{prefix}v")
    )
    values = {key: rows.c[key] if key in varying else bindparam(prefix + key) for key in keys}
    return (
        table.update()
        .where(
            table.c.id == rows.c.id,
            table.c.claim_id == bindparam(f"{prefix}b_claim"),
            # Not if cancelled meanwhile; IS NOT DISTINCT FROM (the column is NOT
            # NULL: equality) is no index condition, so only the key finds rows.
            table.c.status.is_not_distinct_from(bindparam(f"{prefix}b_expected")),
        )
        .values(values)
    )


def _bulk_marks(
    keys: tuple[str, ...], rows: list[dict[str, Any]], prefix: str = ""
) -> tuple[Any, dict[str, Any]]:
    """The key of :func:`bulk_mark_statement` for ``rows`` (as grouped for
    :func:`~csat.delivery.marks.mark_statement`) and its parameters."""
    first = rows[0]
    varying = tuple(key for key in keys if any(row[key] != first[key] for row in rows))
    fixed = ("b_claim", "b_expected", *keys)
    params = {prefix + key: first[key] for key in fixed if key not in varying}
    params[f"{prefix}a_id"] = [row["b_id"] for row in rows]
    params.update({f"{prefix}a_{key}": [row[key] for row in rows] for key in varying})
    return ("bulk", keys, varying), params


def flush_statement(
    groups: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...], reminders: bool
) -> Any:
    """A flush in the middle of a batch as one statement (one transaction, one
    round trip, one packet each way): each group of marks (``keys``,
    ``varying``) an UPDATE of :func:`bulk_mark_statement` in a ``WITH`` (the
    ``n``-th group's parameters start with ``m<n>_``), and the look-again query
    of :func:`~csat.delivery.marks.gone_statement` (parameter ``ids``) as the
    result, outer-joined to ``set_config('synchronous_commit', 'off', true)``
    so that the commit does not wait for the disk (see :data:`~csat.delivery.marks.SYNC_OFF`).
    The marks touch other rows than the query, so their order does not matter.
    A row with a NULL id stands for no row."""
    from sqlalchemy import ARRAY, BigInteger, any_, bindparam, func, literal_column, select, true

    marks = [
        bulk_mark_statement(keys, varying, f"m{n}_").cte(f"csat_m{n}")
        for n, (keys, varying) in enumerate(groups)
    ]
    upcoming = _INVITATIONS.c.id == any_(bindparam("ids", type_=ARRAY(BigInteger())))
    gone = gone_statement(upcoming, reminders).subquery("csat_gone")
    settings = select(
        func.set_config(literal_column("'synchronous_commit'"), literal_column("'off'"), true())
    ).subquery("csat_settings")
    return select(gone.c.id).select_from(settings.outerjoin(gone, true())).add_cte(*marks)


class Pipeline:
    """The outbox's marking transactions on one connection (see the module docstring).

    :param connect: an autocommit connection, whose context manager maps driver errors.
    """

    def __init__(self, connect: Connect) -> None:
        self._connect = connect
        self._opened: AbstractContextManager[Connection] | None = None
        self._connection: Connection | None = None
        #: The pipeline, cursor and claim of a flush sent by begin_flush, not yet read.
        self._pending: tuple[AbstractContextManager[Any], Any, str] | None = None

    def close(self) -> None:
        """Give the connection back (at the end of the run)."""
        opened, self._opened, self._connection = self._opened, None, None
        if opened is not None:
            opened.__exit__(None, None, None)

    def _open(self) -> Connection:
        assert self._pending is None, "a flush is still to be read: end_flush"
        if self._connection is None:
            opened = self._connect()
            self._connection = opened.__enter__()
            self._opened = opened
        return self._connection

    def _raw(self) -> tuple[Connection, Any]:
        """The connection and its psycopg connection (autocommit)."""
        import psycopg

        connection = self._open()
        raw = connection.connection.driver_connection
        assert isinstance(raw, psycopg.Connection) and raw.autocommit, "needs autocommit"
        return connection, raw

    @staticmethod
    def _statement(key: Any, dialect: Dialect) -> CompiledStatement:
        """The statement for ``key``, compiled once per dialect."""

        def make() -> Any:
            if isinstance(key, tuple) and key[:1] == ("bulk",):
                return bulk_mark_statement(*key[1:])
            if isinstance(key, tuple) and key[:1] == ("flush",):
                return flush_statement(*key[1:])
            if isinstance(key, tuple) and key[:1] != ("gone",):
                return mark_statement(key)
            return _statements()[key]

        return compiled_once(dialect, ("pipeline", key), make)

    def mark(
        self,
        marks: Marks,
        *,
        claim_id: str,
        upcoming: Sequence[int] = (),
        reminders: bool = False,
        release: Sequence[int] = (),
        unattempted: Sequence[int] = (),
    ) -> set[int]:
        """In one transaction: write ``marks``, give the ``unattempted`` rows their
        attempt back and end the claim on ``release``; returns the ids of the
        ``upcoming`` rows not to send any more (cancelled or, for a reminder,
        answered), whose claim and attempt are then given back as well."""
        if not (unattempted or release) and self.begin_flush(
            marks, claim_id=claim_id, upcoming=upcoming, reminders=reminders
        ):
            return self.end_flush()
        guard = {"b_claim": claim_id}
        found = self._steps(marks, guard, upcoming, reminders, release, unattempted)
        return self._released({row[0] for row in found}, claim_id)

    def _released(self, skip: set[int], claim_id: str) -> set[int]:
        """``skip``, after giving those rows their attempt back and ending their claim."""
        if skip:
            back = {"ids": sorted(skip), "b_claim": claim_id}
            self._transaction([("unattempt", back), ("release", back)], (), sync_off=False)
        return skip

    def begin_flush(
        self, marks: Marks, *, claim_id: str, upcoming: Sequence[int], reminders: bool
    ) -> bool:
        """Send :meth:`mark`'s usual flush (marks, and ``upcoming`` to look at again)
        as one statement, to be read by :meth:`end_flush`: the server runs it
        meanwhile, and commits when it is read. ``False`` (nothing sent) for
        another kind of transaction: use :meth:`mark`."""
        import psycopg

        if not (marks and upcoming) or self._pending is not None:
            return False
        groups, params = [], {"ids": list(upcoming)}
        for n, (keys, rows) in enumerate(marks.items()):
            key, values = _bulk_marks(keys, rows, f"m{n}_")
            groups.append(key[1:])
            params.update(values)
        connection, raw = self._raw()
        statement = self._statement(("flush", tuple(groups), reminders), connection.dialect)
        pipeline = raw.pipeline()
        try:
            pipeline.__enter__()
        except psycopg.Error as e:
            self._fail(connection, raw, e, statement.sql)
        self._pending = (pipeline, raw.cursor(), claim_id)
        try:
            self._pending[1].execute(statement.sql, statement.params(params))  # not waited for
        except psycopg.Error as e:
            self._end(e, statement.sql)
        return True

    def end_flush(self) -> set[int]:
        """The result of :meth:`begin_flush`: the ids of the upcoming rows not to
        send any more, released as :meth:`mark` releases them."""
        assert self._pending is not None, "begin_flush first"
        claim_id = self._pending[2]
        rows = self._end(None, "COMMIT")
        return self._released({row[0] for row in rows if row[0] is not None}, claim_id)

    def _end(self, error: BaseException | None, sql: str) -> list[Any]:
        """Leave the pipeline of :meth:`begin_flush` (psycopg syncs: the server commits
        and the results come back); its rows. With ``error``, fail as :meth:`_fail`."""
        import psycopg

        assert self._pending is not None
        pipeline, cursor, _ = self._pending
        self._pending = None
        try:
            try:
                pipeline.__exit__(None, None, None)
                rows: list[Any] = [] if error is not None else cursor.fetchall()
            except psycopg.Error as e:
                error = error or e
            if error is not None:
                self._fail(*self._raw(), error, sql)
            return rows
        finally:
            cursor.close()

    def _steps(
        self,
        marks: Marks,
        guard: dict[str, Any],
        upcoming: Sequence[int],
        reminders: bool,
        release: Sequence[int],
        unattempted: Sequence[int],
    ) -> list[Any]:
        """:meth:`mark` as a transaction of one statement each; the look-again rows."""
        steps: list[tuple[Any, dict[str, Any]]] = [
            (keys, rows[0]) if len(rows) == 1 else _bulk_marks(keys, rows)
            for keys, rows in marks.items()
        ]
        if unattempted:
            steps.append(("unattempt", {"ids": list(unattempted), **guard}))
        if release:
            steps.append(("release", {"ids": list(release), **guard}))
        query = ((("gone", reminders), {"ids": list(upcoming)}),) if upcoming else ()
        return self._transaction(steps, query, sync_off=bool(marks))

    def _transaction(
        self,
        steps: Sequence[tuple[Any, dict[str, Any]]],
        query: Sequence[tuple[Any, dict[str, Any]]],
        *,
        sync_off: bool,
    ) -> list[Any]:
        """``BEGIN``, each step (one statement each), the query, ``COMMIT``: one
        round trip; the query's rows."""
        import psycopg

        connection, raw = self._raw()
        dialect = connection.dialect
        cursor, reader = raw.cursor(), raw.cursor()
        sql = "BEGIN"
        try:
            with raw.pipeline():
                cursor.execute("BEGIN")
                if sync_off:
                    # A crash may lose the last marks; their rows are then sent again
                    # with the same Message-ID, as after a sender crash.
                    cursor.execute(str(SYNC_OFF))
                for key, params in steps:
                    statement = self._statement(key, dialect)
                    sql = statement.sql
                    cursor.execute(sql, statement.params(params))
                for key, params in query:
                    statement = self._statement(key, dialect)
                    sql = statement.sql
                    reader.execute(sql, statement.params(params))
                cursor.execute("COMMIT")
            return reader.fetchall() if query else []
        except psycopg.Error as e:
            self._fail(connection, raw, e, sql)
        finally:
            cursor.close()
            reader.close()

    def run(self, work: Callable[[Connection], T]) -> T:
        """Call ``work`` with the connection (autocommit: each statement is its own
        transaction, e.g. the claim's ``UPDATE … RETURNING``)."""
        connection = self._open()
        try:
            result = work(connection)
            connection.commit()  # ends SQLAlchemy's transaction; nothing to send
        except DBAPIError as e:
            opened, self._opened, self._connection = self._opened, None, None
            assert opened is not None
            opened.__exit__(type(e), e, e.__traceback__)
            raise
        return result

    def _fail(self, connection: Connection, raw: Any, error: Any, sql: str) -> NoReturn:
        """Roll back, give the connection back (the next use opens a new one) and
        raise the error as the connection's context manager maps it."""
        import psycopg

        disconnected = raw.closed or connection.dialect.is_disconnect(error, raw, None)
        if not disconnected:
            try:
                raw.rollback()
            except psycopg.Error:
                disconnected = True
        wrapped = driver_error(connection, error, sql, None, disconnected=disconnected)
        opened, self._opened, self._connection = self._opened, None, None
        assert opened is not None
        opened.__exit__(type(wrapped), wrapped, wrapped.__traceback__)
        raise wrapped from error
