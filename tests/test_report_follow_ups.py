"""Section 7 of the PDF, the follow-up cases, read back in English and German; the
count of responses that needed a call back (the one rule) in section 8."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from csat.follow_ups import THRESHOLD
from csat.report import Words, render_report
from csat.report.follow_ups import due_phrase, duration
from tests.follow_up_data import AS_OF, OCTOBER, add_cases
from tests.report_pdf import pdf_text, render_pages
from tests.test_report import known_month

OCT = date(2026, 10, 1)


def test_english_section(engine: Engine, tmp_path: Path) -> None:
    known_month(engine)  # 10 of its October responses need a call back
    add_cases(engine, OCTOBER)
    path = tmp_path / "en.pdf"
    render_report(engine, OCT, path, lang="en", now=AS_OF, min_n=2)
    text = pdf_text(path)
    assert "7 Follow-ups csat opens a case for every answer that needs a call back" in text
    assert f"understood or helped at {THRESHOLD} or below (of 5), or the problem not solved" in text
    assert "it is due 24 to 48 hours after opening" in text
    # The overall figures (see tests/follow_up_data.py for the hand count).
    assert "Cases opened 6 Closed within the due time 60.0% [23.1; 88.2] 5" in text
    assert "Median time to first contact 9 h 30 min 4 Not contacted yet 2" in text
    assert (
        "Reached, resolved 1 Reached, not resolved 1 Not reachable 1 Declined to talk 1 "
        "Open at the end of the month 4 … of them overdue 2"
    ) in text
    assert "Cases not yet due on Nov 2, 2026 count neither as in time nor as late (n = 1)." in text
    # What it means.
    assert "40.0% of the customers whose case was due waited longer than the due time" in text
    assert "25.0% of the closed cases ended with the concern resolved, 50.0% without" in text
    # Per team: A ranked, B small (n < 2) and muted.
    assert "A 5 60.0% [23.1; 88.2] 5 9 h 30 min 2 1 B 1 – – 0 – 2 1 n < 2" in text
    assert "Still open A 1 1 1 1 1 B 0 0 0 0 1" in text
    assert "How it is counted: a case belongs to the month it was opened in." in text
    # Section 8 counts by the same rule, its threshold from the code.
    assert (
        f"8 Customer voices 10 responses this month needed a call back (understood or helped "
        f"at {THRESHOLD} or below of 5, or the problem not solved)"
    ) in text
    assert "1–3" not in text and "a callback is worth it" not in text
    assert "9 Method" in text
    render_pages(path, tmp_path / "en")


def test_german_section(engine: Engine, tmp_path: Path) -> None:
    known_month(engine)
    add_cases(engine, OCTOBER)
    path = tmp_path / "de.pdf"
    render_report(engine, OCT, path, lang="de", now=AS_OF, min_n=2)
    text = pdf_text(path)
    assert (
        "7 Rückrufe csat eröffnet für jede Antwort, die einen Rückruf braucht, einen Fall" in text
    )
    assert f"Verstanden oder Geholfen mit {THRESHOLD} oder weniger (von 5)" in text
    assert "fällig ist er 24 bis 48 Stunden nach der Eröffnung" in text
    assert "Eröffnete Fälle 6 Fristgerecht abgeschlossen 60,0 % [23,1; 88,2] 5" in text
    assert "Zeit bis zum Erstkontakt (Median) 9 Std. 30 Min. 4 Noch nicht kontaktiert 2" in text
    assert "Gespräch abgelehnt 1 Offen am Monatsende 4 … davon überfällig 2" in text
    assert "Fälle, die am 02.11.2026 noch nicht fällig waren, zählen weder als rechtzeitig" in text
    assert "Anders gesagt: 40,0 % der Kunden, deren Fall fällig war, warteten länger" in text
    assert "Team Gelöst Nicht gelöst Nicht erreicht Abgelehnt Noch offen" in text
    assert "So wird gezählt: Ein Fall gehört zum Monat seiner Eröffnung." in text
    assert (
        f"8 Kundenstimmen 10 Antworten dieses Monats brauchten einen Rückruf (Verstanden oder "
        f"Geholfen mit {THRESHOLD} oder weniger von 5 oder das Problem nicht gelöst)"
    ) in text
    assert "9 Methode" in text
    for english in ("Follow-ups", "Closed within", "call back"):
        assert english not in text
    render_pages(path, tmp_path / "de")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "No follow-up cases were opened in October 2026, although responses needed a "
               "call back (n = 10): cases are turned off (CSAT_FOLLOW_UPS)"),
        ("de", "Im Oktober 2026 wurden keine Rückruffälle eröffnet, obwohl Antworten einen "
               "Rückruf brauchten (n = 10): Die Fälle sind abgeschaltet (CSAT_FOLLOW_UPS)"),
    ],
)  # fmt: skip
def test_answers_that_needed_a_call_back_but_no_cases(
    engine: Engine, tmp_path: Path, lang: str, expected: str
) -> None:
    known_month(engine)
    path = tmp_path / f"{lang}.pdf"
    render_report(engine, OCT, path, lang=lang, now=AS_OF)
    text = pdf_text(path)
    assert expected in text
    due = {"en": "it is due CSAT_FOLLOW_UP_HOURS after opening", "de": "CSAT_FOLLOW_UP_HOURS nach"}
    assert due[lang] in text


def test_a_new_installation_says_no_cases(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "new.pdf"
    render_report(engine, OCT, path, lang="en", now=AS_OF)
    text = pdf_text(path)
    assert "No follow-up cases were opened in October 2026." in text
    assert "0 responses this month needed a call back" in text


def test_a_backlog_from_earlier_months_is_shown_without_new_cases(
    engine: Engine, tmp_path: Path
) -> None:
    add_cases(engine, [c for c in OCTOBER if c.opened.month == 9])
    path = tmp_path / "backlog.pdf"
    render_report(engine, OCT, path, lang="en", now=AS_OF)
    text = pdf_text(path)
    assert "Cases opened 0 Closed within the due time – – 0" in text
    assert "Open at the end of the month 1 … of them overdue 1" in text


def test_durations_and_due_times() -> None:
    en, de = Words("en"), Words("de")
    assert duration(en, timedelta(minutes=45, seconds=20)) == "45 min"
    assert duration(en, timedelta(hours=3, minutes=12)) == "3 h 12 min"
    assert duration(en, timedelta(hours=5)) == "5 h"
    assert duration(de, timedelta(hours=3, minutes=12)) == "3 Std. 12 Min."
    assert duration(de, timedelta(hours=60)) == "2,5 Tage"
    assert duration(en, None) == "–"
    assert due_phrase(en, (timedelta(hours=24), timedelta(hours=24))) == "24 hours after opening"
    assert due_phrase(de, (timedelta(hours=1), timedelta(hours=1))) == (
        "eine Stunde nach der Eröffnung"
    )
    assert due_phrase(de, (timedelta(hours=1.5), timedelta(hours=1.5))) == (
        "1,5 Stunden nach der Eröffnung"
    )
    assert due_phrase(en, None) == "CSAT_FOLLOW_UP_HOURS after opening"
