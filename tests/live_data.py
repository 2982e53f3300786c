"""A demo-like year of responses for the console's live view: three teams, nine agents
(one who solves but leaves people unheard, one with too few responses), thirteen months."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from csat.metrics import add_months
from tests.metrics_data import Row, add_responses

#: The clock of the live view's tests: October 2026 so far.
NOW = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
OCT = date(2026, 10, 1)
SEP = date(2026, 9, 1)
#: agent -> (team, responses a month, P(understood), P(helped)).
AGENTS = {
    "amy": ("1st Level", 30, 0.85, 0.85),
    "bob": ("1st Level", 30, 0.3, 0.9),  # solution without empathy
    "cem": ("1st Level", 25, 0.8, 0.75),
    "dora": ("2nd Level", 22, 0.8, 0.8),
    "eli": ("2nd Level", 20, 0.85, 0.7),
    "finn": ("2nd Level", 4, 0.8, 0.8),  # fewer than the minimum n
    "gus": ("Field Service", 18, 0.75, 0.8),
    "hana": ("Field Service", 16, 0.9, 0.85),
    "ivo": ("Field Service", 15, 0.8, 0.8),
}


def _score(rng: random.Random, good: float) -> int:
    return rng.choice((4, 5)) if rng.random() < good else rng.choice((1, 2, 3))


def year_rows(seed: int = 17) -> list[Row]:
    """Thirteen months up to October 2026 (October up to the 19th)."""
    rng = random.Random(seed)
    rows = []
    for back in range(12, -1, -1):
        month = add_months(OCT, -back)
        days = 19 if month == OCT else 28
        for agent, (team, count, understood, helped) in AGENTS.items():
            for _ in range(count if month != OCT else count * 2 // 3):
                at = datetime(month.year, month.month, 1 + rng.randrange(days), 9, tzinfo=UTC)
                at += timedelta(minutes=rng.randrange(480))
                rows.append(
                    Row(
                        at,
                        _score(rng, understood),
                        _score(rng, helped),
                        _score(rng, (understood + helped) / 2),
                        float(rng.randint(3, 7)),
                        team=team,
                        agent=agent,
                        channel=rng.choice(("phone", "ticket", "chat")),
                    )
                )
    return rows


def add_year(engine: Engine, seed: int = 17) -> None:
    """Store :func:`year_rows`."""
    add_responses(engine, year_rows(seed))
