"""A realistic year of a fictional IT helpdesk, run through csat's real paths.

``csat demo --db sqlite:///demo.db`` (or :func:`run_demo`) builds it: three
teams, twenty agents with distinct profiles, invitations through the rules,
emails through the outbox, answers through the survey pages, and a two-part
communication training for the 1st Level whose effect the report must find.
"""

from __future__ import annotations

from .profiles import (
    AGENTS,
    DEFAULT_SEED,
    END,
    EVENT_WEEKS,
    PLANTED_EFFECT,
    TEAMS,
    TRAINING,
    TRAINING_TEAM,
)
from .runner import DEMO_BASE_URL, DEMO_SECRET_KEY, DemoError, DemoResult, run_demo

__all__ = [
    "AGENTS",
    "DEFAULT_SEED",
    "DEMO_BASE_URL",
    "DEMO_SECRET_KEY",
    "END",
    "EVENT_WEEKS",
    "PLANTED_EFFECT",
    "TEAMS",
    "TRAINING",
    "TRAINING_TEAM",
    "DemoError",
    "DemoResult",
    "run_demo",
]
