"""The ``csat`` command line: migrate, invite, opt out, forget, purge, events, follow-ups.

Every command takes ``--db URL`` (default: ``CSAT_DATABASE_URL``, then
``sqlite:///csat.db``); other settings, the secret key among them, come from
the ``CSAT_*`` environment variables. Nothing creates tables implicitly: run
``csat db upgrade`` once per database (and after upgrading csat)::

    export CSAT_SECRET_KEY=...  CSAT_DATABASE_URL=postgresql://csat@db/helpdesk
    csat db upgrade
    csat invite --ticket T-1 --email kim@example.com --agent ana --team "1st Level" \\
        --channel phone

Errors are one line on stderr (``csat: error: ...``); the exit code is 2 for
bad input and 1 for configuration or database problems (``csat send`` adds 3
and 4: see its ``--help``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import click
from sqlalchemy import Engine

from ..clock import utcnow
from ..invitations.addresses import normalize_address
from ..invitations.invite import CHANNELS
from ..invitations.rules import Decision, Reason
from ..storage import migrate
from ..storage.engine import masked_url
from ..version import version
from . import console, demo, follow_ups, outbox, send, serve
from .report import register_report_commands
from .support import (
    AwareDateTime,
    CLIUsageError,
    CSATGroup,
    command_bind,
    db_option,
    missing_sqlite_file,
    open_service,
    settings_for,
)

LOCALES = ("de", "en")


@click.group(name="csat", cls=CSATGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version(), prog_name="csat")
def cli() -> None:
    """Post-ticket surveys: did customers feel understood as well as helped?"""


# -- db ------------------------------------------------------------------------


@cli.group(cls=CSATGroup)
def db() -> None:
    """Manage csat's tables (Alembic migrations shipped with csat)."""


@db.command("upgrade")
@db_option
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(db_url: str, revision: str) -> None:
    """Create or migrate csat's tables; prints the revision reached.

    Under ``flask csat``: on the engine of the app's extension (``CSAT(app, db=db)``).
    """
    bind = command_bind(db_url)
    migrate.upgrade(bind, revision)
    at = migrate.current(bind)
    suffix = " (head)" if at == migrate.head() else ""
    shown = masked_url(bind.url if isinstance(bind, Engine) else bind)
    click.echo(f"{shown}: revision {at}{suffix}")


@db.command("current")
@db_option
def db_current(db_url: str) -> None:
    """Print the database's csat revision ("none" if never migrated)."""
    bind = command_bind(db_url)
    if isinstance(bind, Engine):
        at = migrate.current(bind)
    else:
        at = None if missing_sqlite_file(bind) else migrate.current(bind)
    if at is None:
        click.echo("none (run `csat db upgrade`)")
    else:
        click.echo(f"{at}{' (head)' if at == migrate.head() else ''}")


# -- invitations ----------------------------------------------------------------


@cli.command()
@db_option
@click.option("--ticket", "ticket_id", required=True, help="The host's ticket id.")
@click.option("--email", required=True, help="The customer's email address.")
@click.option("--agent", required=True, help="The agent who resolved the ticket.")
@click.option("--team", required=True, help="The agent's team.")
@click.option("--channel", required=True, type=click.Choice(CHANNELS), help="How it came in.")
@click.option("--category", default=None, help="The ticket's category.")
@click.option("--locale", type=click.Choice(LOCALES), default=None, help="Language of the survey.")
@click.option(
    "--resolved-at",
    type=AwareDateTime(),
    default=None,
    metavar="ISO-8601",
    help="When the ticket was resolved, with a UTC offset (default: now).",
)
@click.option("--survey", default=None, metavar="KEY", help="Survey key (CSAT_DEFAULT_SURVEY).")
@click.option(
    "--base-url", default=None, metavar="URL", help="Survey pages' base URL (CSAT_BASE_URL)."
)
def invite(
    db_url: str,
    ticket_id: str,
    email: str,
    agent: str,
    team: str,
    channel: str,
    category: str | None,
    locale: str | None,
    resolved_at: datetime | None,
    survey: str | None,
    base_url: str | None,
) -> None:
    """Invite the customer of a resolved ticket; prints the survey link.

    Idempotent per survey and ticket: a second call prints the same link.
    When the rules skip the invitation (opt-out, cooldown, sampling,
    excluded address) it prints the reason and exits 0.
    """
    normalize_address(email)  # a malformed address is bad input, not a rule outcome
    settings = settings_for(db_url, base_url=base_url, secret=True)
    with open_service(settings) as service:
        result = service.invite(
            ticket_id,
            email,
            agent=agent,
            team=team,
            channel=channel,
            resolved_at=resolved_at if resolved_at is not None else utcnow(),
            category=category,
            locale=locale,
            survey=survey,
        )
    if result.reason is Reason.INVALID_ADDRESS:
        raise CLIUsageError(f"email: invalid address {email!r}")
    if result.decision is Decision.SKIP or result.url is None:
        click.echo(f"skipped: {result.reason.value}")
        return
    click.echo(result.url)
    if result.decision is Decision.DELAY:
        click.echo(f"delayed until {result.due_at.isoformat()}")


