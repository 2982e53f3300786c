"""The demo company's employees (the helpdesk's customers) and when they call."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from .profiles import AGENTS, LOADS, TEAMS, Agent, expected_tickets

#: Where the helpdesk works: tickets are resolved in office hours, Berlin time.
ZONE = ZoneInfo("Europe/Berlin")
#: Office hours (local) and how busy each is.
HOURS = tuple(range(7, 20))
HOUR_WEIGHTS = (2, 6, 9, 9, 7, 4, 6, 8, 7, 5, 3, 2, 1)
#: The helpdesk's own domain: agents filing tickets themselves are never surveyed.
INTERNAL_DOMAIN = "helpdesk.example.com"

_FIRST = (  # noqa: SIM905 - names as prose read better
    "Kim Alex Maria Jan Lea Tim Sara Max Lina Tom Nora Paul Emma Finn Mia Leon Hannah Noah "
    "Sofia Elias Lara Jonas Amira Mehmet Julia Lukas Zoe Milan Ida Oskar Clara Yara Theo "
    "Aylin Jakob Marta Vincent Frieda Samuel Johanna Ole Leni Karim Romy Emil Nele Anton"
).split()
_LAST = (  # noqa: SIM905
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter "
    "Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange "
    "Schmitt Werner Krause Meier Lehmann Schmid Köhler Yilmaz Kaya Nowak Kowalski Rossi Smith "
    "Jones Brown Garcia Nguyen Kim Dubois Jansen Novak Horvat Öztürk Jäger"
).split()
_ASCII = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
)


@dataclass(frozen=True)
class Customer:
    """An employee who files tickets."""

    email: str
    locale: str


@dataclass(frozen=True)
class Ticket:
    """A resolved ticket, before csat has seen it."""

    ticket_id: str
    customer: Customer
    agent: Agent
    channel: str
    category: str
    resolved_at: datetime  # aware, UTC


def customers(rng: random.Random, count: int = 6000) -> list[Customer]:
    """``count`` employees with unique addresses; most write German, some English."""
    seen: set[str] = set()
    people: list[Customer] = []
    while len(people) < count:
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        local = f"{first}.{last}".lower().translate(_ASCII)
        email, n = f"{local}@example.com", 2
        while email in seen:
            email, n = f"{local}{n}@example.com", n + 1
        seen.add(email)
        people.append(Customer(email, "de" if rng.random() < 0.7 else "en"))
    return people


def activity_weights(count: int) -> list[float]:
    """How often each employee files tickets (cumulative): a few very often, most rarely."""
    return list(accumulate(1.0 / (i + 400) ** 1.2 for i in range(count)))


def _count(rng: random.Random, mean: float) -> int:
    """A Poisson-like count with the given mean (normal approximation, at least 0)."""
    if mean <= 0:
        return 0
    return max(0, round(rng.gauss(mean, mean**0.5)))


def day_tickets(
    rng: random.Random,
    day: date,
    people: list[Customer],
    weights: list[float],
    first_number: int,
) -> list[Ticket]:
    """The tickets resolved on ``day``, in time order."""
    tickets = []
    for team in TEAMS:
        load = LOADS[team]
        staff = [a for a in AGENTS if a.team == team]
        for _ in range(_count(rng, expected_tickets(team, day))):
            agent = rng.choices(staff, weights=[a.weight for a in staff])[0]
            hour = rng.choices(HOURS, weights=HOUR_WEIGHTS)[0]
            local = datetime.combine(day, time(hour), ZONE) + timedelta(seconds=rng.randrange(3600))
            if rng.random() < 0.01:  # an agent with a problem of their own
                user = agent.name.split()[0].lower().translate(_ASCII)
                customer = Customer(f"{user}@{INTERNAL_DOMAIN}", "de")
            else:
                customer = rng.choices(people, cum_weights=weights)[0]
            tickets.append(
                Ticket(
                    ticket_id="",
                    customer=customer,
                    agent=agent,
                    channel=rng.choices(*zip(*load.channels.items(), strict=True))[0],
                    category=rng.choices(*zip(*load.categories.items(), strict=True))[0],
                    resolved_at=local.astimezone(UTC),
                )
            )
    tickets.sort(key=lambda t: t.resolved_at)
    return [replace(t, ticket_id=f"INC-{first_number + i}") for i, t in enumerate(tickets)]
