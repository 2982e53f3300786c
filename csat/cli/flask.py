"""``flask csat …``: csat's commands in a Flask host app.

Flask finds the group through the ``flask.commands`` entry point. There the
commands work on the database of the app's extension (its engine: the one of
``CSAT(app, db=db)`` or ``session=``, else ``CSAT_DATABASE_URL``; ``--db`` on
the command line overrides it), and the ``CSAT_*`` values of the app's config
are the defaults for the environment the commands read.
"""

from __future__ import annotations

import os
from typing import Any

import click

from ..config import DEFAULTS
from .main import cli
from .support import HOST_ENGINE, CSATGroup


class FlaskCSATGroup(CSATGroup):
    """``flask csat``: csat's commands with the app's ``CSAT_*`` config as defaults."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run with the app's scalar ``CSAT_*`` config as environment defaults."""
        from flask.cli import ScriptInfo

        from ..web.state import get_state

        app = ctx.ensure_object(ScriptInfo).load_app()
        # The commands work on the extension's own engine (CSAT(app, db=db) included);
        # get_state raises a clear error when CSAT(app) was not called.
        ctx.meta[HOST_ENGINE] = get_state(app).service.engine
        added = []
        for key in DEFAULTS:
            value = app.config.get(key)
            if key not in os.environ and isinstance(value, str | int | float):
                os.environ[key] = str(value)
                added.append(key)
        try:
            return super().invoke(ctx)
        finally:
            for key in added:
                os.environ.pop(key, None)


#: The ``flask csat`` group: the ``csat`` commands (but ``serve``) under the app's config.
group = FlaskCSATGroup(
    "csat",
    help=cli.help,
    commands={name: c for name, c in cli.commands.items() if name != "serve"},
)
