"""csat.metrics.export on every database: one row per response; CSV and JSON writers."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
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


@pytest.mark.parametrize(
    "bad",
    [
        " =cmd|' /C calc'!A0",  # the agent name of the issue
        "\u00a0=1+1",  # no-break space
        "\u200b@SUM(A1)",  # zero-width space
        "\ufeff+1",  # byte order mark
        "\u2060\u3000-1",  # word joiner, ideographic space
        "\u202e=1",  # right-to-left override
        "＝1+1",  # fullwidth forms
        "＋1",
        "－1",
        "＠SUM(A1)",
        "﹦1",  # small form variant
        "|calc",
        "｜calc",
        "\nx",
    ],
)
def test_neutralise_sees_through_spaces_format_characters_and_fullwidth_forms(bad: str) -> None:
    assert export.neutralise(bad) == "'" + bad


def test_neutralise_leaves_plain_text() -> None:
    for fine in ("ana", "1st Level", " a = b", "\u00a0x", "", " ", "T-1", "user@example.com"):
        assert export.neutralise(fine) == fine


TEXT_COLUMNS = ("ticket_id", "team", "agent", "channel", "category", "locale", "comment", "email")
#: What a spreadsheet may skip before a formula, and what starts one (with fullwidth forms).
LEADERS = st.text(st.sampled_from(" \u00a0\u2007\u200b\u200e\u2060\ufeff\u3000\u2028\x00\ue000"))
STARTS = st.sampled_from("=+-@|\t\r＝＋－＠｜﹦﹢﹣﹫")
CELL_TEXT = st.text(st.characters(exclude_categories=["Cs"]))


def _one_cell_csv(column: str, value: str) -> tuple[str, str]:
    """The CSV text of a record with ``value`` in ``column``, and that cell read back."""
    record = dict.fromkeys((*export.COLUMNS, "email"), None) | {column: value}
    out = io.StringIO(newline="")
    export.write_csv(iter([record]), out, with_email=True)
    header, row = csv.reader(io.StringIO(out.getvalue(), newline=""))
    return out.getvalue(), row[header.index(column)]


def _looks_like_formula(cell: str) -> bool:
    """Independent oracle: the first visible character, NFKC, starts a formula."""
    breaks = ("\t", "\r", "\n")
    visible = "".join(c for c in cell if c in breaks or unicodedata.category(c)[0] not in "ZC")
    return visible[:1] in breaks or unicodedata.normalize("NFKC", visible)[:1] in tuple("=+-@|")


@given(column=st.sampled_from(TEXT_COLUMNS), lead=LEADERS, start=STARTS, rest=CELL_TEXT)
def test_every_text_column_neutralises_a_hidden_formula(
    column: str, lead: str, start: str, rest: str
) -> None:
    value = lead + start + rest
    _, cell = _one_cell_csv(column, value)
    assert cell == "'" + value


@given(column=st.sampled_from(TEXT_COLUMNS), value=CELL_TEXT)
def test_no_text_cell_reads_back_as_a_formula(column: str, value: str) -> None:
    text, cell = _one_cell_csv(column, value)
    assert cell in (value, "'" + value)
    assert cell.startswith("'") or not _looks_like_formula(cell)
    assert cell == value or _looks_like_formula(value)  # plain text stays as it is
    assert text.startswith('"') and text.count('","') >= len(export.COLUMNS)  # all quoted


def test_writers() -> None:
    record = dict.fromkeys(export.COLUMNS, None) | {"comment": '=cmd|"/c calc"', "team": "A,B"}
    out = io.StringIO(newline="")
    assert export.write_csv(iter([record]), out, with_email=False) == 1
    text = out.getvalue()
    assert text.endswith("\r\n")
    assert '"\'=cmd|""/c calc"""' in text
    assert '"A,B"' in text
    assert text.splitlines()[1].startswith('"","","",')  # every cell quoted (OWASP)
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed[0] == list(export.COLUMNS)
    out = io.StringIO()
    assert export.write_json(iter([record, record]), out) == 2
    assert json.loads(out.getvalue())[1]["comment"] == '=cmd|"/c calc"'
