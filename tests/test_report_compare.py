"""The report's page 1 and its comparisons of teams and agents, read back from the PDF:
the interval notation, the CES's direction and interval, the quadrant chart's title,
tables in name order, funnel verdicts and solution without empathy."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from csat.metrics import Mean, Quadrants, Share, Summary
from csat.report import Words, render_report
from csat.report.charts import team_scatter
from csat.storage.engine import create_csat_engine
from csat.storage.models import metadata
from tests.metrics_data import Row, add_responses
from tests.report_pdf import pdf_text

OCT = date(2026, 10, 1)
NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
AT = datetime(2026, 10, 8, 10, tzinfo=UTC)


def rows() -> list[Row]:
    """October: amy always understood and helped, bob helped but never understood
    (solution without empathy), cat 15 helped only and 15 understood only, dan too few;
    a September to compare."""
    october = [Row(AT, 5, 5, 5, 7.0, team="Alpha", agent="amy") for _ in range(30)]
    october += [Row(AT, 2, 5, 4, 6.0, team="Alpha", agent="bob") for _ in range(30)]
    october += [Row(AT, 5 if i % 2 else 2, 2 if i % 2 else 5, 4, 5.0, team="Beta", agent="cat")
                for i in range(30)]  # fmt: skip
    october += [Row(AT, 4, 4, None, None, team="Beta", agent="dan") for _ in range(5)]
    september = [Row(AT - timedelta(days=30), 4, 4, 4, 5.0, agent="amy") for _ in range(20)]
    return october + september


@pytest.fixture(scope="module", params=["en", "de"])
def text(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    lang: str = request.param
    base = tmp_path_factory.mktemp(f"compare-{lang}")
    engine = create_csat_engine(f"sqlite:///{base / 'csat.db'}")
    metadata.create_all(engine)
    try:
        add_responses(engine, rows())
        path = base / "report.pdf"
        render_report(engine, OCT, path, lang=lang, now=NOW)
    finally:
        engine.dispose()
    return f"{lang}:" + pdf_text(path)


def _lang(text: str) -> tuple[Words, str]:
    """The report's words and its text without the page footers (a paragraph may run on
    over a page break)."""
    lang, _, body = text.partition(":")
    words = Words(lang)
    footer = f"{words('title')} – {words.month(OCT)} · {words('scope_all')}"
    for page in range(1, 12):
        body = body.replace(f" {footer} {words('page', n=page)} ", " ")
    return words, body


def _heading(words: Words, key: str) -> str:
    return " ".join(words(key).split())


def test_page_one_explains_its_notation_and_the_ces(text: str) -> None:
    words, body = _lang(text)
    if words.lang == "en":
        assert "CES 1–7, higher is better 6.0 [5.8; 6.2] 90 +1.0 [+0.8; +1.2]" in body
        assert "[a; b]: the 95 % interval of the value before it" in body
        assert "pp: percentage points" in body
        assert "so CSAT and CES have fewer than understood and helped" in body
        assert "Student’s t-interval" in body
        assert "Quadrant shares per month, November 2025 to October 2026" in body
        assert "Understood % 52.6% [42.7; 62.4] 95 −47.4 pp [−57.3; −28.5]" in body  # 50 of 95
    else:
        assert "CES 1–7, höher ist besser 6,0 [5,8; 6,2] 90 +1,0 [+0,8; +1,2]" in body
        assert "Pp.: Prozentpunkte" in body
        assert "Anteile der Quadranten je Monat, November 2025 bis Oktober 2026" in body
        assert "Verstanden % 52,6 % [42,7; 62,4] 95 −47,4 Pp. [−57,3; −28,5]" in body
    summary = body.split(_heading(words, "s2"))[0].split(_heading(words, "s1"))[1]
    assert " – " not in summary  # no "a – b" intervals left


def test_agents_are_listed_by_team_and_name_never_by_score(text: str) -> None:
    words, body = _lang(text)
    table = body.split(words("agents_heading"))[1]
    order = [table.index(f"{team} {agent} ") for team, agent in
             (("Alpha", "amy"), ("Alpha", "bob"), ("Beta", "cat"), ("Beta", "dan"))]  # fmt: skip
    assert order == sorted(order)


def test_funnels_name_the_units_outside_and_sum_up_the_rest(text: str) -> None:
    words, body = _lang(text)
    assert words("funnel_heading_team") in body
    assert words("funnel_heading_agent") in body
    assert "Spiegelhalter" in body
    low, high = words("funnel_below"), words("funnel_above")
    assert f"amy ({high}, {words('funnel_beyond_998')})" in body
    assert f"bob ({low}, {words('funnel_beyond_998')})" in body
    assert "dan (" not in body  # five responses: drawn, never flagged


def test_solution_without_empathy_names_the_agent_and_the_method(text: str) -> None:
    words, body = _lang(text)
    section = body.split(words("empathy_heading"))[1].split(_heading(words, "s5"))[0]
    assert "McNemar" in section
    assert f"bob 30 30 0 {words.p_value(0.0)} {words('empathy_helped')}" in section
    assert "cat 30" not in section  # 15 helped only, 15 understood only: no difference
    if words.lang == "en":
        assert "Agents compared: 3; not compared (fewer responses): 1." in section
        assert "about one in twenty would be flagged by chance: here about 0.2." in section


def test_the_team_scatter_is_zoomed_to_the_data() -> None:
    def team(key: str, understood: int, helped: int) -> Summary:
        return Summary(key, 100, Share(understood, 100), Share(helped, 100), Share(0, 0),
                       Mean(0.0, 0), Quadrants())  # fmt: skip

    ax = Figure().add_subplot()
    team_scatter(ax, [team("a", 64, 78), team("b", 74, 76), team("c", 89, 72)], Words("en"), 10)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert 0.5 < x0 < 0.64 and 0.89 < x1 < 1.0
    assert 0.6 < y0 < 0.72 and 0.78 < y1 < 0.9


def test_a_survey_without_the_helped_dimension_still_compares_on_understood(
    tmp_path: Path,
) -> None:
    """The quick survey may be trimmed to one question: the helped funnel says "no data"."""
    engine = create_csat_engine(f"sqlite:///{tmp_path / 'csat.db'}")
    metadata.create_all(engine)
    try:
        add_responses(engine, [Row(AT, 5 if i % 3 else 2, None, None, agent=f"a{i % 4}",
                                   team=f"T{i % 2}") for i in range(80)])  # fmt: skip
        path = tmp_path / "understood-only.pdf"
        render_report(engine, OCT, path, lang="en", now=NOW)
    finally:
        engine.dispose()
    body = pdf_text(path)
    assert "Agents compared: funnel plots" in body
    assert "No responses in this period." in body  # the empty helped funnel
    assert "Helped: all within expected variation." in body
