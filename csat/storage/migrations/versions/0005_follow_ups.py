"""Follow-up cases, their history and the outbox of emails to team leads.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 02:00:00

Types are spelled out (see 0001): ``UTCDateTime`` is ``DATETIME`` (``DATETIME(6)``
on MariaDB/MySQL) and ``BigID`` is ``BIGINT`` (``INTEGER``, the rowid, on SQLite).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc_datetime() -> sa.types.TypeEngine[datetime]:
    """``csat.storage.models.UTCDateTime`` as stored: naive UTC, microseconds everywhere."""
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def _big_id() -> sa.types.TypeEngine[int]:
    """``csat.storage.models.BigID``: BIGINT, but INTEGER (the rowid) on SQLite."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create ``csat_follow_up``, ``csat_follow_up_entry`` and ``csat_lead_email``."""
    op.create_table(
        "csat_follow_up",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("invitation_id", sa.BigInteger(), nullable=False),
        sa.Column("ticket_id", sa.String(length=255), nullable=False),
        sa.Column("team", sa.String(length=255), nullable=False),
        sa.Column("agent", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("opened_at", _utc_datetime(), nullable=False),
        sa.Column("due_at", _utc_datetime(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("claimed_by", sa.String(length=255), nullable=True),
        sa.Column("claimed_at", _utc_datetime(), nullable=True),
        sa.Column("first_contact_at", _utc_datetime(), nullable=True),
        sa.Column("closed_by", sa.String(length=255), nullable=True),
        sa.Column("closed_at", _utc_datetime(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("reasons", sa.String(length=64), nullable=False),
        sa.Column("understood_score", sa.SmallInteger(), nullable=True),
        sa.Column("helped_score", sa.SmallInteger(), nullable=True),
        sa.Column("updated_at", _utc_datetime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["csat_invitation.id"],
            name=op.f("fk_csat_follow_up_invitation_id_csat_invitation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csat_follow_up")),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_csat_follow_up_invitation_id")),
    )
    op.create_index(
        "ix_csat_follow_up_state_due_at", "csat_follow_up", ["state", "due_at"], unique=False
    )
    op.create_index(
        "ix_csat_follow_up_opened_at_team", "csat_follow_up", ["opened_at", "team"], unique=False
    )
    op.create_table(
        "csat_follow_up_entry",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("follow_up_id", sa.BigInteger(), nullable=False),
        sa.Column("at", _utc_datetime(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["follow_up_id"],
            ["csat_follow_up.id"],
            name=op.f("fk_csat_follow_up_entry_follow_up_id_csat_follow_up"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csat_follow_up_entry")),
    )
    op.create_index(
        op.f("ix_csat_follow_up_entry_follow_up_id"),
        "csat_follow_up_entry",
        ["follow_up_id"],
        unique=False,
    )
    op.create_table(
        "csat_lead_email",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("follow_up_id", sa.BigInteger(), nullable=True),
        sa.Column("follow_up_ids", sa.JSON(), nullable=True),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("created_at", _utc_datetime(), nullable=False),
        sa.Column("due_at", _utc_datetime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sent_at", _utc_datetime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", _utc_datetime(), nullable=True),
        sa.Column("failing_since", _utc_datetime(), nullable=True),
        sa.Column("claim_id", sa.String(length=32), nullable=True),
        sa.Column("claimed_until", _utc_datetime(), nullable=True),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["follow_up_id"],
            ["csat_follow_up.id"],
            name=op.f("fk_csat_lead_email_follow_up_id_csat_follow_up"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csat_lead_email")),
        sa.UniqueConstraint(
            "follow_up_id", "recipient", name=op.f("uq_csat_lead_email_follow_up_id_recipient")
        ),
    )
    op.create_index(
        "ix_csat_lead_email_status_due_at", "csat_lead_email", ["status", "due_at"], unique=False
    )


def downgrade() -> None:
    """Drop the three tables again."""
    op.drop_table("csat_lead_email")
    op.drop_table("csat_follow_up_entry")
    op.drop_table("csat_follow_up")
