"""Benchmark: ``SurveyService.send_due`` against a plain cron-job script.

The plain script is what a competent developer writes for the same job with
the same stack: one SELECT of the due invitations (SQLAlchemy Core), then for
each one an :class:`email.message.EmailMessage` (SMTP policy; subject, plain
text and an HTML alternative rendered from the small Jinja templates in
``bench/templates/email/``, with the survey link, five one-click links, the
unsubscribe link, ``List-Unsubscribe`` headers and a Message-ID), sent with
:meth:`smtplib.SMTP.send_message` over one connection, and marked sent with an
UPDATE in its own transaction.

Marking per row, each UPDATE committed right after its send, is the
idiomatic choice for a job whose side effect cannot be undone: if the script
dies (or the server drops the connection) after a send, the next run sends
only that one email again, whereas marks collected for one UPDATE at the end
of a batch would make it send the whole batch again; it is also what the
plain "send, then mark" loop gives without any thought. (csat groups its
marks, ten emails by default, and writes them while the server works on the
next email: a crash leaves up to about a dozen emails to go out again, with
the same Message-ID. The plain script's promise is the stricter one.)

Both sides send to loopback aiosmtpd sinks (own processes) that answer each
message 5 ms late (``--reply-delay``), as a mail server writing it to disk
does; the figure is send_due's rate against the plain script's (target: at
least 0.9x). The same comparison with a sink that answers at once is printed
as a note. Both run on SQLite (a temporary file) and on a throw-away
PostgreSQL database, on the same database settings (see
:func:`bench.common.baseline_engine`), each reading its own invitation rows.

The two sides take turns (csat, plain, plain, csat, ...), each turn a share
of the invitations, so a change in the load of a shared machine falls on both.
A few invitations per side are sent first, untimed (templates compiled,
statements cached, connections open). Afterwards every message must have
arrived exactly once and every invitation must be marked sent.

    python -m bench.send [--rows N] [--rounds R] [--db sqlite|postgresql] [--reply-delay MS]
"""

from __future__ import annotations

import argparse
import secrets
import smtplib
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, Template, select_autoescape
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    select,
    update,
)

import csat
from bench.common import (
    POSTGRESQL_URL,
    ServerUnavailableError,
    baseline_engine,
    bench,
    note,
    per_second,
    skipped,
    throwaway_postgresql,
    timed,
)
from bench.smtp_sink import arrived, running_sink
from csat.delivery import SMTPSender
from csat.storage.migrate import upgrade

TARGET = 0.9
SECRET = "bench-secret-key-0123456789abcdef"
NOW = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
MAIL_FROM = "IT Support <support@example.com>"
MAIL_DOMAIN = "example.com"
BASE_URL = "http://localhost:5000/survey"
VALIDITY = timedelta(days=14)
LOCALES = ("en", "de")
WARM_UP = 50
TEMPLATES = Path(__file__).resolve().parent / "templates"
#: Subject, plain text and HTML templates by locale.
Templates = dict[str, tuple[Template, Template, Template]]

# -- the plain script ---------------------------------------------------------------

plain_metadata = MetaData()
INVITATIONS = Table(
    "plain_invitation",
    plain_metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", String(255), nullable=False),
    Column("email", String(320), nullable=False),
    Column("locale", String(8), nullable=False),
    Column("token", String(64), nullable=False, unique=True),
    Column("due_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("sent_at", DateTime),
    Index("ix_plain_invitation_status_due_at", "status", "due_at"),
)
MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"),
}  # fmt: skip


