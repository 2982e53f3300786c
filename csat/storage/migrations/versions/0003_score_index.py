"""An index that holds the scores a month's figures count, by answer time.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 22:10:00

The monthly report's trend reads twelve months of responses; with this index
it reads the index alone instead of every row it finds through the index on
(answered_at, team).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = "ix_csat_response_answered_at_scores"
_COLUMNS = ["answered_at", "understood_score", "helped_score", "overall_score", "effort_score"]


def upgrade() -> None:
    op.create_index(_NAME, "csat_response", _COLUMNS)


def downgrade() -> None:
    op.drop_index(_NAME, table_name="csat_response")
