"""csat's Alembic migrations (``csat.storage:migrations``); see :mod:`csat.storage.migrate`."""
