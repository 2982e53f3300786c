"""Who works at the demo helpdesk, how busy it is, and the planted training effect.

Everything here is fixed data: the randomness lives in :mod:`csat.demo.runner`,
driven by one ``random.Random(seed)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

#: The demo year ends here (exclusive): its last complete month is October 2026.
END = datetime(2026, 11, 1, tzinfo=UTC)
#: After the last ticket the clock runs on this many days for late answers and reminders.
TAIL_DAYS = 4

FIRST_LEVEL, SECOND_LEVEL, FIELD_SERVICE = "1st Level", "2nd Level", "Field Service"
TEAMS = (FIRST_LEVEL, SECOND_LEVEL, FIELD_SERVICE)
CHANNELS = ("phone", "ticket", "chat")
CATEGORIES = ("password", "network", "printer", "hardware", "software", "access")

#: Each team's lead (name, address), who works its follow-up cases, and the head
#: of support (``"*"`` of ``CSAT_TEAM_LEADS``: any other team).
LEADS = {
    FIRST_LEVEL: ("Lena Vogt", "lena.vogt@helpdesk.example.com"),
    SECOND_LEVEL: ("Marco Brandt", "marco.brandt@helpdesk.example.com"),
    FIELD_SERVICE: ("Sven Albers", "sven.albers@helpdesk.example.com"),
}
HEAD_OF_SUPPORT = ("Dana Roth", "dana.roth@helpdesk.example.com")

#: The communication training of the 1st Level team, in two parts.
TRAINING_TEAM = FIRST_LEVEL
TRAINING = (
    ("Communication training, part 1", date(2026, 4, 13)),
    ("Communication training, part 2", date(2026, 6, 8)),
)
#: Each part raises the probability that a 1st-Level customer feels understood
#: (understood-dimension score 4-5 of 5) by this much, in absolute terms, for
#: tickets resolved on or after the part's date. The parts are exactly as far
#: apart as the report's comparison window (8 weeks), so each part's
#: before/after comparison in the report sees exactly one part's increase:
#: part 1 compares the untrained baseline with "after part 1", part 2 compares
#: "after part 1" with "after both parts". Together they add twice this.
#: (The report's windows count answers by answer date, so part 1's "after"
#: window also holds a few answers to tickets resolved just before the training;
#: that dilutes its comparison by a few percent of the effect, well inside the
#: interval. Over 60 seeds the mean estimates were 0.184 and 0.177.)
PLANTED_EFFECT = 0.18
#: The report's comparison window, in weeks (``csat.metrics.DEFAULT_EVENT_WEEKS``).
EVENT_WEEKS = 8
#: The seed of ``csat demo`` and of the committed sample report.
DEFAULT_SEED = 1


@dataclass(frozen=True)
class Agent:
    """One agent and the probabilities that shape their customers' answers.

    :param understood: P(the customer feels understood, top-2-box), untrained.
    :param helped: P(the customer feels helped, top-2-box).
    :param answer_rate: P(the customer answers the survey).
    """

    name: str
    team: str
    profile: str
    understood: float
    helped: float
    answer_rate: float
    weight: float = 1.0


def _agents() -> tuple[Agent, ...]:
    rows = [
        # 1st Level: phone and chat; their understood share leaves room for the training.
        (FIRST_LEVEL, "Anna Berger", "in between", 0.56, 0.74, 0.27, 1.2),
        (FIRST_LEVEL, "Ben Okafor", "solves, leaves people unheard", 0.33, 0.88, 0.22, 1.3),
        (FIRST_LEVEL, "Chiara Rossi", "listens, solves less", 0.60, 0.55, 0.33, 1.0),
        (FIRST_LEVEL, "David Nowak", "in between", 0.50, 0.70, 0.25, 1.1),
        (FIRST_LEVEL, "Elif Demir", "in between", 0.58, 0.78, 0.30, 1.0),
        (FIRST_LEVEL, "Felix Wagner", "solves, leaves people unheard", 0.38, 0.84, 0.20, 1.2),
        (FIRST_LEVEL, "Greta Hansen", "in between", 0.52, 0.68, 0.28, 0.9),
        (FIRST_LEVEL, "Hamza Saleh", "in between", 0.47, 0.72, 0.24, 1.0),
        (FIRST_LEVEL, "Ines Schulz", "listens, solves less", 0.58, 0.58, 0.35, 0.6),
        # 2nd Level: tickets; the specialists.
        (SECOND_LEVEL, "Jonas Keller", "solves, leaves people unheard", 0.42, 0.90, 0.21, 1.1),
        (SECOND_LEVEL, "Katarzyna Lis", "in between", 0.66, 0.80, 0.27, 1.0),
        (SECOND_LEVEL, "Lukas Braun", "in between", 0.60, 0.76, 0.25, 1.0),
        (SECOND_LEVEL, "Mei Chen", "listens, solves less", 0.86, 0.60, 0.31, 0.9),
        (SECOND_LEVEL, "Nils Petersen", "in between", 0.63, 0.82, 0.23, 1.0),
        (SECOND_LEVEL, "Olga Ivanova", "in between", 0.70, 0.74, 0.29, 0.8),
        (SECOND_LEVEL, "Paul Fischer", "solves, leaves people unheard", 0.45, 0.86, 0.18, 0.7),
        # Field Service: on site, hardware and printers.
        (FIELD_SERVICE, "Rosa Martins", "listens, solves less", 0.88, 0.62, 0.34, 1.0),
        (FIELD_SERVICE, "Stefan Huber", "in between", 0.72, 0.80, 0.26, 1.0),
        (FIELD_SERVICE, "Tobias Lang", "solves, leaves people unheard", 0.46, 0.88, 0.20, 1.0),
        (FIELD_SERVICE, "Yusuf Aydin", "in between", 0.68, 0.74, 0.28, 0.8),
    ]
    return tuple(Agent(n, t, p, u, h, r, w) for t, n, p, u, h, r, w in rows)


AGENTS = _agents()
assert all(a.understood + 2 * PLANTED_EFFECT < 1 for a in AGENTS if a.team == TRAINING_TEAM)


@dataclass(frozen=True)
class TeamLoad:
    """How many tickets a team resolves, and through which channels, on what."""

    per_weekday: float  #: mean tickets on a Wednesday in an average month
    weekend: float  #: Saturday's factor of that (Sunday: half of it)
    channels: dict[str, float]
    categories: dict[str, float]


LOADS = {
    FIRST_LEVEL: TeamLoad(
        54.0,
        0.12,
        {"phone": 0.5, "chat": 0.32, "ticket": 0.18},
        {"password": 0.3, "access": 0.2, "software": 0.2, "printer": 0.14,
         "network": 0.1, "hardware": 0.06},
    ),
    SECOND_LEVEL: TeamLoad(
        22.0,
        0.04,
        {"ticket": 0.7, "phone": 0.2, "chat": 0.1},
        {"software": 0.35, "network": 0.25, "access": 0.2, "hardware": 0.1,
         "printer": 0.05, "password": 0.05},
    ),
    FIELD_SERVICE: TeamLoad(
        10.0,
        0.0,
        {"ticket": 0.6, "phone": 0.4},
        {"hardware": 0.45, "printer": 0.3, "network": 0.25},
    ),
}  # fmt: skip

#: Monday .. Friday relative to Wednesday (weekends: :attr:`TeamLoad.weekend`).
WEEKDAY_FACTORS = (1.25, 1.1, 1.0, 1.0, 0.85)
#: January .. December: quieter in the summer holidays and over Christmas.
MONTH_FACTORS = (1.05, 1.0, 1.0, 0.95, 0.95, 0.95, 0.88, 0.82, 1.0, 1.05, 1.05, 0.85)
#: Public holidays (Germany, nationwide) without tickets except on the weekend scale.
HOLIDAYS = frozenset(
    {
        date(2025, 12, 25), date(2025, 12, 26), date(2026, 1, 1), date(2026, 4, 3),
        date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 14), date(2026, 5, 25),
        date(2026, 10, 3), date(2026, 12, 25), date(2026, 12, 26),
    }
)  # fmt: skip


def expected_tickets(team: str, day: date) -> float:
    """The mean number of tickets ``team`` resolves on ``day``."""
    load = LOADS[team]
    base = load.per_weekday * MONTH_FACTORS[day.month - 1]
    weekday = day.weekday()
    if weekday == 5 or day in HOLIDAYS:
        return base * load.weekend
    if weekday == 6:
        return base * load.weekend / 2
    return base * WEEKDAY_FACTORS[weekday]


def training_boost(team: str, resolved: date) -> float:
    """How much the training has raised P(understood) for ``team`` on ``resolved``."""
    if team != TRAINING_TEAM:
        return 0.0
    return PLANTED_EFFECT * sum(resolved >= day for _, day in TRAINING)
