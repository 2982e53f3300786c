"""Benchmark: ``SurveyService.send_due`` against a plain smtplib loop.

Both sides deliver the same number of invitations to the same loopback SMTP
sink (aiosmtpd in its own process). The plain loop sends messages built
beforehand (the same ones csat builds) over one connection, so it measures only
SMTP; ``send_due`` claims, builds, sends and marks every invitation in the
database. Target: send_due reaches at least 0.7x the plain loop's rate. Runs
on SQLite (a temporary file) and on a throw-away PostgreSQL database.

The two sides take turns (csat, plain, plain, csat, ...), each turn a share
of the invitations, so a change in the load of a shared machine falls on
both: run one after the other, the plain loop's own time varied by 10-15 %
between runs on an otherwise idle machine.

Each run also prints csat's own time per email: how much longer send_due
took than the plain loop. ``--reply-delay MS`` makes the sink wait that long
before each reply to a message's data, as a mail server that writes the
message to disk does; csat then does its bookkeeping during that wait (see
:class:`csat.delivery.OverlappingSender`), and its own time per email shrinks.

    python -m bench.send [--rows N] [--rounds R] [--db sqlite|postgresql] [--reply-delay MS]
"""

from __future__ import annotations

import argparse
import smtplib
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

import csat
from bench.common import (
    POSTGRESQL_URL,
    ServerUnavailableError,
    bench,
    note,
    per_second,
    skipped,
    throwaway_postgresql,
    timed,
)
from bench.smtp_sink import arrived, running_sink
from csat.delivery import MessageBuilder, SendReport, SMTPSender
from csat.delivery.message import Envelope, OutgoingEmail
from csat.storage.engine import create_csat_engine
from csat.storage.models import Invitation, metadata

TARGET = 0.7
SECRET = "bench-secret-key-0123456789abcdef"
NOW = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
SETTINGS = csat.Settings(secret_key=SECRET, mail_from="IT Support <support@example.com>")


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise RuntimeError(f"send benchmark is not measuring what it should: {message}")


def _prepare(engine: Engine, rows: int) -> csat.SurveyService:
    metadata.drop_all(engine)
    metadata.create_all(engine)
    service = csat.SurveyService(engine, settings=SETTINGS, clock=csat.FixedClock(NOW))
    requests = [
        csat.InviteRequest(
            ticket_id=f"INC-{100_000 + n}", email=f"customer{n}@example.com", agent="ana",
            team="1st Level", channel="phone", resolved_at=NOW - timedelta(hours=2),
            locale=("en", "de")[n % 2],
        )
        for n in range(rows)
    ]  # fmt: skip
    for start in range(0, rows, 5_000):
        service.invite_many(requests[start : start + 5_000])
    return service


def _prebuilt(engine: Engine, service: csat.SurveyService) -> list[OutgoingEmail]:
    """The messages csat will send, built now (outside the plain loop's timing)."""
    builder = MessageBuilder(SETTINGS, SETTINGS.require_secret_key())
    with Session(engine) as session:
        rows = session.scalars(select(Invitation).order_by(Invitation.id)).all()
        emails = []
        for row in rows:
            assert row.email is not None
            envelope = Envelope(row.id, row.ticket_id, row.email, row.locale, row.nonce,
                                row.expires_at)  # fmt: skip
            survey = service.catalog.version(session, row.survey_version)
            emails.append(builder.prepare(envelope, survey, NOW))
    return emails


