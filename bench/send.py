"""Benchmark: ``SurveyService.send_due`` against a plain smtplib loop.

Both sides deliver the same number of invitations to the same loopback SMTP
sink (aiosmtpd in its own process). The plain loop sends messages built
beforehand (the same ones csat builds) over one connection, so it measures only
SMTP; ``send_due`` claims, builds, sends and marks every invitation in the
database. Target: send_due reaches at least 0.7x the plain loop's rate. Runs
on SQLite (a temporary file) and on a throw-away PostgreSQL database.

    python -m bench.send [--rows N] [--db sqlite|postgresql]
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
from csat.db import create_csat_engine
from csat.delivery import MessageBuilder, SendReport, SMTPSender
from csat.delivery.message import Envelope, OutgoingEmail
from csat.models import Invitation, metadata

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


def run_plain(port: int, emails: list[OutgoingEmail]) -> float:
    """Send pre-built messages over one smtplib connection; return seconds."""

    def work() -> None:
        with smtplib.SMTP("127.0.0.1", port) as connection:
            for email in emails:
                connection.sendmail(email.sender, [email.recipient], email.data)

    return timed(work)[1]


def run_csat(port: int, service: csat.SurveyService) -> tuple[SendReport, float]:
    """Drain the outbox with send_due; return its report and seconds."""
    return timed(lambda: service.send_due(SMTPSender("127.0.0.1", port)))


def measure(name: str, url: str, rows: int) -> None:
    """Time both sides on one database and print the figure."""
    engine = create_csat_engine(url)
    try:
        with tempfile.TemporaryDirectory(prefix="csat-bench-smtp-") as tmp:
            service = _prepare(engine, rows)
            emails = _prebuilt(engine, service)
            plain_log, csat_log = Path(tmp) / "plain.log", Path(tmp) / "csat.log"
            with running_sink(plain_log) as port:
                plain_seconds = run_plain(port, emails)
            with running_sink(csat_log) as port:
                report, csat_seconds = run_csat(port, service)
            plain, sent = arrived(plain_log), arrived(csat_log)
            _check(report.sent == rows and report.retried == 0, f"report {report}")
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
    note(name, f"{rows:,} invitations to a loopback aiosmtpd sink (own process)")
    note(name, f"plain smtplib loop {plain_seconds:7.2f} s = {plain_rate:>7,.0f} msgs/s")
    note(name, f"send_due           {csat_seconds:7.2f} s = {csat_rate:>7,.0f} msgs/s")
    bench(name, f"{ratio:.2f}x plain smtplib loop", f">= {TARGET}x", ratio >= TARGET)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark on SQLite and PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=10_000, help="invitations (10,000)")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), action="append")
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be positive")
    databases = args.db or ["sqlite", "postgresql"]
    if "sqlite" in databases:
        with tempfile.TemporaryDirectory(prefix="csat-bench-") as tmp:
            measure("send_sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", args.rows)
    if "postgresql" in databases:
        try:
            with throwaway_postgresql(POSTGRESQL_URL) as url:
                measure("send_postgresql", url, args.rows)
        except ServerUnavailableError as e:
            skipped("send_postgresql", str(e))
    return 0


if __name__ == "__main__":
    sys.exit(main())