def load_templates() -> Templates:
    """Subject, plain text and HTML templates by locale, compiled once."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return {
        locale: (
            env.get_template(f"email/subject.{locale}.txt"),
            env.get_template(f"email/invitation.{locale}.txt"),
            env.get_template(f"email/invitation.{locale}.html"),
        )
        for locale in LOCALES
    }


def long_date(day: datetime, locale: str) -> str:
    """``19 October 2026`` / ``19. Oktober 2026``."""
    month = MONTHS[locale][day.month - 1]
    return f"{day.day}. {month} {day.year}" if locale == "de" else f"{day.day} {month} {day.year}"


def build_email(templates: Templates, row: Any) -> EmailMessage:
    """The survey email for one invitation row."""
    survey_url = f"{BASE_URL}/{row.token}"
    unsubscribe_url = f"{survey_url}/unsubscribe"
    context = {
        "locale": row.locale,
        "ticket_id": row.ticket_id,
        "survey_url": survey_url,
        "unsubscribe_url": unsubscribe_url,
        "expires_on": long_date(row.expires_at, row.locale),
    }
    subject, text, html = templates[row.locale]
    message = EmailMessage(policy=SMTP)
    message["Subject"] = subject.render(context).strip()
    message["From"] = MAIL_FROM
    message["To"] = row.email
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(str(row.id), domain=MAIL_DOMAIN)
    message["Auto-Submitted"] = "auto-generated"
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text.render(context))
    message.add_alternative(html.render(context), subtype="html")
    return message


def send_due_plain(
    engine: Engine,
    smtp: smtplib.SMTP,
    templates: Templates,
    now: datetime,
    limit: int,
) -> int:
    """The cron job: select the due invitations, then build, send and mark each
    one (one connection for the run; each mark committed as soon as its email went out)."""
    naive_now = now.astimezone(UTC).replace(tzinfo=None)
    with engine.connect() as conn:
        rows = conn.execute(
            select(INVITATIONS)
            .where(INVITATIONS.c.status == "pending", INVITATIONS.c.due_at <= naive_now)
            .order_by(INVITATIONS.c.id)
            .limit(limit)
        ).all()
        for row in rows:
            try:
                smtp.send_message(build_email(templates, row))
                status = "sent"
            except smtplib.SMTPRecipientsRefused:
                status = "failed"
            conn.execute(
                update(INVITATIONS)
                .where(INVITATIONS.c.id == row.id)
                .values(status=status, sent_at=datetime.now(UTC).replace(tzinfo=None))
            )
            conn.commit()
    return len(rows)


# -- the benchmark ------------------------------------------------------------------


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise RuntimeError(f"send benchmark is not measuring what it should: {message}")


def _customers(rows: int) -> list[tuple[str, str, str]]:
    """(ticket, address, locale) of each invitation; the locales alternate."""
    return [(f"INC-{100_000 + n}", f"customer{n}@example.com", LOCALES[n % 2]) for n in range(rows)]


def _prepare(url: str, rows: int) -> tuple[csat.SurveyService, Engine]:
    """csat's invitations (through its API) and the plain script's, all due."""
    upgrade(url)
    service = csat.SurveyService(url, secret_key=SECRET, mail_from=MAIL_FROM, base_url=BASE_URL)
    resolved = NOW - timedelta(hours=2)
    customers = _customers(rows)
    requests = [
        csat.InviteRequest(ticket_id=ticket, email=email, agent="ana", team="1st Level",
                           channel="phone", resolved_at=resolved, locale=locale)
        for ticket, email, locale in customers
    ]  # fmt: skip
    for start in range(0, rows, 5_000):
        service.invite_many(requests[start : start + 5_000], now=NOW)
    _check(service.count_due(now=NOW) == rows, "every csat invitation is due")

    engine = baseline_engine(url)
    plain_metadata.create_all(engine)
    naive = resolved.replace(tzinfo=None)
    plain_rows = [
        {"ticket_id": ticket, "email": email, "locale": locale,
         "token": secrets.token_urlsafe(18), "due_at": naive, "expires_at": naive + VALIDITY,
         "status": "pending"}
        for ticket, email, locale in customers
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(INVITATIONS), plain_rows)
    return service, engine


def run_rounds(
    ports: tuple[int, int], service: csat.SurveyService, engine: Engine, rows: int, rounds: int
) -> tuple[float, float, list[Any]]:
    """Both sides in turns (csat, plain, plain, csat, ...), each turn a share of
    the invitations, after an untimed warm-up. Each side keeps one SMTP
    connection. ``ports``: the plain script's sink, csat's sink. Returns the plain
    script's and csat's seconds, and csat's reports."""
    plain_port, csat_port = ports
    templates = load_templates()
    plain_seconds = csat_seconds = 0.0
    reports: list[Any] = []
    sender = SMTPSender("127.0.0.1", csat_port)
    with smtplib.SMTP("127.0.0.1", plain_port) as smtp, sender:
        reports.append(service.send_due(sender, limit=WARM_UP, now=NOW))
        _check(send_due_plain(engine, smtp, templates, NOW, WARM_UP) == WARM_UP, "warm-up")
        left = rows - WARM_UP
        share = -(-left // rounds)
        for turn in range(rounds):
            limit = min(share, left - turn * share)

            def plain(limit: int = limit) -> int:
                return send_due_plain(engine, smtp, templates, NOW, limit)

            def drain(limit: int = limit) -> Any:
                return service.send_due(sender, limit=limit, now=NOW)

            sides: tuple[str, str] = ("csat", "plain") if turn % 2 == 0 else ("plain", "csat")
            for side in sides:
                if side == "plain":
                    sent, seconds = timed(plain)
                    _check(sent == limit, f"plain script sent {sent} of {limit}")
                    plain_seconds += seconds
                else:
                    report, seconds = timed(drain)
                    _check(report.sent == limit, f"send_due sent {report.sent} of {limit}")
                    reports.append(report)
                    csat_seconds += seconds
    return plain_seconds, csat_seconds, reports


def _plain_ids(message_ids: Sequence[str]) -> list[int]:
    """Invitation ids from the plain script's Message-IDs (``make_msgid(str(id))``)."""
    return [int(mid.strip("<>").split("@")[0].rsplit(".", 1)[1]) for mid in message_ids]


def measure(url: str, rows: int, rounds: int, delay: float) -> tuple[float, float, int]:
    """Time both sides on one fresh database (the sinks replying ``delay`` seconds
    late), check what they did; return seconds of the plain script and of
    send_due for the timed invitations, and the timed count."""
    service, engine = _prepare(url, rows)
    try:
        with tempfile.TemporaryDirectory(prefix="csat-bench-smtp-") as tmp:
            plain_log, csat_log = Path(tmp) / "plain.log", Path(tmp) / "csat.log"
            with (
                running_sink(plain_log, delay) as plain_port,
                running_sink(csat_log, delay) as csat_port,
            ):
                plain_seconds, csat_seconds, reports = run_rounds(
                    (plain_port, csat_port), service, engine, rows, rounds
                )
            plain, sent = arrived(plain_log), arrived(csat_log)
        total = sum(report.sent for report in reports)
        bad = sum(report.retried + report.failed for report in reports)
        _check(total == rows and bad == 0, f"reports {[str(r) for r in reports]}")
        _check(len(sent) == rows and max(sent.values()) == 1, "csat: each email arrived once")
        _check(len(plain) == rows and max(plain.values()) == 1, "plain: each arrived once")
        with engine.connect() as conn:
            ids = set(conn.scalars(select(INVITATIONS.c.id)))
            marked = conn.scalar(select(func.count()).where(INVITATIONS.c.status == "sent"))
        _check(set(_plain_ids(list(plain))) == ids, "plain: one email per invitation")
        _check(marked == rows, "plain: every invitation marked sent")
        _check(service.count_due(now=NOW) == 0, "csat: every invitation marked sent")
    finally:
        engine.dispose()
        service.engine.dispose()
    return plain_seconds, csat_seconds, rows - WARM_UP


@contextmanager
def fresh_sqlite() -> Iterator[str]:
    """The URL of a new SQLite file, removed after."""
    with tempfile.TemporaryDirectory(prefix="csat-bench-") as tmp:
        yield f"sqlite:///{Path(tmp) / 'bench.db'}"


DATABASES: dict[str, Callable[[], AbstractContextManager[str]]] = {
    "sqlite": fresh_sqlite,
    "postgresql": lambda: throwaway_postgresql(POSTGRESQL_URL),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark on SQLite and PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=5_000, help="invitations per side (5,000)")
    parser.add_argument("--rounds", type=int, default=4, help="turns per side (4)")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument(
        "--reply-delay", type=float, default=5.0, metavar="MS",
        help="the sinks reply this late to each message's data for the figure (5)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if not 1 <= args.rounds <= args.rows - WARM_UP:
        parser.error(f"--rows must exceed {WARM_UP} by at least --rounds (at least 1)")
    if not 0 <= args.reply_delay <= 1000:
        parser.error("--reply-delay must be between 0 and 1000 ms")
    for label in args.db or list(DATABASES):
        name = f"send_{label}"
        results: dict[float, tuple[float, float, int]] = {}
        try:
            for delay in dict.fromkeys((args.reply_delay, 0.0)):
                with DATABASES[label]() as url:
                    results[delay] = measure(url, args.rows, args.rounds, delay / 1000)
        except ServerUnavailableError as e:
            skipped(name, str(e))
            continue
        note(
            name,
            f"{args.rows:,} invitations per side ({WARM_UP} of them untimed warm-up) to "
            f"loopback aiosmtpd sinks (own processes), {args.rounds} alternating turns per side",
        )
        ratios: dict[float, float] = {}
        for delay, (plain_seconds, csat_seconds, count) in results.items():
            plain_rate = per_second(count, plain_seconds)
            csat_rate = per_second(count, csat_seconds)
            ratios[delay] = csat_rate / plain_rate
            extra = (csat_seconds - plain_seconds) / count * 1000
            note(
                name,
                f"sink replying {delay:g} ms late: plain script {plain_rate:5,.0f}/s, "
                f"send_due {csat_rate:5,.0f}/s = {ratios[delay]:.2f}x "
                f"(send_due {extra:+.3f} ms per email against the plain script)",
            )
        ratio = ratios[args.reply_delay]
        value = f"{ratio:.2f}x plain script, sink replying {args.reply_delay:g} ms late"
        bench(name, value, f">= {TARGET}x", ratio >= TARGET)
    return 0


if __name__ == "__main__":
    sys.exit(main())
