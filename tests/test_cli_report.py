"""``csat report``, ``csat metrics`` and ``csat export`` on a migrated SQLite file."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result

from csat.cli.main import cli
from csat.cli.report import previous_month
from csat.config import DEFAULTS
from csat.storage.engine import create_csat_engine
from tests.follow_up_data import OCTOBER, add_cases
from tests.metrics_data import Row, add_responses
from tests.report_pdf import pdf_text

CLEAN_ENV: dict[str, str | None] = dict.fromkeys(DEFAULTS)
AT = datetime(2026, 10, 8, 10, tzinfo=UTC)


def run(*args: str) -> Result:
    """Invoke ``csat`` with ``args`` in a clean environment."""
    return CliRunner().invoke(cli, list(args), env=CLEAN_ENV, catch_exceptions=False)


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A migrated SQLite file with 12 October responses: 3 teams, one with one response."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run("db", "upgrade", "--db", url).exit_code == 0
    engine = create_csat_engine(url)
    rows = [Row(AT, 5, 5, 5, 6.0, team="A", email="kim@example.com") for _ in range(8)]
    rows += [Row(AT, 2, 4, 2, 3.0, team="B", comment='=HYPERLINK("x")') for _ in range(3)]
    rows += [Row(AT, 1, 1, 1, None, team="C", comment='said "hi"\nthen, -left', agent="@bo")]
    add_responses(engine, rows)
    engine.dispose()
    return url


def test_report_writes_the_default_path_and_prints_headlines(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("report", "--db", db, "--month", "2026-10")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("reports/csat-2026-10.pdf (")
    assert "  responses   12" in lines
    assert any(line.startswith("  understood  66.7% [") and "; " in line for line in lines)
    assert any(line.startswith("  ces         5.18 [") for line in lines)  # t-interval
    assert (tmp_path / "reports" / "csat-2026-10.pdf").exists()


def test_report_in_german_for_one_team(db: str, tmp_path: Path) -> None:
    out = tmp_path / "de.pdf"
    result = run("report", "--db", db, "--month", "2026-10", "--lang", "de", "--team", "A",
                 "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    text = pdf_text(out)
    assert "Kundenzufriedenheit – Oktober 2026" in text
    assert "Team: A" in text
    assert "100,0 % der Antwortenden verstanden" in text


def test_metrics_json_and_table(db: str) -> None:
    result = run("metrics", "--db", db, "--month", "2026-10", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    (month,) = data["groups"]
    assert month["responses"] == 12
    assert month["understood"]["successes"] == 8
    assert month["understood"]["n"] == 12
    assert month["understood"]["low"] < 8 / 12 < month["understood"]["high"]
    assert month["ces"]["mean"] == pytest.approx((8 * 6 + 3 * 3) / 11)
    assert month["ces"]["n"] == 11
    assert month["ces"]["low"] < month["ces"]["mean"] < month["ces"]["high"]  # t-interval
    table = run("metrics", "--db", db, "--month", "2026-10", "--by", "team")
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0].startswith("team ")
    assert [line.split()[0] for line in lines[1:]] == ["A", "B", "C"]  # all small: by name
    assert lines[3].endswith("(n < 10: not ranked)")


def test_metrics_json_holds_the_follow_up_cases(db: str) -> None:
    engine = create_csat_engine(db)
    add_cases(engine, OCTOBER)  # judged now: long after every due time
    engine.dispose()
    result = run("metrics", "--db", db, "--month", "2026-10", "--format", "json")
    assert result.exit_code == 0, result.output
    cases = json.loads(result.stdout)["follow_ups"]
    assert cases["needed"] == 4  # B's three (understood 2) and C's one
    assert cases["due_hours"] == [24.0, 48.0]
    overall = cases["overall"]
    assert (overall["opened"], overall["pending"], overall["never_contacted"]) == (6, 0, 2)
    assert (overall["in_time"]["successes"], overall["in_time"]["n"]) == (3, 6)
    assert overall["median_first_contact_seconds"] == 9.5 * 3600
    assert overall["outcomes"] == {
        "resolved": 1, "not_resolved": 1, "not_reachable": 1, "declined": 1
    }  # fmt: skip
    assert (overall["open_at_end"], overall["overdue_at_end"]) == (4, 2)
    assert [(t["key"], t["opened"], t["small"]) for t in cases["teams"]] == [
        ("A", 5, True),
        ("B", 1, True),
    ]
    one = run("metrics", "--db", db, "--month", "2026-10", "--format", "json", "--team", "B")
    assert json.loads(one.stdout)["follow_ups"]["overall"]["opened"] == 1


def test_export_csv_is_rfc_4180_and_neutralises_formulas(db: str) -> None:
    result = run("export", "--db", db, "--month", "2026-10")
    assert result.exit_code == 0, result.output
    raw = result.stdout_bytes.decode("utf-8")  # .stdout would translate line ends
    assert raw.count("\r\n") == 13  # header and 12 records end in CRLF; the \n inside stays
    rows = list(csv.DictReader(io.StringIO(raw, newline="")))
    assert len(rows) == 12
    assert "email" not in rows[0]
    assert "kim@example.com" not in result.stdout
    comments = {r["comment"] for r in rows}
    assert '\'=HYPERLINK("x")' in comments
    assert 'said "hi"\nthen, -left' in comments  # quoted, line break kept
    assert {r["agent"] for r in rows} == {"ana", "'@bo"}
    assert rows[0]["answered_at"] == "2026-10-08T10:00:00+00:00"


def test_export_with_email_and_as_json(db: str, tmp_path: Path) -> None:
    result = run("export", "--db", db, "--month", "2026-10", "--with-email")
    assert "kim@example.com" in result.stdout
    out = tmp_path / "out.json"
    result = run("export", "--db", db, "--month", "2026-10", "--format", "json", "--out", str(out))
    assert result.stdout == f"{out}: 12 response(s)\n"
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data) == 12
    assert "email" not in data[0]
    assert data[-1]["comment"] == 'said "hi"\nthen, -left'  # JSON needs no neutralising
    empty = run("export", "--db", db, "--month", "2025-01", "--format", "json")
    assert json.loads(empty.stdout) == []


@pytest.mark.parametrize("month", ["2026-1", "October", "2026-10-01", "２０２６-10", "2026-+1"])
def test_bad_month_is_a_one_line_usage_error(db: str, month: str) -> None:
    result = run("metrics", "--db", db, "--month", month)
    assert result.exit_code == 2
    assert result.stderr.startswith("csat: error: ")
    assert "is not a month in the form YYYY-MM" in result.stderr
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "0000-05"])
def test_month_in_the_right_form_but_not_a_month_says_so(db: str, month: str) -> None:
    """ "2026-13" is in the form YYYY-MM; the error must not claim otherwise."""
    result = run("metrics", "--db", db, "--month", month)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"csat: error: Invalid value for '--month': '{month}' is not a valid month"
    )
    assert "form YYYY-MM" not in result.stderr
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("now", "month"),
    [
        (datetime(2026, 11, 1, 6, 0, tzinfo=UTC), date(2026, 10, 1)),
        (datetime(2026, 11, 30, 23, 59, tzinfo=UTC), date(2026, 10, 1)),
        (datetime(2027, 1, 1, 0, 0, tzinfo=UTC), date(2026, 12, 1)),
        # 1 Nov 00:30 in Berlin is still 31 Oct in UTC: the month before is September.
        (datetime(2026, 11, 1, 0, 30, tzinfo=ZoneInfo("Europe/Berlin")), date(2026, 9, 1)),
    ],
)
def test_previous_month_is_the_last_complete_utc_month(now: datetime, month: date) -> None:
    assert previous_month(now) == month


def test_month_defaults_to_the_last_complete_month(db: str) -> None:
    """What a cron job on the first of the month wants, with no date arithmetic."""
    expected = previous_month()
    result = run("metrics", "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["month"] in {
        f"{expected:%Y-%m}",
        f"{previous_month():%Y-%m}",  # the month turned while the command ran
    }
    assert "default: the last complete month" in " ".join(run("report", "--help").output.split())
