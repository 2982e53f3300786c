"""``csat report``, ``csat metrics`` and ``csat export``: the month's figures from the CLI."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .. import metrics
from ..clock import ensure_aware, utcnow
from ..metrics import export as exporting
from .support import CLIError, db_option, migrated_engine, settings_for

if TYPE_CHECKING:
    _DateType = click.ParamType[date]
else:  # click < 8.3 has no generic ParamType
    _DateType = click.ParamType

LANGUAGES = ("de", "en")


class Month(_DateType):
    """A calendar month, ``YYYY-MM``; converts to its first day."""

    name = "month"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        """Parse ``YYYY-MM``."""
        if isinstance(value, date):
            return metrics.month_start(value)
        text = str(value)
        year, dash, month = text.partition("-")
        digits = year + month
        if not (dash and len(year) == 4 and len(month) == 2 and digits.isascii()):
            self.fail(f"{value!r} is not a month in the form YYYY-MM", param, ctx)
        if not digits.isdigit():
            self.fail(f"{value!r} is not a month in the form YYYY-MM", param, ctx)
        if not 1 <= int(month) <= 12 or int(year) < 1:
            self.fail(
                f"{value!r} is not a valid month (month 01 to 12, year 0001 or later)", param, ctx
            )
        return date(int(year), int(month), 1)


def previous_month(now: datetime | None = None) -> date:
    """The first day of the last complete calendar month (UTC) before ``now``."""
    current = ensure_aware(now, "now") if now is not None else utcnow()
    return metrics.add_months(metrics.month_start(current.astimezone(UTC).date()), -1)


month_option = click.option(
    "--month",
    type=Month(),
    default=previous_month,
    metavar="YYYY-MM",
    help="The calendar month (UTC); default: the last complete month.",
)
team_option = click.option("--team", default=None, help="Only this team.")


def _percent(share: metrics.Share) -> str:
    value, interval = share.value, share.interval
    if value is None or interval is None:
        return "–"
    return f"{100 * value:.1f}% [{100 * interval.low:.1f}; {100 * interval.high:.1f}]"


def _mean(mean: metrics.Mean) -> str:
    value, interval = mean.value, mean.interval
    if value is None:
        return "–"
    return (
        f"{value:.2f}"
        if interval is None
        else f"{value:.2f} [{interval.low:.2f}; {interval.high:.2f}]"
    )


def _share_data(share: metrics.Share | None) -> dict[str, Any] | None:
    if share is None:
        return None
    interval = share.interval
    return {
        "successes": share.successes,
        "n": share.n,
        "value": share.value,
        "low": None if interval is None else interval.low,
        "high": None if interval is None else interval.high,
    }


def summary_data(summary: metrics.Summary) -> dict[str, Any]:
    """A summary as JSON-ready data."""
    ces = summary.effort.interval
    return {
        "key": summary.key,
        "responses": summary.responses,
        "small": summary.small,
        "understood": _share_data(summary.understood),
        "helped": _share_data(summary.helped),
        "csat": _share_data(summary.csat),
        "ces": {
            "mean": summary.effort.value,
            "n": summary.effort.n,
            "low": None if ces is None else ces.low,
            "high": None if ces is None else ces.high,
        },
        "quadrants": asdict(summary.quadrants),
        "response_rate": _share_data(summary.response_rate),
    }


def _follow_up_group(group: metrics.FollowUpSummary) -> dict[str, Any]:
    median = group.median_first_contact
    return {
        "key": group.key,
        "opened": group.opened,
        "small": group.small,
        "in_time": _share_data(group.in_time),
        "pending": group.pending,
        "contacted": group.contacted,
        "never_contacted": group.never_contacted,
        "median_first_contact_seconds": None if median is None else median.total_seconds(),
        "outcomes": asdict(group.outcomes),
        "open_at_end": group.open_at_end,
        "overdue_at_end": group.overdue_at_end,
    }


def follow_ups_data(data: metrics.FollowUpMonth) -> dict[str, Any]:
    """The month's follow-up cases as JSON-ready data."""
    due = None if data.due is None else [d.total_seconds() / 3600 for d in data.due]
    return {
        "as_of": data.as_of.isoformat(),
        "needed": data.needed,
        "due_hours": due,
        "overall": _follow_up_group(data.overall),
        "teams": [_follow_up_group(t) for t in data.teams],
    }


