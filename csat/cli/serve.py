"""``csat serve``: csat's pages as a service of their own.

It runs :func:`csat.web.create_app` on Werkzeug's threaded server, for a
small installation or a try-out; in production run the same factory under
gunicorn: ``gunicorn -w 2 'csat.web:create_app()'``.
"""

from __future__ import annotations

import click

from .support import db_option


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535))
def serve(db_url: str, host: str, port: int) -> None:
    """Serve the survey pages (CSAT_SECRET_KEY required; tables via `csat db upgrade`)."""
    from werkzeug.serving import run_simple

    from ..web.app import create_app
    from ..web.state import get_service

    app = create_app({"CSAT_DATABASE_URL": db_url})
    prefix = app.config["CSAT_URL_PREFIX"]
    click.echo(f"csat: survey pages on http://{host}:{port}{prefix}/<token>")
    settings = get_service(app).settings
    if settings.console_users:
        console = settings.console_prefix
        click.echo(f"csat: staff console on http://{host}:{port}{console}/follow-ups")
    run_simple(host, port, app, threaded=True)
