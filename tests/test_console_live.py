"""The console's live view through Flask's test client: its figures against
``csat metrics --format json``, the month and team validation, the access rule,
the PDF and CSV downloads, and a bounded number of statements."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import Engine, event

from csat import FixedClock
from csat.cli.main import cli
from csat.config import DEFAULTS
from csat.storage.engine import create_csat_engine
from csat.web import get_service
from csat.web.console.live import safe_filename
from tests.live_data import NOW, add_year
from tests.metrics_data import Row, add_responses

from .web import make_app

CLEAN_ENV: dict[str, str | None] = dict.fromkeys(DEFAULTS)


class Figures(HTMLParser):
    """The ``data-*`` attributes of the page's figures: the headline rows by measure,
    the quadrant cells by name, and the unit tables' rows."""

    def __init__(self) -> None:
        super().__init__()
        self.headline: dict[str, dict[str, str]] = {}
        self.quadrants: dict[str, int] = {}
        self.units: dict[str, dict[str, dict[str, str]]] = {}
        self._by: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "tr" and "data-measure" in found:
            self.headline[found["data-measure"]] = found
        elif tag == "td" and "data-quadrant" in found:
            self.quadrants[found["data-quadrant"]] = int(found["data-count"])
        elif tag == "table" and "data-by" in found:
            self._by = found["data-by"]
            self.units[self._by] = {}
        elif tag == "tr" and "data-name" in found and self._by is not None:
            self._row = self.units[self._by].setdefault(found["data-name"], {})
        elif tag == "td" and self._by is not None:
            self._row.update({k: v for k, v in found.items() if k.startswith("data-")})

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._by = None


def figures(page: str) -> Figures:
    parser = Figures()
    parser.feed(page)
    return parser


def number(text: str) -> float | None:
    return None if text == "None" else float(text)


@pytest.fixture
def app(engine: Engine) -> Flask:
    """A host whose rule lets everyone in as "lea", the clock in October 2026."""
    return make_app(engine, FixedClock(NOW), console_access=lambda: "lea")


