"""Hand-made responses for the metrics, report and export tests: fast core inserts."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select

from csat.storage.models import Invitation, Response, SurveyVersion
from csat.survey.catalog import SurveyCatalog

_serial = itertools.count(1)


@dataclass(frozen=True)
class Row:
    """One response (and its delivered invitation)."""

    answered_at: datetime
    understood: int | None = 5
    helped: int | None = 5
    overall: int | None = 5
    effort: float | None = None
    team: str = "1st Level"
    agent: str = "ana"
    channel: str = "phone"
    category: str | None = "network"
    comment: str | None = None
    email: str = "kim@example.com"
    locale: str = "en"
    #: The stored answers (without the comment), e.g. ``{"solved": "no"}``.
    answers: dict[str, object] = field(default_factory=dict, hash=False)


def _version(engine: Engine) -> str:
    with engine.begin() as conn:
        if conn.execute(select(SurveyVersion.fingerprint).limit(1)).first() is None:
            conn.execute(
                insert(SurveyVersion).values(
                    fingerprint="f" * 64,
                    survey_key="post_ticket",
                    definition=SurveyCatalog().get("post_ticket").to_dict(),
                    created_at=datetime(2026, 1, 1, tzinfo=UTC),
                )
            )
    return "f" * 64


def _invitation(
    number: int, version: str, sent_at: datetime | None, row: Row | None
) -> dict[str, object]:
    at = sent_at or datetime(2026, 1, 1, tzinfo=UTC)
    return {
        "id": number,
        "survey_key": "post_ticket",
        "survey_version": version,
        "ticket_id": f"T-{number}",
        "email": row.email if row else "x@example.com",
        "customer_hash": None,
        "agent": row.agent if row else "ana",
        "team": row.team if row else "1st Level",
        "channel": row.channel if row else "phone",
        "category": row.category if row else None,
        "locale": row.locale if row else "en",
        "resolved_at": at - timedelta(hours=2),
        "created_at": at - timedelta(hours=2),
        "due_at": at - timedelta(hours=1),
        "expires_at": at + timedelta(days=14),
        "status": "sent" if sent_at else "pending",
        "reason": "ok",
        "nonce": f"{number:064x}",
        "token_hash": f"{number:064x}",
        "sent_at": sent_at,
        "attempts": 1 if sent_at else 0,
    }


def add_responses(engine: Engine, rows: Iterable[Row]) -> None:
    """Store each row as a delivered invitation (sent an hour earlier) and its response."""
    version = _version(engine)
    invitations, responses = [], []
    for row in rows:
        number = next(_serial)
        invitations.append(_invitation(number, version, row.answered_at - timedelta(hours=1), row))
        responses.append(
            {
                "id": number,
                "invitation_id": number,
                "survey_key": "post_ticket",
                "survey_version": version,
                "answered_at": row.answered_at,
                "updated_at": row.answered_at,
                "answers": row.answers,
                "texts": {"comment": row.comment} if row.comment is not None else {},
                "understood_score": row.understood,
                "helped_score": row.helped,
                "overall_score": row.overall,
                "effort_score": row.effort,
                "team": row.team,
                "agent": row.agent,
                "channel": row.channel,
                "category": row.category,
                "locale": row.locale,
            }
        )
    if not invitations:
        return
    with engine.begin() as conn:
        conn.execute(insert(Invitation), invitations)
        conn.execute(insert(Response), responses)


def add_unanswered(
    engine: Engine, count: int, sent_at: datetime | None, team: str = "1st Level"
) -> None:
    """Store ``count`` invitations without a response (``sent_at=None``: not delivered)."""
    version = _version(engine)
    rows = []
    for _ in range(count):
        data = _invitation(next(_serial), version, sent_at, None)
        data["team"] = team
        rows.append(data)
    with engine.begin() as conn:
        conn.execute(insert(Invitation), rows)
