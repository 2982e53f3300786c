"""An invitation keeps the base URL of its link and the customer's time zone.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 09:30:00

The base URL is the one the invitation's link was first shown with, so the
email carries the same link whichever command sends it; the time zone (IANA
name), where the helpdesk knows it, is the one times are shown to the
customer in. Both are NULL on older rows: those use the settings.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``base_url`` and ``timezone`` to ``csat_invitation``."""
    with op.batch_alter_table("csat_invitation") as batch:
        batch.add_column(sa.Column("base_url", sa.String(length=2000), nullable=True))
        batch.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("csat_invitation") as batch:
        batch.drop_column("timezone")
        batch.drop_column("base_url")
