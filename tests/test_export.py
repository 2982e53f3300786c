"""csat.metrics.export on every database: one row per response; CSV and JSON writers."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

from sqlalchemy import Engine

from csat.metrics import export
from tests.metrics_data import Row, add_responses

AT = datetime(2026, 10, 8, 10, tzinfo=UTC)


def test_rows_of_the_month_in_order(engine: Engine) -> None:
    add_responses(
        engine,
        [
            Row(AT.replace(hour=11), 4, 2, 3, 5.5, comment="zwei\nZeilen ü", email="b@example.com"),
            Row(AT, 1, None, None, None, team="B", category=None),
            Row(datetime(2026, 11, 1, tzinfo=UTC), 5, 5),  # November
        ],
    )
    rows = list(export.rows(engine, date(2026, 10, 1), with_email=True))
    assert [r["team"] for r in rows] == ["B", "1st Level"]
    first, second = rows
    assert first["helped_score"] is None
    assert first["category"] is None
    assert first["comment"] is None
    assert first["answered_at"] == "2026-10-08T10:00:00+00:00"
    assert second["comment"] == "zwei\nZeilen ü"
    assert second["effort_score"] == 5.5
    assert second["email"] == "b@example.com"
    assert second["ticket_id"].startswith("T-")
    assert all("email" not in r for r in export.rows(engine, date(2026, 10, 1)))
    stopped = export.rows(engine, date(2026, 10, 1))
    assert next(stopped)["team"] == "B"
    stopped.close()  # a caller that stops early releases the server-side cursor
    assert [r["team"] for r in export.rows(engine, date(2026, 10, 1), team="B")] == ["B"]


def test_neutralise() -> None:
    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert export.neutralise(bad) == "'" + bad
    assert export.neutralise("fine = ok") == "fine = ok"
    assert export.neutralise(-1) == -1  # numbers are data, not formulas


def test_writers() -> None:
    record = dict.fromkeys(export.COLUMNS, None) | {"comment": '=cmd|"/c calc"', "team": "A,B"}
    out = io.StringIO(newline="")
    assert export.write_csv(iter([record]), out, with_email=False) == 1
    text = out.getvalue()
    assert text.endswith("\r\n")
    assert '"\'=cmd|""/c calc"""' in text
    assert '"A,B"' in text
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed[0] == list(export.COLUMNS)
    out = io.StringIO()
    assert export.write_json(iter([record, record]), out) == 2
    assert json.loads(out.getvalue())[1]["comment"] == '=cmd|"/c calc"'
