"""Initial schema: surveys, invitations, responses, opt-outs, events.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 00:00:00

Types are spelled out here instead of imported from :mod:`csat.storage.models`, so
this revision keeps creating the same schema when the models change later:
``UTCDateTime`` is a plain ``DATETIME`` (``DATETIME(6)``, microseconds, on
MariaDB/MySQL) and ``BigID`` is ``BIGINT`` (``INTEGER``, the rowid, on SQLite).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc_datetime() -> sa.types.TypeEngine[datetime]:
    """``csat.storage.models.UTCDateTime`` as stored: naive UTC, microseconds everywhere."""
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def _big_id() -> sa.types.TypeEngine[int]:
    """``csat.storage.models.BigID``: BIGINT, but INTEGER (the rowid) on SQLite."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create csat's tables, constraints and indexes."""
    op.create_table(
        "csat_survey_version",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("survey_key", sa.String(length=64), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", _utc_datetime(), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_csat_survey_version")),
    )
    op.create_table(
        "csat_opt_out",
        sa.Column("customer_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", _utc_datetime(), nullable=False),
        sa.PrimaryKeyConstraint("customer_hash", name=op.f("pk_csat_opt_out")),
    )
    op.create_table(
        "csat_event",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("team", sa.String(length=255), nullable=True),
        sa.Column("created_at", _utc_datetime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csat_event")),
    )
    op.create_index(op.f("ix_csat_event_date"), "csat_event", ["date"], unique=False)
    op.create_table(
        "csat_invitation",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("survey_key", sa.String(length=64), nullable=False),
        sa.Column("survey_version", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("customer_hash", sa.String(length=64), nullable=True),
        sa.Column("agent", sa.String(length=255), nullable=False),
        sa.Column("team", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=255), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("resolved_at", _utc_datetime(), nullable=False),
        sa.Column("created_at", _utc_datetime(), nullable=False),
        sa.Column("due_at", _utc_datetime(), nullable=False),
        sa.Column("expires_at", _utc_datetime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("sent_at", _utc_datetime(), nullable=True),
        sa.Column("reminded_at", _utc_datetime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["survey_version"],
            ["csat_survey_version.fingerprint"],
            name=op.f("fk_csat_invitation_survey_version_csat_survey_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csat_invitation")),
        sa.UniqueConstraint(
            "survey_key", "ticket_id", name=op.f("uq_csat_invitation_survey_key_ticket_id")
        ),
        sa.UniqueConstraint("token_hash", name=op.f("uq_csat_invitation_token_hash")),
    )
    op.create_index(
        "ix_csat_invitation_status_due_at", "csat_invitation", ["status", "due_at"], unique=False
    )
    op.create_index(
        "ix_csat_invitation_customer_hash_due_at",
        "csat_invitation",
        ["customer_hash", "due_at"],
        unique=False,
    )
    op.create_table(
        "csat_response",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("invitation_id", sa.BigInteger(), nullable=False),
        sa.Column("survey_key", sa.String(length=64), nullable=False),
        sa.Column("survey_version", sa.String(length=64), nullable=False),
        sa.Column("answered_at", _utc_datetime(), nullable=False),
        sa.Column("updated_at", _utc_datetime(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=True),
        sa.Column("understood_score", sa.SmallInteger(), nullable=True),
        sa.Column("helped_score", sa.SmallInteger(), nullable=True),
        sa.Column("overall_score", sa.SmallInteger(), nullable=True),
        sa.Column("effort_score", sa.Double(), nullable=True),
        sa.Column("team", sa.String(length=255), nullable=False),
        sa.Column("agent", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=255), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["csat_invitation.id"],
            name=op.f("fk_csat_response_invitation_id_csat_invitation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_version"],
            ["csat_survey_version.fingerprint"],
            name=op.f("fk_csat_response_survey_version_csat_survey_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csat_response")),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_csat_response_invitation_id")),
    )
    op.create_index(
        "ix_csat_response_answered_at_team", "csat_response", ["answered_at", "team"], unique=False
    )
    op.create_index(
        "ix_csat_response_answered_at_agent",
        "csat_response",
        ["answered_at", "agent"],
        unique=False,
    )


def downgrade() -> None:
    """Drop csat's tables (and with them their constraints and indexes)."""
    op.drop_index("ix_csat_response_answered_at_agent", table_name="csat_response")
    op.drop_index("ix_csat_response_answered_at_team", table_name="csat_response")
    op.drop_table("csat_response")
    op.drop_index("ix_csat_invitation_customer_hash_due_at", table_name="csat_invitation")
    op.drop_index("ix_csat_invitation_status_due_at", table_name="csat_invitation")
    op.drop_table("csat_invitation")
    op.drop_index(op.f("ix_csat_event_date"), table_name="csat_event")
    op.drop_table("csat_event")
    op.drop_table("csat_opt_out")
    op.drop_table("csat_survey_version")
