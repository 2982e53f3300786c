"""The outbox: retry times, sender leases, Message-ID and the reminder queue.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 20:40:00

Types are spelled out (see 0001): ``UTCDateTime`` is ``DATETIME`` (``DATETIME(6)``
on MariaDB/MySQL).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    "next_attempt_at",
    "failing_since",
    "claim_id",
    "claimed_until",
    "message_id",
    "reminder_due_at",
)


def _utc_datetime() -> sa.types.TypeEngine[datetime]:
    """``csat.storage.models.UTCDateTime`` as stored: naive UTC, microseconds everywhere."""
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    """Add the outbox columns and the reminder index to ``csat_invitation``."""
    with op.batch_alter_table("csat_invitation") as batch:
        batch.add_column(sa.Column("next_attempt_at", _utc_datetime(), nullable=True))
        batch.add_column(sa.Column("failing_since", _utc_datetime(), nullable=True))
        batch.add_column(sa.Column("claim_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("claimed_until", _utc_datetime(), nullable=True))
        batch.add_column(sa.Column("message_id", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("reminder_due_at", _utc_datetime(), nullable=True))
    op.create_index(
        "ix_csat_invitation_status_reminder_due_at",
        "csat_invitation",
        ["status", "reminder_due_at"],
        unique=False,
    )


def downgrade() -> None:
    """Drop the outbox columns and the reminder index."""
    op.drop_index("ix_csat_invitation_status_reminder_due_at", table_name="csat_invitation")
    with op.batch_alter_table("csat_invitation") as batch:
        for name in reversed(_COLUMNS):
            batch.drop_column(name)
