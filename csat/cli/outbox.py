"""``csat outbox``: what waits to be sent, and why the last attempts failed."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import click

from .support import db_option, open_service, settings_for, utc_minute


@click.command("outbox")
@db_option
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text",
              help="text for people (default), json for monitoring.")  # fmt: skip
def outbox(db_url: str, fmt: str) -> None:
    """Show the outbox: invitations and lead emails by status, what is due and when,
    the last errors.

    Reasons are shown as stored: with every address masked.
    """
    settings = settings_for(db_url, secret=False)
    with open_service(settings) as service:
        status = service.outbox_status()
    if fmt == "json":
        data: dict[str, Any] = asdict(status)
        click.echo(json.dumps(data, default=_iso, indent=2))
        return
    counts = ", ".join(f"{name} {count}" for name, count in status.counts.items())
    click.echo(f"invitations: {counts}")
    leads = ", ".join(f"{name} {count}" for name, count in status.lead_counts.items())
    click.echo(f"lead emails: {leads}")
    of_leads = f" ({status.leads_due} lead email(s))" if status.leads_due else ""
    click.echo(f"due now: {status.due_now}{of_leads}")
    click.echo(f"waiting to retry: {status.waiting_retry}")
    if status.next_due_at is None:
        upcoming = "none planned"
    elif status.next_due_at <= status.now:
        upcoming = "now"
    else:
        upcoming = utc_minute(status.next_due_at)
    click.echo(f"next due: {upcoming}")
    if not status.errors:
        click.echo("last errors: none")
        return
    click.echo("last errors:")
    for group in status.errors:
        click.echo(f"  {group.count:>6}  {group.status:<8} {group.reason}")


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