@click.command()
@db_option
@month_option
@click.option("--lang", type=click.Choice(LANGUAGES), default=None, help="de or en.")
@team_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the PDF (default: reports/csat-YYYY-MM.pdf).",
)
def report(db_url: str, month: date, lang: str | None, team: str | None, out: Path | None) -> None:
    """Write the monthly management report (A4 PDF); prints the path and headline figures."""
    try:
        from ..report import render_report
    except ImportError as e:  # pragma: no cover - the report extra is a dev dependency
        raise CLIError(f"the report needs `pip install 'csat-surveys[report]'` ({e})") from e
    settings = settings_for(db_url, secret=False)
    if lang is None:
        lang = settings.default_locale if settings.default_locale in LANGUAGES else "en"
    path = out if out is not None else Path("reports") / f"csat-{month:%Y-%m}.pdf"
    with migrated_engine(db_url) as engine:
        rendered = render_report(
            engine, month, path, lang=lang, team=team, min_n=settings.min_group_n
        )
    now = rendered.data.current
    click.echo(f"{rendered.path} ({rendered.pages} pages)")
    click.echo(f"  responses   {now.responses}")
    click.echo(f"  understood  {_percent(now.understood)}")
    click.echo(f"  helped      {_percent(now.helped)}")
    click.echo(f"  csat        {_percent(now.csat)}")
    click.echo(f"  ces         {_mean(now.effort)}")
    click.echo(f"  response    {_percent(now.response_rate or metrics.Share(0, 0))}")


@click.command("metrics")
@db_option
@month_option
@click.option("--by", type=click.Choice(tuple(metrics.GROUPS)), default=None, help="Group by.")
@team_option
@click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table")
def metrics_command(db_url: str, month: date, by: str | None, team: str | None, fmt: str) -> None:
    """Print one month's figures, overall or per team, agent, channel or category.

    The JSON also holds the month's follow-up cases (overall and per team), judged now.
    """
    min_n = settings_for(db_url, secret=False).min_group_n
    with migrated_engine(db_url) as engine:
        if by is None:
            groups = [metrics.month_summary(engine, month, team=team, min_n=min_n)]
        else:
            groups = metrics.breakdown(engine, month, by, team=team, min_n=min_n)
        cases = None
        if fmt == "json":
            cases = metrics.follow_up_month(engine, month, as_of=utcnow(), team=team, min_n=min_n)
    if cases is not None:
        data: dict[str, Any] = {"month": f"{month:%Y-%m}", "by": by, "team": team, "min_n": min_n}
        data["groups"] = [summary_data(g) for g in groups]
        data["follow_ups"] = follow_ups_data(cases)
        click.echo(json.dumps(data, indent=2))
        return
    header = f"{by or 'month':<20} {'n':>6}  {'understood':<22} {'helped':<22} {'csat':<22} ces"
    click.echo(header)
    for g in groups:
        key = f"{month:%Y-%m}" if by is None else ("(none)" if g.key is None else g.key)
        ces = "–" if g.effort.value is None else f"{g.effort.value:.2f}"
        flag = f"  (n < {min_n}: not ranked)" if g.small and by is not None else ""
        click.echo(
            f"{key[:20]:<20} {g.responses:>6}  {_percent(g.understood):<22} "
            f"{_percent(g.helped):<22} {_percent(g.csat):<22} {ces}{flag}"
        )


@click.command()
@db_option
@month_option
@team_option
@click.option("--format", "fmt", type=click.Choice(("csv", "json")), default="csv")
@click.option("--with-email", is_flag=True, help="Include the customer's email address.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Default: stdout."
)
def export(
    db_url: str, month: date, team: str | None, fmt: str, with_email: bool, out: Path | None
) -> None:
    """Export one row per response of the month (CSV per RFC 4180, or JSON)."""
    with migrated_engine(db_url) as engine:
        records = exporting.rows(engine, month, with_email=with_email, team=team)
        stream = out.open("w", encoding="utf-8", newline="") if out is not None else sys.stdout
        try:
            if fmt == "csv":
                count = exporting.write_csv(records, stream, with_email=with_email)
            else:
                count = exporting.write_json(records, stream)
        finally:
            if out is not None:
                stream.close()
    if out is not None:
        click.echo(f"{out}: {count} response(s)")


def register_report_commands(group: click.Group) -> None:
    """Add ``report``, ``metrics`` and ``export`` to the ``csat`` group."""
    for command in (report, metrics_command, export):
        group.add_command(command)
