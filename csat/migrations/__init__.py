"""csat's Alembic migrations (``script_location = csat:migrations``); see :mod:`csat.migrate`."""