def run_rounds(
    plain_port: int,
    csat_port: int,
    service: csat.SurveyService,
    emails: list[OutgoingEmail],
    rounds: int,
) -> tuple[float, float, list[SendReport]]:
    """Both sides in turns (csat, plain, plain, csat, ...), each turn a share of
    the invitations: ``send_due(limit=…)`` against the plain loop sending the
    same number of pre-built messages. Each side keeps one SMTP connection.
    Returns the plain loop's and csat's seconds, and csat's reports."""
    share = -(-len(emails) // rounds)
    plain_seconds = csat_seconds = 0.0
    reports: list[SendReport] = []
    sender = SMTPSender("127.0.0.1", csat_port)
    with smtplib.SMTP("127.0.0.1", plain_port) as connection, sender:
        for turn in range(rounds):
            chunk = emails[turn * share : (turn + 1) * share]

            def plain(chunk: list[OutgoingEmail] = chunk) -> None:
                for email in chunk:
                    connection.sendmail(email.sender, [email.recipient], email.data)

            def drain(limit: int = len(chunk)) -> SendReport:
                return service.send_due(sender, limit=limit)

            for side in ("csat", "plain") if turn % 2 == 0 else ("plain", "csat"):
                if side == "plain":
                    plain_seconds += timed(plain)[1]
                else:
                    report, seconds = timed(drain)
                    reports.append(report)
                    csat_seconds += seconds
    return plain_seconds, csat_seconds, reports


def measure(name: str, url: str, rows: int, rounds: int, delay: float = 0.0) -> None:
    """Time both sides on one database (the sink replying ``delay`` seconds late)
    and print the figure."""
    engine = create_csat_engine(url)
    try:
        with tempfile.TemporaryDirectory(prefix="csat-bench-smtp-") as tmp:
            service = _prepare(engine, rows)
            emails = _prebuilt(engine, service)
            plain_log, csat_log = Path(tmp) / "plain.log", Path(tmp) / "csat.log"
            with (
                running_sink(plain_log, delay) as plain_port,
                running_sink(csat_log, delay) as csat_port,
            ):
                plain_seconds, csat_seconds, reports = run_rounds(
                    plain_port, csat_port, service, emails, rounds
                )
            plain, sent = arrived(plain_log), arrived(csat_log)
            total = sum(report.sent for report in reports)
            retried = sum(report.retried for report in reports)
            _check(total == rows and retried == 0, f"reports {[str(r) for r in reports]}")
            _check(len(plain) == len(sent) == rows, "every message arrived")
            _check(set(plain) == set(sent), "both sides sent the same messages")
            _check(max(sent.values()) == 1, "no duplicates")
            with Session(engine) as session:
                marked = session.scalar(
                    select(func.count()).where(Invitation.status == csat.Status.SENT.value)
                )
            _check(marked == rows, "every invitation marked sent")
            metadata.drop_all(engine)
    finally:
        engine.dispose()
    plain_rate, csat_rate = per_second(rows, plain_seconds), per_second(rows, csat_seconds)
    ratio = csat_rate / plain_rate
    late = f", replying {delay * 1000:g} ms late" if delay else ""
    note(name, f"{rows:,} invitations to loopback aiosmtpd sinks (own processes{late}), "
               f"{rounds} alternating turns per side")  # fmt: skip
    note(name, f"plain smtplib loop {plain_seconds:7.2f} s = {plain_rate:>7,.0f} msgs/s")
    note(name, f"send_due           {csat_seconds:7.2f} s = {csat_rate:>7,.0f} msgs/s")
    own = (csat_seconds - plain_seconds) / rows * 1000
    note(name, f"csat's own time    {own:7.3f} ms per email")
    bench(name, f"{ratio:.2f}x plain smtplib loop", f">= {TARGET}x", ratio >= TARGET)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark on SQLite and PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=10_000, help="invitations (10,000)")
    parser.add_argument("--rounds", type=int, default=4, help="turns per side (4)")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument(
        "--reply-delay", type=float, default=0.0, metavar="MS",
        help="the sink replies this late to each message's data (0)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.rows < 1 or not 1 <= args.rounds <= args.rows:
        parser.error("--rows must be positive and --rounds between 1 and --rows")
    if not 0 <= args.reply_delay <= 1000:
        parser.error("--reply-delay must be between 0 and 1000 ms")
    delay = args.reply_delay / 1000
    suffix = f"_delay{args.reply_delay:g}ms" if delay else ""
    databases = args.db or ["sqlite", "postgresql"]
    if "sqlite" in databases:
        with tempfile.TemporaryDirectory(prefix="csat-bench-") as tmp:
            sqlite = f"sqlite:///{Path(tmp) / 'bench.db'}"
            measure(f"send_sqlite{suffix}", sqlite, args.rows, args.rounds, delay)
    if "postgresql" in databases:
        try:
            with throwaway_postgresql(POSTGRESQL_URL) as url:
                measure(f"send_postgresql{suffix}", url, args.rows, args.rounds, delay)
        except ServerUnavailableError as e:
            skipped(f"send_postgresql{suffix}", str(e))
    return 0


if __name__ == "__main__":
    sys.exit(main())
