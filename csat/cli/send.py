"""``csat send``: drain the outbox once (run it from cron every few minutes).

It sends the survey invitations, their reminders and the emails to team
leads (new follow-up cases, the digests ``csat follow-ups remind`` queued).

SMTP settings come from ``CSAT_SMTP_*`` and the options below; the password
only from the environment variable ``CSAT_SMTP_PASSWORD``. ``--outbox-dir``
writes ``.eml`` files instead (development).

The summary line goes to stdout; what went wrong goes to stderr, one line per
cause, with every address masked. Exit codes: 0 nothing failed; 3 some
invitation or lead email failed for good; 4 nothing could be delivered: the SMTP server
could not be used (name not resolved, connection refused, TLS, login), or
everything due waits for its retry after such a failure; 1 and 2 as for
every command (environment, usage).
"""

from __future__ import annotations

from pathlib import Path

import click

from ..config import DEFAULTS, Settings
from ..errors import SenderConfigurationError
from ..invitations.addresses import mask_addresses
from .support import CLIUsageError, db_option, open_service, progress_bar, settings_for, utc_minute

#: Exit code when at least one invitation or lead email failed permanently in this run.
EXIT_FAILED = 3
#: Exit code when the run could not deliver: the server could not be used, or
#: nothing was sent while invitations wait for their retry.
EXIT_UNDELIVERED = 4


@click.command("send")
@db_option
@click.option("--smtp-host", default=None, metavar="HOST", help="SMTP server (CSAT_SMTP_HOST).")
@click.option("--smtp-port", type=click.IntRange(1, 65535), default=None, metavar="PORT",
              help="SMTP port (CSAT_SMTP_PORT).")  # fmt: skip
@click.option("--smtp-user", default=None, metavar="USER",
              help="Log in as USER; the password comes from CSAT_SMTP_PASSWORD.")  # fmt: skip
@click.option("--smtp-starttls", "security", flag_value="starttls", default=None,
              help="Upgrade the connection with STARTTLS.")  # fmt: skip
@click.option("--smtp-ssl", "security", flag_value="ssl",
              help="Implicit TLS (usually port 465).")  # fmt: skip
@click.option("--outbox-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write .eml files into DIR instead of using SMTP.")  # fmt: skip
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Send at most N emails in this run.")  # fmt: skip
def send(
    db_url: str,
    smtp_host: str | None,
    smtp_port: int | None,
    smtp_user: str | None,
    security: str | None,
    outbox_dir: Path | None,
    limit: int | None,
) -> None:
    """Send due survey invitations, reminders and lead emails; expire stale ones.

    Prints one summary line (sent, retried, failed, reminded, expired, and the
    lead emails when there were any) and, on stderr, one line per cause of
    what went wrong, addresses masked.

    \b
    Exit codes:
      0  nothing failed
      3  some invitation or lead email failed for good
      4  nothing could be delivered: the SMTP server could not be used, or
         everything due waits for its retry
      1  the environment (database, configuration); 2  usage
    """
    from ..delivery import DirectorySender, Sender, SMTPSender

    settings = settings_for(db_url, secret=True)
    smtp_options = (smtp_host, smtp_port, smtp_user, security)
    sender: Sender
    if outbox_dir is not None:
        if any(option is not None for option in smtp_options):
            raise CLIUsageError("--outbox-dir cannot be combined with --smtp-* options")
        sender = DirectorySender(outbox_dir)
    else:
        sender = SMTPSender.from_settings(_smtp_settings(settings, *smtp_options))
    ctx = click.get_current_context()
    with open_service(settings) as service:
        due = service.count_due()
        try:
            with progress_bar(due, "sending") as progress:
                report = service.send_due(sender, limit=limit, progress=progress)
        except SenderConfigurationError as e:
            _problem(f"could not deliver: {e.reason} (check {e.key})")
            ctx.exit(EXIT_UNDELIVERED)
        status = service.outbox_status()
    click.echo(str(report))
    if report.unavailable is not None:
        _problem(f"could not deliver: {report.unavailable}")
    for reason, count in report.retry_reasons.most_common():
        if reason != report.unavailable:
            _problem(f"will retry {count}: {reason}")
    for invitation_id, reason in report.failures[:10]:
        _problem(f"failed: invitation {invitation_id}: {reason}")
    for lead_email_id, reason in report.lead_failures[:10]:
        _problem(f"failed: lead email {lead_email_id}: {reason}")
    attempted = report.sent + report.reminded + report.leads + report.retried + report.failed
    if not attempted and status.waiting_retry:
        when = (
            "" if status.next_due_at is None else f", the next at {utc_minute(status.next_due_at)}"
        )
        _problem(f"nothing sent: {status.waiting_retry} waiting to retry{when}")
        for group in status.errors:
            if group.status == "pending":
                _problem(f"last error ({group.count}): {group.reason}")
    if report.stopped or (not attempted and status.waiting_retry):
        ctx.exit(EXIT_UNDELIVERED)
    if report.failed:
        ctx.exit(EXIT_FAILED)


def _problem(line: str) -> None:
    """One line on stderr; addresses masked (a cron log keeps it)."""
    click.echo(f"csat: {mask_addresses(line)}", err=True)


def _smtp_settings(
    settings: Settings,
    host: str | None,
    port: int | None,
    user: str | None,
    security: str | None,
) -> Settings:
    changes: dict[str, object] = {}
    if host is not None:
        changes["smtp_host"] = host
    if port is not None:
        changes["smtp_port"] = port
    elif security == "ssl" and settings.smtp_port == DEFAULTS["CSAT_SMTP_PORT"]:
        changes["smtp_port"] = 465  # the SMTPS port, unless one was configured
    if user is not None:
        changes["smtp_user"] = user
    if security is not None:
        changes["smtp_security"] = security
    return settings.replace(**changes) if changes else settings
