"""Storage: csat's tables, engines set up the way csat needs them, and the
shipped Alembic migrations (:mod:`csat.storage.migrate`)."""

from __future__ import annotations

from .engine import create_csat_engine
from .models import metadata

__all__ = ["create_csat_engine", "metadata"]
