"""``csat demo``: a realistic helpdesk year on an empty database (see :mod:`csat.demo`)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from ..demo.profiles import DEFAULT_SEED
from .support import CLIError, progress_bar


@click.command("demo")
@click.option("--db", "db_url", required=True, metavar="URL",
              help="An empty database (SQLAlchemy URL), e.g. sqlite:///demo.db.")  # fmt: skip
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True,
              help="Everything random follows this seed.")  # fmt: skip
@click.option("--months", type=click.IntRange(1, 24), default=12, show_default=True,
              help="How many months, ending October 2026.")  # fmt: skip
@click.option("--outbox", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep the emails (.eml) here; default: a temporary directory.")  # fmt: skip
def demo(db_url: str, seed: int, months: int, outbox: Path | None) -> None:
    """Build a year of a fictional IT helpdesk through csat's real paths.

    Three teams, twenty agents, invitations through the rules, emails through
    the outbox, answers through the survey pages, follow-up cases worked by
    the team leads, and a two-part communication training of the 1st Level
    that the report should find.
    The same seed gives the same data.
    """
    from ..demo import DemoError, run_demo
    from ..demo.profiles import END, TAIL_DAYS
    from ..metrics import add_months

    days = (END.date() - add_months(END.date(), -months)).days + TAIL_DAYS  # one step a day
    with progress_bar(days, "simulating") as progress:
        try:
            result = run_demo(db_url, seed=seed, months=months, outbox=outbox, progress=progress)
        except DemoError as e:
            raise CLIError(str(e)) from e
    skipped = {k: v for k, v in result.reasons.items() if k not in ("due", "delayed")}
    invited = result.reasons["due"] + result.reasons["delayed"]
    delivered = result.sent
    rate = f"{100 * result.responses / delivered:.0f} %" if delivered else "–"
    where = str(outbox) if outbox is not None else "a temporary directory, removed"
    end = END.date() - timedelta(days=1)
    lines = [
        f"csat demo (seed {seed}): {result.first_day:%Y-%m-%d} to {end:%Y-%m-%d} on {db_url}",
        f"  tickets      {result.tickets:,} resolved by 3 teams, 20 agents",
        f"  invitations  {invited:,} ({result.reopened:,} cancelled: ticket reopened); skipped: "
        + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in sorted(skipped.items())),
        f"  emails       {result.sent:,} invitations, {result.reminded:,} reminders ({where})",
        f"  responses    {result.responses:,} via the survey pages ({rate} of delivered), "
        f"{result.comments:,} with a comment; {result.unsubscribed:,} unsubscribed",
    ]
    cases = result.cases
    closed = cases["opened"] - cases["open"]
    in_time = f"{100 * cases['in_time'] / closed:.0f} %" if closed else "–"
    lines.append(
        f"  follow-ups   {cases['opened']:,} cases, {closed:,} closed by the leads ({in_time} in "
        f"time): resolved {cases['resolved']:,}, not resolved {cases['not_resolved']:,}, "
        f"not reachable {cases['not_reachable']:,}, declined {cases['declined']:,}; "
        f"{cases['open']:,} open; {result.lead_emails:,} lead emails sent"
    )
    for name, day, team in result.events:
        lines.append(f"  event        {name}, {day:%Y-%m-%d} ({team})")
    lines.append(
        f"  last answers {end + timedelta(days=TAIL_DAYS):%Y-%m-%d}; "
        f"report: csat report --db {db_url} --month {result.last_month:%Y-%m}"
    )
    click.echo("\n".join(lines))
