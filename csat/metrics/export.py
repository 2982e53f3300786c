"""One row per response of a month, as CSV (RFC 4180) or JSON.

Rows are streamed from the database in batches, never all at once. Every CSV
cell is quoted, and a text cell that a spreadsheet would run as a formula is
prefixed with ``'`` (OWASP's CSV-injection advice; see :func:`neutralise`). The
customer's email address is included only when asked for.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterator
from datetime import date
from typing import IO, Any

from sqlalchemy import Engine, select

from ..storage.models import Invitation, Response
from . import month_bounds

COLUMNS = (
    "response_id",
    "ticket_id",
    "answered_at",
    "team",
    "agent",
    "channel",
    "category",
    "locale",
    "understood_score",
    "helped_score",
    "overall_score",
    "effort_score",
    "comment",
)
#: Characters that make a spreadsheet read a cell as a formula (or DDE command)
#: when a cell starts with them, after NFKC (so fullwidth ``＝`` counts as ``=``).
FORMULA_STARTS = frozenset("=+-@|\t\r\n")
#: Unicode major categories a spreadsheet may skip before a formula: separators
#: (``Z``: spaces, NBSP among them) and "other" (``C``: format characters such as
#: zero-width space, BOM and bidi marks; controls; private use; unassigned).
_SKIPPED_CATEGORIES = ("Z", "C")


def rows(
    engine: Engine, month: date, *, with_email: bool = False, team: str | None = None
) -> Iterator[dict[str, Any]]:
    """The month's responses, oldest first, as plain dicts (``email`` only if asked for)."""
    start, end = month_bounds(month)
    columns = [
        Response.id,
        Invitation.ticket_id,
        Response.answered_at,
        Response.team,
        Response.agent,
        Response.channel,
        Response.category,
        Response.locale,
        Response.understood_score,
        Response.helped_score,
        Response.overall_score,
        Response.effort_score,
        Response.texts,
    ]
    if with_email:
        columns.append(Invitation.email)
    query = (
        select(*columns)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .where(Response.answered_at >= start, Response.answered_at < end)
        .order_by(Response.answered_at, Response.id)
    )
    if team is not None:
        query = query.where(Response.team == team)
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=1000).execute(query)
        names = (*COLUMNS, "email") if with_email else COLUMNS
        try:
            for row in result:
                values = list(row)
                texts = values[12]
                values[2] = values[2].isoformat()
                values[12] = texts.get("comment") if isinstance(texts, dict) else None
                yield dict(zip(names, values, strict=True))
        finally:
            result.close()  # also when the caller stops early (server-side cursors)


def is_formula(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula.

    Its first character that is not a separator or an invisible (Unicode
    categories ``Z*`` and ``C*``), in NFKC form, is one of :data:`FORMULA_STARTS`
    (a tab, CR or LF counts by itself).
    """
    for char in text:
        if char in FORMULA_STARTS:
            return True
        if unicodedata.category(char).startswith(_SKIPPED_CATEGORIES):
            continue
        return unicodedata.normalize("NFKC", char)[:1] in FORMULA_STARTS
    return False


def neutralise(value: object) -> object:
    """A text cell a spreadsheet would evaluate, made inert with a leading ``'``."""
    if isinstance(value, str) and is_formula(value):
        return "'" + value
    return value


def write_csv(records: Iterator[dict[str, Any]], out: IO[str], *, with_email: bool) -> int:
    """Write ``records`` as RFC 4180 CSV (CRLF, every cell quoted); returns the row count."""
    names = (*COLUMNS, "email") if with_email else COLUMNS
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(names)
    count = 0
    for record in records:
        writer.writerow(["" if record[n] is None else neutralise(record[n]) for n in names])
        count += 1
    return count


def write_json(records: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """Write ``records`` as one JSON array, a row per line; returns the row count."""
    count = 0
    out.write("[")
    for record in records:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(record, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count
