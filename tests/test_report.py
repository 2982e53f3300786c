"""The monthly PDF, read back: its text in the right language, its metadata, every page
rendered by pdftoppm; hostile comments, an empty month and a new installation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from csat.errors import ConfigurationError
from csat.report import render_report
from csat.storage.models import Event
from tests.metrics_data import Row, add_responses, add_unanswered
from tests.report_pdf import pdf_text, render_pages

OCT = date(2026, 10, 1)
NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def known_month(engine: Engine) -> None:
    """October: 20 responses, 15 understood (75 %), 10 helped (50 %); September: 10, 5 each."""
    at = datetime(2026, 10, 8, 10, tzinfo=UTC)
    october = [Row(at, 5, 5, 5, 6.0, team="1st Level", agent="ana") for _ in range(10)]
    october += [Row(at, 4, 2, 4, 4.0, team="1st Level", agent="ben") for _ in range(5)]
    october += [Row(at, 2, 1, 1, 2.0, team="Solo", agent="cem", channel="chat") for _ in range(5)]
    september = [Row(at - timedelta(days=30), u, u, u) for u in (5, 2) for _ in range(5)]
    add_responses(engine, october + september)
    add_unanswered(engine, 20, at)
    with Session(engine) as session, session.begin():
        session.add(Event(name="Training $1_a^2", date=date(2026, 9, 20), created_at=NOW))


def test_english_report_shows_the_figures(engine: Engine, tmp_path: Path) -> None:
    known_month(engine)
    path = tmp_path / "en.pdf"
    rendered = render_report(engine, OCT, path, lang="en", now=NOW)
    text = pdf_text(path)
    assert "Customer satisfaction – October 2026" in text
    assert (
        "In October 2026, 75.0% of the customers who answered felt understood "
        "and 50.0% felt helped (n = 20)."
    ) in text
    assert "Understood % 75.0%" in text  # value next to its measure in the summary table
    assert "1 Summary" in text
    assert "9 Method" in text
    assert "Wilson" in text
    assert "Training $1_a^2" in text  # literal, not mathematics
    assert "n < 10" in text  # the small team is flagged
    assert "Response rate 50.0%" in text  # 20 answered of 40 delivered
    assert rendered.data.current.responses == 20
    assert rendered.pages == len(PdfReader(path).pages)
    meta = PdfReader(path).metadata
    assert meta is not None
    assert meta.title == "Customer satisfaction – October 2026"
    assert meta.author == "csat"
    assert meta.subject is not None
    assert "understood" in meta.subject
    assert meta.creation_date is not None
    assert meta.creation_date.replace(tzinfo=UTC) == NOW.replace(tzinfo=UTC)
    render_pages(path, tmp_path / "en")


def test_german_report_uses_german_words_numbers_and_dates(engine: Engine, tmp_path: Path) -> None:
    known_month(engine)
    path = tmp_path / "de.pdf"
    render_report(engine, OCT, path, lang="de", now=NOW)
    text = pdf_text(path)
    assert "Kundenzufriedenheit – Oktober 2026" in text
    assert "75,0 % der Antwortenden verstanden; 50,0 % wurde gut geholfen (n = 20)" in text
    assert "Verstanden % 75,0 %" in text
    assert "ggü. September 2026" in text
    assert "1 Überblick" in text
    assert "Methode" in text
    assert "Oktober" in text
    assert "October" not in text
    render_pages(path, tmp_path / "de")


def test_hostile_comments_are_shown_literally(engine: Engine, tmp_path: Path) -> None:
    at = datetime(2026, 10, 8, 10, tzinfo=UTC)
    hostile = [
        "Cost $5 and $10 \\alpha_1^2 100% _under_ ^hat^ %d",
        "Danke 👍🏽 super 🎉 — Ümläüte ß",
        "שלום עולם مرحبا بالعالم",
        "Write to kim.o'neil+x@example.com\nor\r\nCALL me\n\n\nplease",
        "\x00\x07bell\ttab",
    ]
    long = ("A long story. " * 143)[:1997] + "END"
    assert len(long) == 2000
    # The long one and the first five felt least understood: the report shows those.
    rows = [Row(at, 1, 1, comment=long)]
    rows += [Row(at, 1 if i < 5 else 5, 2, comment=hostile[i % 5]) for i in range(499)]
    add_responses(engine, rows)
    for lang in ("en", "de"):
        path = tmp_path / f"hostile-{lang}.pdf"
        render_report(engine, OCT, path, lang=lang, now=NOW)  # warnings are errors
        text = pdf_text(path)
        assert "kim.o'neil" not in text
        assert ("[email]" if lang == "en" else "[E-Mail]") in text
        assert "$5 and $10 \\alpha_1^2 100% _under_ ^hat^ %d" in text
        assert "Ümläüte" in text
        assert "A long story." in text
        assert ("[shortened]" if lang == "en" else "[gekürzt]") in text
        assert "END" not in text  # cut after a few lines
        render_pages(path, tmp_path / lang)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_new_installation_gives_a_valid_report(engine: Engine, tmp_path: Path, lang: str) -> None:
    path = tmp_path / "new.pdf"
    render_report(engine, OCT, path, lang=lang, now=NOW)
    text = pdf_text(path)
    expected = {"en": "has no survey responses yet", "de": "hat noch keine Antworten"}[lang]
    assert expected in text
    render_pages(path, tmp_path / "pages")


def test_empty_month_and_a_team_with_one_response(engine: Engine, tmp_path: Path) -> None:
    add_responses(engine, [Row(datetime(2026, 9, 3, tzinfo=UTC), 5, 5, team="Solo")])
    empty = tmp_path / "empty.pdf"
    render_report(engine, OCT, empty, now=NOW)
    assert "No responses were recorded in October 2026." in pdf_text(empty)
    render_pages(empty, tmp_path / "empty")
    one = tmp_path / "one.pdf"
    render_report(engine, date(2026, 9, 1), one, team="Solo", now=NOW)
    text = pdf_text(one)
    assert "Team: Solo" in text
    assert "With only n = 1, every figure here is very uncertain." in text
    assert "100.0% of the customers who answered felt understood" in text
    render_pages(one, tmp_path / "one")


def test_unknown_language_is_rejected(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported report language"):
        render_report(engine, OCT, tmp_path / "x.pdf", lang="fr")


def test_a_team_event_shows_the_other_teams_over_the_same_windows(
    engine: Engine, tmp_path: Path
) -> None:
    day = date(2026, 10, 5)
    at = datetime(2026, 10, 5, 9, tzinfo=UTC)
    before = [Row(at - timedelta(days=7), 2, 5, team="1st Level") for _ in range(12)]
    after = [Row(at + timedelta(days=7), 5, 5, team="1st Level") for _ in range(12)]
    others = [Row(at + timedelta(days=d), 4, 4, team="2nd Level") for d in (-7, 7) * 6]
    add_responses(engine, before + after + others)
    with Session(engine) as session, session.begin():
        session.add(Event(name="Training", date=day, team="1st Level", created_at=NOW))
    path = tmp_path / "events.pdf"
    render_report(engine, OCT, path, lang="en", now=NOW)
    text = pdf_text(path)
    assert "Understood % of the other teams over the same windows" in text
    assert "Understood 0.0% (n = 12) 100.0% (n = 12) +100.0 pp" in text
    assert "2nd Level 100.0% (n = 6) 100.0% (n = 6) +0.0 pp" in text
    assert "clear change" in text
    assert "no clear change" in text


def test_source_date_epoch_makes_the_pdf_reproducible(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    known_month(engine)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(NOW.timestamp())))
    first, second = tmp_path / "first.pdf", tmp_path / "second.pdf"
    render_report(engine, OCT, first, lang="en")
    render_report(engine, OCT, second, lang="en")
    assert first.read_bytes() == second.read_bytes()
    meta = PdfReader(first).metadata
    assert meta is not None and meta.creation_date is not None
    assert meta.creation_date.replace(tzinfo=UTC) == NOW
    assert "Generated on Nov 2, 2026" in pdf_text(first)


@pytest.mark.parametrize("epoch", ["yesterday", "1e9", "99999999999999999999"])
def test_a_bad_source_date_epoch_is_a_configuration_error(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, epoch: str
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    with pytest.raises(ConfigurationError, match="SOURCE_DATE_EPOCH"):
        render_report(engine, OCT, tmp_path / "bad.pdf")
    assert not (tmp_path / "bad.pdf").exists()
