"""``csat follow-ups``: list and close follow-up cases; queue the leads' daily digest.

``list`` prints the cases sorted by due time (a table, or JSON for scripts);
``close`` closes one with an outcome, in the history as ``--by NAME`` (default:
the operating-system user, else ``cli``); ``remind`` (cron, once a day or
more often) queues one digest of their overdue cases for every lead who has
none from today, and ``csat send`` delivers it with the other emails.

Exit codes: 0 done; 2 bad input (an unknown case id, an unknown state or
outcome); 3 the case's state does not allow it (closing a closed case);
1 as for every command (environment).
"""

from __future__ import annotations

import getpass
import json
from datetime import datetime

import click

from ..errors import FollowUpStateError, InvalidInputError
from ..follow_ups.rules import Outcome, State
from ..follow_ups.work import CaseRow, check_actor
from .support import CLIError, CSATGroup, db_option, open_service, settings_for, utc_minute

#: Exit code when the case's state does not allow the action (e.g. it is closed).
EXIT_STATE = 3
#: The actor of ``close`` when the operating-system user cannot be named.
FALLBACK_ACTOR = "cli"


class CaseStateError(CLIError):
    """The case's state does not allow the action; exit code 3."""

    exit_code = EXIT_STATE


@click.group("follow-ups", cls=CSATGroup)
def follow_ups() -> None:
    """Follow-up cases: customers who did not feel understood or helped get a call back."""


def _cell(value: object, width: int | None = None) -> str:
    """``value`` for one table cell: one line, unprintable characters shown as U+FFFD
    (a team or agent name from the host must not drive the terminal), cut to ``width``."""
    text = "".join(c if c.isprintable() else "\ufffd" for c in " ".join(str(value).split()))
    if width is not None and len(text) > width:
        text = text[: width - 1] + "…"
    return text


def _state(case: CaseRow, now: datetime) -> str:
    shown = case.state.value
    if case.state is State.CLAIMED and case.claimed_by is not None:
        shown = f"claimed by {case.claimed_by}"
    elif case.state is State.CLOSED and case.outcome is not None:
        shown = f"closed: {case.outcome.value}"
    return f"{shown}, overdue" if case.overdue(now) else shown


@follow_ups.command("list")
@db_option
@click.option("--team", default=None, help="Only this team's cases.")
@click.option("--agent", default=None, help="Only this agent's cases.")
@click.option("--state", type=click.Choice([s.value for s in State]), default=None,
              help="Only cases in this state.")  # fmt: skip
@click.option("--overdue", is_flag=True, help="Only cases not closed whose due time has passed.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most N cases.")
@click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table",
              help="table for people (default), json for scripts.")  # fmt: skip
def list_cases(
    db_url: str,
    team: str | None,
    agent: str | None,
    state: str | None,
    overdue: bool,
    limit: int | None,
    fmt: str,
) -> None:
    """List follow-up cases, the earliest due first (times in UTC).

    JSON: a list of objects with id, ticket_id, team, agent, channel, locale,
    state, opened_at, due_at, claimed_by, outcome, closed_at, reasons, the two
    scores and overdue; times in ISO 8601.
    """
    with open_service(settings_for(db_url, secret=False)) as service:
        now = service.clock()
        cases = service.follow_ups(
            team=team, agent=agent, state=state, overdue=overdue, limit=limit, now=now
        )
    if fmt == "json":
        data = [case.as_dict() | {"overdue": case.overdue(now)} for case in cases]
        click.echo(json.dumps(data, indent=2))
        return
    if not cases:
        click.echo("no follow-up cases match")
        return
    click.echo(f"{'id':>6}  {'ticket':<16} {'team':<16} {'agent':<12} {'due':<20} state")
    for case in cases:
        click.echo(
            f"{case.id:>6}  {_cell(case.ticket_id, 16):<16} {_cell(case.team, 16):<16} "
            f"{_cell(case.agent, 12):<12} {utc_minute(case.due_at):<20} "
            f"{_cell(_state(case, now))}"
        )


def default_actor() -> str:
    """Who closes from the command line: the operating-system user if it is a
    valid name (:func:`~csat.follow_ups.work.check_actor`), else ``cli``."""
    try:
        return check_actor(getpass.getuser())
    except (OSError, KeyError, InvalidInputError):
        return FALLBACK_ACTOR


@follow_ups.command("close")
@db_option
@click.argument("case_id", metavar="ID", type=int)
@click.option("--outcome", required=True, type=click.Choice([o.value for o in Outcome]),
              help="How it ended: reached and resolved, reached and not resolved, "
                   "not reachable, declined.")  # fmt: skip
@click.option("--note", default=None, help="A note for the case's history.")
@click.option("--by", "actor", default=None, metavar="NAME",
              help="Who closes it, for the history (default: your login, else cli).")  # fmt: skip
def close(db_url: str, case_id: int, outcome: str, note: str | None, actor: str | None) -> None:
    """Close case ID with an outcome (and a note)."""
    with open_service(settings_for(db_url, secret=False)) as service:
        try:
            case = service.close_follow_up(
                case_id, actor if actor is not None else default_actor(), outcome, note=note
            )
        except FollowUpStateError as e:
            raise CaseStateError(str(e)) from e
    click.echo(f"closed case {case.id} (ticket {_cell(case.ticket_id)}): {outcome}")


@follow_ups.command("remind")
@db_option
def remind(db_url: str) -> None:
    """Queue each lead's digest of their overdue cases (one a day); `csat send` sends it.

    Run it from cron, e.g. every weekday morning; running it again the same
    day (in CSAT_TIMEZONE) queues nothing new for a lead who has one.
    """
    with open_service(settings_for(db_url, secret=False)) as service:
        reminded = service.remind_follow_ups()
    if not reminded.overdue:
        click.echo("no overdue cases")
        return
    queued = len(reminded.queued)
    click.echo(
        f"{reminded.overdue} overdue case(s); queued {queued} digest(s)"
        + ("; `csat send` delivers them" if queued else "")
    )
    if reminded.already:
        click.echo(f"{len(reminded.already)} lead(s) have today's digest already")
    if reminded.unassigned:
        click.echo(
            f"{reminded.unassigned} overdue case(s) of teams without a lead in CSAT_TEAM_LEADS",
            err=True,
        )