@pytest.fixture(scope="module")
def year_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite file with the demo-like year, for the CLI to read as well."""
    url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'csat.db'}"
    result = CliRunner().invoke(cli, ["db", "upgrade", "--db", url], env=CLEAN_ENV)
    assert result.exit_code == 0, result.output
    engine = create_csat_engine(url)
    add_year(engine)
    engine.dispose()
    return url


def _cli_metrics(url: str, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        cli, ["metrics", "--db", url, "--format", "json", *args], env=CLEAN_ENV
    )
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


@pytest.mark.parametrize("month", ["2026-10", "2026-09"])
@pytest.mark.parametrize("team", [None, "2nd Level"])
def test_the_figures_equal_csat_metrics_for_the_same_month(
    year_db: str, month: str, team: str | None
) -> None:
    engine = create_csat_engine(year_db)
    try:
        app = make_app(engine, FixedClock(NOW), console_access=lambda: "lea")
        query = {"month": month, **({"team": team} if team else {})}
        page = app.test_client().get("/csat/live", query_string=query)
    finally:
        engine.dispose()
    assert page.status_code == 200, page.text
    shown = figures(page.text)
    args = ("--month", month, *(("--team", team) if team else ()))
    (cli_month,) = _cli_metrics(year_db, *args)["groups"]
    for measure in ("understood", "helped", "csat", "response_rate"):
        row, expected = shown.headline[measure], cli_month[measure]
        assert int(row["data-n"]) == expected["n"], measure
        for key in ("value", "low", "high"):
            assert number(row[f"data-{key}"]) == pytest.approx(expected[key]), (measure, key)
    ces = shown.headline["ces"]
    assert int(ces["data-n"]) == cli_month["ces"]["n"]
    assert number(ces["data-value"]) == pytest.approx(cli_month["ces"]["mean"])
    assert number(ces["data-low"]) == pytest.approx(cli_month["ces"]["low"])
    assert number(ces["data-high"]) == pytest.approx(cli_month["ces"]["high"])
    assert shown.quadrants == cli_month["quadrants"]
    if team is not None:
        assert "team" not in shown.units  # one team: nothing to compare it with
    for by in ("agent",) if team else ("team", "agent"):
        groups = _cli_metrics(year_db, *args, "--by", by)["groups"]
        expected_units = {g["key"]: g for g in groups if not g["small"]}
        assert set(shown.units[by]) == set(expected_units), by  # small groups not shown
        for name, row in shown.units[by].items():
            for measure in ("understood", "helped"):
                assert float(row[f"data-{measure}"]) == pytest.approx(
                    expected_units[name][measure]["value"]
                ), (by, name, measure)
    if team is not None:
        assert "finn" not in shown.units["agent"]  # 2nd Level's 4 a month: below the minimum n


def test_the_page_shows_the_trend_funnels_and_the_planted_agent(app: Flask) -> None:
    add_year(get_service(app).engine)
    client = app.test_client()
    page = client.get("/csat/live", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    text = page.text
    assert "<h1>Live view: October 2026 (so far)</h1>" in text
    assert "Understood, helped and CSAT, November 2025 to October 2026" in text
    assert text.count('<svg viewBox="0 0 400 240" role="img"') == 5  # trend and 4 funnels
    assert "<script" not in text
    assert "bob (below the 99.8\u00a0% limit)" in text  # understood only 30 % of the time
    assert re.search(r'<tr data-name="bob"><th scope="row">bob', text)
    assert '<li data-name="bob"><strong>bob</strong>: solves, but leaves people unheard' in text
    assert 'href="/csat/live/report.pdf?month=2026-10&amp;lang=en"' in text
    assert 'href="/csat/live/export.csv?month=2026-10"' in text
    assert 'href="/csat/live"' in text  # the console's bar
    headline = text.split('<table class="figures">')[1].split("</table>")[0]
    intervals = re.findall(r"<td data-label=\"Interval\">([^<]*)</td>", headline)
    assert len(intervals) == 5 and all(re.fullmatch(r"\[\d+\.\d; \d+\.\d\]", i) for i in intervals)
    assert "pp [" in headline  # a change: + or − pp with its interval in the same notation
    german = client.get("/csat/live?month=2026-09", headers={"Accept-Language": "de"}).text
    assert "Live-Ansicht: September 2026" in german
    assert "lang=de" in german
    assert "Verstanden" in german and "Geholfen" in german


@pytest.mark.parametrize(
    "query",
    [
        "month=2026-13",
        "month=2026-1",
        "month=26-10",
        "month=2026-11",  # after the current month
        "month=1999-12",
        "month=%EF%BC%92026-10",  # a fullwidth digit
        "month=2026-10%0D%0A",
        "team=Nobody",
        "team=" + "x" * 300,
        "team=1st%20Level%0A",
    ],
)
def test_junk_in_the_month_or_team_is_400(app: Flask, query: str) -> None:
    add_responses(get_service(app).engine, [Row(NOW, team="1st Level")])
    client = app.test_client()
    for path in ("/csat/live", "/csat/live/export.csv", "/csat/live/report.pdf"):
        page = client.get(f"{path}?{query}")
        assert page.status_code == 400, (path, query)
        assert "This month or team cannot be shown" in page.text
    assert client.get("/csat/live?team=1st%20Level&month=2026-10").status_code == 200
    assert client.get("/csat/live/report.pdf?lang=fr").status_code == 400


def test_the_live_view_and_its_downloads_follow_the_console_access_rule(
    engine: Engine,
) -> None:
    answers = [False, None, ""]
    refusing = make_app(engine, FixedClock(NOW), console_access=lambda: answers.pop(0))
    client = refusing.test_client()
    for path in ("/csat/live", "/csat/live/report.pdf", "/csat/live/export.csv"):
        page = client.get(path)
        assert page.status_code == 403, path
        assert "You have no access" in page.text
    unset = make_app(engine, FixedClock(NOW)).test_client()
    assert unset.get("/csat/live/export.csv").status_code == 403


def test_the_pdf_download_is_the_months_report(app: Flask, tmp_path: Path) -> None:
    add_year(get_service(app).engine)
    client = app.test_client()
    got = client.get("/csat/live/report.pdf?month=2026-09&lang=de&team=2nd%20Level")
    assert got.status_code == 200 and got.mimetype == "application/pdf"
    assert got.data.startswith(b"%PDF")
    disposition = got.headers["Content-Disposition"]
    assert disposition == 'attachment; filename="csat-report-2026-09-2nd-level.pdf"'
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.fail("pdftotext is missing (apt-get install poppler-utils)")
    path = tmp_path / "report.pdf"
    path.write_bytes(got.data)
    text = subprocess.run(
        [pdftotext, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "September 2026" in text and "2nd Level" in text
    assert "Verstanden" in text  # the German report


def test_without_matplotlib_the_pdf_link_says_what_to_install(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """matplotlib is imported when the first page is drawn: hidden, that import fails."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    for name in [m for m in sys.modules if m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    page = app.test_client().get("/csat/live/report.pdf?month=2026-09")
    assert page.status_code == 503
    assert "The PDF report is not installed" in page.text
    assert "<code>pip install 'csat-surveys[report]'</code>" in page.text


def test_the_csv_download_is_the_months_export(app: Flask) -> None:
    add_year(get_service(app).engine)
    got = app.test_client().get("/csat/live/export.csv?month=2026-09&team=Field%20Service")
    assert got.status_code == 200 and got.mimetype == "text/csv"
    assert got.headers["Content-Disposition"] == (
        'attachment; filename="csat-export-2026-09-field-service.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(got.get_data(as_text=True))))
    assert len(rows) == 18 + 16 + 15  # gus, hana and ivo in September
    assert {r["team"] for r in rows} == {"Field Service"}
    assert all(r["answered_at"].startswith("2026-09") for r in rows)
    assert "email" not in rows[0]


@pytest.mark.parametrize(
    ("team", "expected"),
    [
        (None, "csat-x-2026-10.pdf"),
        ("1st Level", "csat-x-2026-10-1st-level.pdf"),
        ('a"b\r\nc', "csat-x-2026-10-a-b-c.pdf"),
        ("Äöü 支援", "csat-x-2026-10-team.pdf"),
    ],
)
def test_download_names_are_plain_ascii(team: str | None, expected: str) -> None:
    from datetime import date

    from csat.web.console.live import Choice

    choice = Choice(date(2026, 10, 1), date(2026, 10, 1), team, [])
    assert safe_filename("x", choice, "pdf") == expected


def test_the_live_view_runs_the_same_number_of_statements_for_more_data(
    app: Flask, engine: Engine
) -> None:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    def run(path: str) -> int:
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert app.test_client().get(path).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    add_responses(engine, [Row(NOW, team="1st Level", agent="amy")])
    one = (run("/csat/live"), run("/csat/live?team=1st%20Level&month=2026-10"))
    add_year(engine)
    many = (run("/csat/live"), run("/csat/live?team=1st%20Level&month=2026-10"))
    assert many == one, (one, many)
    assert max(many) <= 40, many  # the report's queries, a fixed set
