"""Alembic environment for csat's migrations.

:mod:`csat.storage.migrate` passes an open connection in
``config.attributes["connection"]``; the ``alembic`` command line works too,
with ``script_location = csat.storage:migrations`` and ``sqlalchemy.url`` (or the
``CSAT_DATABASE_URL`` environment variable). Revisions are recorded in
``csat_alembic_version`` and autogenerate compares only csat's own tables
(:func:`csat.storage.migrate.include_name`), so csat can live next to a host
application's own tables and migrations.
"""

from __future__ import annotations

import os
from typing import Any

from alembic import context
from sqlalchemy import Connection

# Alembic loads this file by its path, outside the package: imports are absolute.
from csat.errors import ConfigurationError
from csat.storage.engine import create_csat_engine, normalize_url
from csat.storage.migrate import VERSION_TABLE, include_name
from csat.storage.models import metadata

config = context.config
target_metadata = metadata


def _options(dialect_name: str) -> dict[str, Any]:
    return {
        "target_metadata": target_metadata,
        "version_table": VERSION_TABLE,
        "include_name": include_name,
        "render_as_batch": dialect_name == "sqlite",
        "compare_type": True,
    }


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("CSAT_DATABASE_URL")
    if not url:
        raise ConfigurationError("CSAT_DATABASE_URL", "no database URL for the migrations")
    return url


def run_migrations_offline() -> None:
    """Emit the migrations as SQL (``alembic upgrade --sql``)."""
    url = _url()
    parsed = normalize_url(url)
    context.configure(
        url=parsed,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **_options(parsed.get_backend_name()),
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    context.configure(connection=connection, **_options(connection.dialect.name))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the given connection, or on one to ``sqlalchemy.url``."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_csat_engine(_url())
    try:
        with engine.connect() as new_connection:
            _run(new_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