# -- privacy --------------------------------------------------------------------


@cli.command("opt-out")
@db_option
@click.option("--email", required=True, help="The customer's email address.")
def opt_out(db_url: str, email: str) -> None:
    """Send no more surveys to an address; cancels its pending invitations."""
    with open_service(settings_for(db_url, secret=True)) as service:
        cancelled = service.opt_out(email)
    click.echo(f"opted out; {cancelled} pending invitation(s) cancelled")


@cli.command()
@db_option
@click.option("--email", required=True, help="The customer's email address.")
def forget(db_url: str, email: str) -> None:
    """Erase a customer's personal data; anonymous scores and an opt-out stay."""
    with open_service(settings_for(db_url, secret=True)) as service:
        erased = service.forget(email)
    click.echo(
        f"erased: {erased.invitations} invitation(s), {erased.comments} comment(s); "
        f"{erased.cancelled} pending invitation(s) cancelled"
    )


@cli.command()
@db_option
@click.option(
    "--retention-days",
    type=click.FloatRange(min=0),
    default=None,
    help="Override CSAT_RETENTION_DAYS.",
)
def purge(db_url: str, retention_days: float | None) -> None:
    """Erase personal data older than the retention period (CSAT_RETENTION_DAYS)."""
    settings = settings_for(db_url, secret=False)
    if retention_days is not None:
        settings = settings.replace(retention=timedelta(days=retention_days))
    if settings.retention is None:
        click.echo("nothing purged: no retention period (set CSAT_RETENTION_DAYS)")
        return
    with open_service(settings) as service:
        erased = service.purge()
    click.echo(
        f"purged data older than {settings.retention / timedelta(days=1):g} day(s): "
        f"{erased.invitations} invitation(s), {erased.comments} comment(s); "
        f"{erased.cancelled} pending invitation(s) cancelled"
    )


# -- events ---------------------------------------------------------------------


@cli.group(cls=CSATGroup)
def event() -> None:
    """Markers (e.g. a training) the report compares before and after."""


@event.command("add")
@db_option
@click.option("--name", required=True, help='What happened, e.g. "Training, part 1".')
@click.option(
    "--date",
    "day",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="The day it happened.",
)
@click.option("--team", default=None, help="The team it concerns (default: everyone).")
def event_add(db_url: str, name: str, day: datetime, team: str | None) -> None:
    """Record an event; prints its id."""
    on: date = day.date()
    with open_service(settings_for(db_url, secret=False)) as service:
        event_id = service.add_event(name, on, team=team)
    scope = f" for team {team}" if team is not None else ""
    click.echo(f"event {event_id}: {name.strip()} on {on.isoformat()}{scope}")


register_report_commands(cli)
cli.add_command(send.send)
cli.add_command(outbox.outbox)
cli.add_command(follow_ups.follow_ups)
cli.add_command(serve.serve)
cli.add_command(console.console)
cli.add_command(demo.demo)


def main() -> None:
    """Console entry point (``csat``)."""
    cli.main(prog_name="csat")


if __name__ == "__main__":  # pragma: no cover
    main()
