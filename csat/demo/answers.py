"""A demo customer's answers to the stock ``post_ticket`` survey.

The runner first decides *how the customer felt* (understood top-2-box or
not, helped top-2-box or not) from the agent's profile; :func:`answers`
then picks item answers whose dimension scores (mean, rounded half up, as
the survey scores them) land exactly there. So P(understood top-2-box) is
what the profile says, whatever mix of items a customer fills in.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from .comments import Mood, comment

#: Scores of the ``solved`` choices.
SOLVED = {"yes": 5, "partly": 3, "no": 1}


def _pick(rng: random.Random, options: Sequence[tuple[object, float]]) -> object:
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights=weights)[0]


def _top(scores: Sequence[int]) -> bool:
    """Top-2-box of the mean, rounded half up (3.5 counts as 4)."""
    return 2 * sum(scores) >= 7 * len(scores)


def _pair(
    rng: random.Random, first: Sequence[tuple[object, float]], second: Sequence[int], top: bool
) -> tuple[int, int | None]:
    """A first item from ``first`` and, mostly, a second close to it with the wanted top-ness."""
    score = int(_pick(rng, first))  # type: ignore[call-overload]
    if rng.random() < 0.12:
        return score, None  # the optional second item left out
    near = [(s, 1.0 / (1 + abs(s - score))) for s in second if _top([score, s]) == top]
    return score, int(_pick(rng, near))  # type: ignore[call-overload]


def answers(
    rng: random.Random,
    mood: Mood,
    locale: str,
    category: str | None,
    *,
    comment_rate: float = 0.3,
) -> dict[str, str]:
    """Form values (question key -> string) for a customer who felt as ``mood`` says."""
    understood_top, helped_top = mood
    form: dict[str, str] = {}
    if understood_top:
        understood, respected = _pair(rng, [(5, 0.5), (4, 0.5)], range(1, 6), True)
    else:
        understood, respected = _pair(rng, [(3, 0.45), (2, 0.35), (1, 0.2)], range(1, 6), False)
    form["understood"] = str(understood)
    if respected is not None:
        form["respected"] = str(respected)

    if helped_top:
        solved = str(_pick(rng, [("yes", 0.9), ("partly", 0.1)]))
        first = [(5, 0.55), (4, 0.45)] if solved == "yes" else [(5, 0.4), (4, 0.6)]
    else:
        solved = str(_pick(rng, [("no", 0.5), ("partly", 0.5)]))
        first = [(3, 0.3), (2, 0.4), (1, 0.3)] if solved == "partly" else [(2, 0.4), (1, 0.6)]
    helped = int(_pick(rng, first))  # type: ignore[call-overload]
    if _top([SOLVED[solved], helped]) != helped_top:  # e.g. partly (3) with 4: 3.5 is top
        helped = 4 if helped_top else 2
    if rng.random() < 0.1 and _top([helped]) == helped_top:
        form["helped"] = str(helped)  # "solved" left out
    else:
        form["solved"] = solved
        if rng.random() < 0.9:
            form["helped"] = str(helped)
        elif _top([SOLVED[solved]]) != helped_top:
            form["helped"] = str(helped)  # "solved" alone would say otherwise

    if rng.random() < 0.85:
        base = (understood + helped) / 2 + rng.choice((-1, -0.5, 0, 0, 0.5, 1))
        form["overall"] = str(min(5, max(1, int(base + 0.5))))
    if rng.random() < 0.75:
        effort = (6 if helped_top else 3) + rng.choice((-2, -1, 0, 0, 1))
        form["effort"] = str(min(7, max(1, effort)))
    if rng.random() < comment_rate:
        # Words from a stream of their own: editing the corpus changes no score.
        words = random.Random(rng.getrandbits(64))  # noqa: S311 - a simulation
        form["comment"] = comment(words, locale, mood, category)
    return form
