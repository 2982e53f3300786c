"""The report's words, numbers and dates in English and German (Babel)."""

from __future__ import annotations

from datetime import date

import pytest

from csat.report import Words


def test_german_numbers_and_dates() -> None:
    de = Words("de")
    assert de.percent(0.824) == "82,4\u00a0%"
    assert de.percent(0.824, digits=0) == "82\u00a0%"
    assert de.points(0.031) == "+3,1 Pp."
    assert de.points(-0.031) == "−3,1 Pp."
    assert de.decimal(3.6666) == "3,7"
    assert de.span(0.754, 0.839) == "[75,4; 83,9]"
    assert de.integer(12345) == "12.345"
    assert de.month(date(2026, 10, 1)) == "Oktober 2026"
    assert de.date(date(2026, 6, 15)) == "15.06.2026"
    assert de("s1") == "1  Überblick"


def test_english_numbers_and_dates() -> None:
    en = Words("en")
    assert en.percent(0.824) == "82.4%"
    assert en.percent(None) == "–"
    assert en.points(0.031) == "+3.1 pp"
    assert en.integer(12345) == "12,345"
    assert en.span(0.1, 0.25) == "[10.0; 25.0]"
    assert en.bracket(-5.74, 6.26, signed=True) == "[−5.7; +6.3]"
    assert en.month(date(2026, 10, 1)) == "October 2026"
    assert en("small", n=10) == "n < 10"


def test_every_string_exists_in_both_languages() -> None:
    en, de = Words("en"), Words("de")
    for key in ("title", "method", "new_install", "verdict_none", "gap"):
        assert en(key, n=1, share="x") != de(key, n=1, share="x") or key == "csat"


def test_unsupported_language() -> None:
    with pytest.raises(ValueError, match="unsupported report language 'fr'"):
        Words("fr")


def test_german_texts_say_helped_grammatically() -> None:
    """ "helfen" takes the dative: "ihnen wurde geholfen", never "sie fühlten sich geholfen"."""
    de = Words("de")
    assert (
        de("subtitle") == "Wurde den Kunden nicht nur geholfen – fühlten sie sich auch verstanden?"
    )
    texts = [
        de(key, month="Oktober", u="75 %", h="50 %", n=20, share="10 %")
        for key in ("subtitle", "headline", "gap")
    ]
    assert (
        texts[1]
        == "Im Oktober fühlten sich 75 % der Antwortenden verstanden; 50 % wurde gut geholfen "
        "(n = 20)."
    )
    assert texts[2] == (
        "10 % der Antwortenden wurde geholfen, ohne dass sie sich verstanden fühlten "
        "(Lösung ohne Empathie)."
    )
    for text in texts:
        assert "sich geholfen" not in text and "nicht nur geholfen?" not in text
