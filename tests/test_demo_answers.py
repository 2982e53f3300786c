"""csat.demo.answers and csat.demo.comments: answers land in the mood they were drawn for."""

from __future__ import annotations

import random

import pytest

from csat.demo.answers import answers
from csat.demo.comments import comment
from csat.demo.profiles import CATEGORIES
from csat.survey.catalog import SurveyCatalog

MOODS = [(True, True), (True, False), (False, True), (False, False)]


@pytest.mark.parametrize("mood", MOODS)
def test_scores_match_the_mood(mood: tuple[bool, bool]) -> None:
    survey = SurveyCatalog().get("post_ticket")
    rng = random.Random(5)
    seen_keys: set[str] = set()
    for _ in range(2000):
        locale = rng.choice(("de", "en"))
        form = answers(rng, mood, locale, rng.choice(CATEGORIES))
        seen_keys |= form.keys()
        cleaned = survey.validate_answers(form)
        scores = survey.dimension_scores(cleaned)
        assert scores.understood is not None
        assert scores.helped is not None
        assert (scores.understood >= 4, scores.helped >= 4) == mood, form
    # Optional questions are sometimes left out, but every one is answered sometimes.
    assert seen_keys == {q.key for q in survey.questions}


def test_comments_are_varied_and_in_the_customers_language() -> None:
    rng = random.Random(3)
    german = {comment(rng, "de", mood, c) for mood in MOODS for c in CATEGORIES for _ in range(30)}
    english = {comment(rng, "en", mood, c) for mood in MOODS for c in CATEGORIES for _ in range(30)}
    assert len(german) > 150
    assert len(english) > 150
    assert any("ä" in t or "ö" in t or "ü" in t for t in german)
    assert not german & english
