"""``csat serve`` and the ``flask csat …`` command group.

``csat serve`` runs :func:`csat.app.create_app` on Werkzeug's threaded
server, for a small installation or a try-out; in production run the same
factory under gunicorn: ``gunicorn -w 2 'csat.app:create_app()'``.

In a Flask host app the csat commands are also ``flask csat …``; there the
``CSAT_*`` values of the app's config are the defaults for the environment.
"""

from __future__ import annotations

import os
from typing import Any

import click

from .cli_support import CSATGroup, db_option
from .config import DEFAULTS


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535))
def serve(db_url: str, host: str, port: int) -> None:
    """Serve the survey pages (CSAT_SECRET_KEY required; tables via `csat db upgrade`)."""
    from werkzeug.serving import run_simple

    from .app import create_app

    app = create_app({"CSAT_DATABASE_URL": db_url})
    prefix = app.config["CSAT_URL_PREFIX"]
    click.echo(f"csat: survey pages on http://{host}:{port}{prefix}/<token>")
    run_simple(host, port, app, threaded=True)


class FlaskCSATGroup(CSATGroup):
    """``flask csat``: csat's commands with the app's ``CSAT_*`` config as defaults."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run with the app's scalar ``CSAT_*`` config as environment defaults."""
        from flask.cli import ScriptInfo

        from .ext import get_state

        app = ctx.ensure_object(ScriptInfo).load_app()
        get_state(app)  # a clear error when CSAT(app) was not called
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


def flask_group() -> click.Group:
    """The ``flask csat`` group: the ``csat`` commands under the app's config."""
    from .cli import cli  # imported here: csat.cli imports this module

    commands = {name: c for name, c in cli.commands.items() if name != "serve"}
    return FlaskCSATGroup("csat", help=cli.help, commands=commands)
