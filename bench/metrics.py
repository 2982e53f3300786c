"""Benchmark: one month's metrics and the full monthly report on a large database.

Figures are named by database and size (``report/sqlite/1M``). ``make bench``
runs it at the default 1,000,000 responses and at 3,000,000, a year of a desk
that resolves a million tickets a month and hears back from a quarter.

* ``metrics/<db>``: one month's aggregates as ``csat metrics`` computes them
  (month summary with response rate; breakdowns by team, agent, channel and
  category) against the same figures from hand-written SQL GROUP BY queries
  on the raw DB-API connection, in the same run. Target: at most 1.5x.
* ``report/<db>``: :func:`csat.report.render_report` in a fresh process:
  wall time (< 10 s) and peak RSS (< 250 MB).
* ``report-memory-flat``: peak RSS at ``--rows`` against 10,000 rows (<= 1.3x).

Rows (responses over 12 months, each with its delivered invitation, plus 25 %
unanswered invitations) are bulk-inserted: executemany on SQLite, COPY on
PostgreSQL (skipped when unreachable).

    python -m bench.metrics [--rows N] [--repeat K] [--db sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bench.common import (
    ServerUnavailableError,
    bench,
    median,
    note,
    skipped,
    throwaway_postgresql,
)
from csat import metrics
from csat.storage.engine import create_csat_engine
from csat.storage.models import SurveyVersion, metadata

MONTH = date(2026, 10, 1)
FIRST = datetime(2025, 11, 1)  # naive UTC, as stored
SPAN = (datetime(2026, 11, 1) - FIRST).total_seconds()
TEAMS = tuple(f"Team {n}" for n in range(6))
AGENTS = tuple(f"agent{n:03d}" for n in range(60))
CHANNELS = ("phone", "ticket", "chat")
CATEGORIES = ("network", "printer", "password", "software", "hardware", "mail", "vpn", None)
VERSION = "b" * 64
BATCH = 50_000
INVITATION_COLUMNS = (
    "id, survey_key, survey_version, ticket_id, email, customer_hash, agent, team, channel, "
    "category, locale, resolved_at, created_at, due_at, expires_at, status, reason, nonce, "
    "token_hash, sent_at, attempts"
)
RESPONSE_COLUMNS = (
    "id, invitation_id, survey_key, survey_version, answered_at, updated_at, answers, texts, "
    "understood_score, helped_score, overall_score, effort_score, team, agent, channel, "
    "category, locale"
)
TARGET_RATIO = 1.5
TARGET_SECONDS = 10.0
TARGET_MB = 250.0
TARGET_FLAT = 1.3
SMALL_ROWS = 10_000


def generate(
    rows: int, seed: int = 7
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Batches of (invitation rows, response rows) in time order; every 4th goes unanswered."""
    rng = random.Random(seed)
    invitations: list[tuple[Any, ...]] = []
    responses: list[tuple[Any, ...]] = []
    total = rows * 4 // 3
    for i in range(1, total + 1):
        # Ids grow with time, as in a real installation (jitter of about an hour).
        sent = FIRST + timedelta(seconds=max(0.0, i / total * SPAN - rng.random() * 3600))
        agent = rng.randrange(len(AGENTS))
        team, channel = TEAMS[agent % len(TEAMS)], rng.choice(CHANNELS)
        category = rng.choice(CATEGORIES)
        invitations.append((
            i, "post_ticket", VERSION, f"T-{i}", f"c{i % 50_000}@example.com", None,
            AGENTS[agent], team, channel, category, "en", sent - timedelta(hours=2),
            sent - timedelta(hours=2), sent - timedelta(hours=1), sent + timedelta(days=14),
            "sent", "ok", f"{i:064x}", f"{i:064x}", sent, 1,
        ))  # fmt: skip
        if i % 4 != 0:
            answered = sent + timedelta(minutes=rng.randrange(1, 3000))
            u = rng.choices((1, 2, 3, 4, 5), (1, 2, 3, 5, 5))[0]
            h = rng.choices((1, 2, 3, 4, 5), (1, 1, 2, 5, 6))[0]
            responses.append((
                i, i, "post_ticket", VERSION, answered, answered, "{}",
                '{"comment": "Danke, alles gut $5"}' if i % 9 == 0 else None,
                u, h, rng.choice((None, 3, 4, 5)), rng.choice((None, 2.0, 5.5, 7.0)),
                team, AGENTS[agent], channel, category, "en",
            ))  # fmt: skip
        if len(invitations) >= BATCH:
            yield invitations, responses
            invitations, responses = [], []
    if invitations:
        yield invitations, responses


def _stamp(value: Any) -> Any:
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime) else value


def load(url: str, rows: int) -> int:
    """Create the tables and bulk-insert ``rows`` responses; returns the count of responses."""
    engine = create_csat_engine(url)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(SurveyVersion).values(
                fingerprint=VERSION, survey_key="post_ticket", definition={},
                created_at=datetime(2025, 1, 1, tzinfo=UTC),
            )
        )  # fmt: skip
    count = 0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for invitations, responses in generate(rows):
            if engine.dialect.name == "sqlite":
                cursor.execute("BEGIN")  # the engine leaves transactions to SQLAlchemy
                marks = lambda n: ", ".join("?" * n)  # noqa: E731
                cursor.executemany(
                    f"INSERT INTO csat_invitation ({INVITATION_COLUMNS}) VALUES ({marks(21)})",
                    [tuple(_stamp(v) for v in r) for r in invitations],
                )
                cursor.executemany(
                    f"INSERT INTO csat_response ({RESPONSE_COLUMNS}) VALUES ({marks(17)})",
                    [tuple(_stamp(v) for v in r) for r in responses],
                )
            else:
                with cursor.copy(f"COPY csat_invitation ({INVITATION_COLUMNS}) FROM STDIN") as cp:
                    for row in invitations:
                        cp.write_row(row)
                with cursor.copy(f"COPY csat_response ({RESPONSE_COLUMNS}) FROM STDIN") as cp:
                    for row in responses:
                        cp.write_row(row)
            count += len(responses)
            raw.commit()
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
        engine.dispose()
    return count


_AGGREGATES = (
    "count(*), sum(case when understood_score >= 4 then 1 else 0 end), count(understood_score),"
    " sum(case when helped_score >= 4 then 1 else 0 end), count(helped_score),"
    " sum(case when overall_score >= 4 then 1 else 0 end), count(overall_score),"
    " sum(effort_score), count(effort_score),"
    " sum(case when understood_score >= 4 and helped_score >= 4 then 1 else 0 end),"
    " sum(case when helped_score >= 4 and understood_score < 4 then 1 else 0 end),"
    " sum(case when understood_score >= 4 and helped_score < 4 then 1 else 0 end),"
    " sum(case when understood_score < 4 and helped_score < 4 then 1 else 0 end)"
)


def hand_written(raw: Any, dialect: str) -> list[Any]:
    """The same month's figures with plain SQL on the DB-API connection."""
    mark = "?" if dialect == "sqlite" else "%s"
    start, end = datetime(2026, 10, 1), datetime(2026, 11, 1)
    params = (_stamp(start), _stamp(end)) if dialect == "sqlite" else (start, end)
    where = f"answered_at >= {mark} AND answered_at < {mark}"
    cursor = raw.cursor()
    found: list[Any] = []
    cursor.execute(f"SELECT {_AGGREGATES} FROM csat_response WHERE {where}", params)
    found.append(cursor.fetchall())
    cursor.execute(
        "SELECT count(*), count(r.id) FROM csat_invitation i LEFT JOIN csat_response r"
        f" ON r.invitation_id = i.id WHERE i.sent_at >= {mark} AND i.sent_at < {mark}",
        params,
    )
    found.append(cursor.fetchall())
    for column in ("team", "agent", "channel", "category"):
        cursor.execute(
            f"SELECT {column}, {_AGGREGATES} FROM csat_response WHERE {where} GROUP BY {column}",
            params,
        )
        found.append(cursor.fetchall())
    cursor.close()
    return found


def ours(engine: Any) -> list[Any]:
    """The month's figures through csat.metrics."""
    with engine.connect() as conn:
        found: list[Any] = [metrics.month_summary(conn, MONTH)]
        found.extend(metrics.breakdown(conn, MONTH, by) for by in metrics.GROUPS)
    return found


def compare(name: str, url: str, repeat: int) -> None:
    """Time csat.metrics against the hand-written SQL, interleaved, medians."""
    engine = create_csat_engine(url)
    raw = engine.raw_connection()
    try:
        first_ours, first_raw = ours(engine), hand_written(raw, engine.dialect.name)
        assert first_ours[0].responses == first_raw[0][0][0], "the two sides disagree"
        assert first_ours[0].response_rate.n == first_raw[1][0][0], "response rates disagree"
        mine, theirs = [], []
        for _ in range(repeat):
            start = time.perf_counter()
            hand_written(raw, engine.dialect.name)
            theirs.append(time.perf_counter() - start)
            start = time.perf_counter()
            ours(engine)
            mine.append(time.perf_counter() - start)
    finally:
        raw.close()
        engine.dispose()
    ratio = median(mine) / median(theirs)
    note(name, f"csat.metrics {median(mine) * 1000:.0f} ms, hand-written SQL "
               f"{median(theirs) * 1000:.0f} ms (medians of {repeat})")  # fmt: skip
    bench(name, f"{ratio:.2f}x", f"<= {TARGET_RATIO}x", ratio <= TARGET_RATIO)


def report_child(url: str, out: str) -> None:
    """In a fresh process: render the report; print seconds and peak RSS (MB) as JSON."""
    import resource

    from csat.report import render_report

    engine = create_csat_engine(url)
    start = time.perf_counter()
    render_report(engine, MONTH, out, lang="de")
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak}))


def measure_report(url: str, out: Path) -> dict[str, float]:
    """Run :func:`report_child` in a new interpreter."""
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.metrics", "--child-report", url, str(out)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    data: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def small_peak(kind: str, url: str) -> float:
    """Peak RSS of the report on a database of the same kind with 10,000 responses."""
    load(url, SMALL_ROWS)
    with tempfile.TemporaryDirectory() as tmp:
        peak = measure_report(url, Path(tmp) / "small.pdf")["peak_mb"]
    note(f"report-memory-flat/{kind}", f"peak RSS {peak:.0f} MB at {SMALL_ROWS:,} responses")
    return peak


def run_database(db: str, url: str, rows: int, repeat: int, small: float) -> None:
    """Load, compare and report on one database (figures named by database and size)."""
    kind = f"{db}/{rows // 1_000_000}M" if rows % 1_000_000 == 0 else f"{db}/{rows:,}"
    start = time.perf_counter()
    count = load(url, rows)
    note(f"metrics/{kind}", f"loaded {count:,} responses in {time.perf_counter() - start:.1f} s")
    compare(f"metrics/{kind}", url, repeat)
    with tempfile.TemporaryDirectory() as tmp:
        big = measure_report(url, Path(tmp) / "big.pdf")
    note(f"report/{kind}", f"{big['seconds']:.2f} s, peak RSS {big['peak_mb']:.0f} MB")
    bench(f"report/{kind}", f"{big['seconds']:.2f} s", f"< {TARGET_SECONDS:.0f} s",
          big["seconds"] < TARGET_SECONDS)  # fmt: skip
    bench(f"report-memory/{kind}", f"{big['peak_mb']:.0f} MB", f"< {TARGET_MB:.0f} MB",
          big["peak_mb"] < TARGET_MB)  # fmt: skip
    flat = big["peak_mb"] / small
    sizes = f"{big['peak_mb']:.0f} MB at {count:,} vs {small:.0f} MB at {SMALL_ROWS:,}"
    note(f"report-memory-flat/{kind}", f"peak {sizes}")
    bench(f"report-memory-flat/{kind}", f"{flat:.2f}x", f"<= {TARGET_FLAT}x", flat <= TARGET_FLAT)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000, help="responses (1,000,000)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--child-report", nargs=2, metavar=("URL", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_report:
        report_child(*args.child_report)
        return 0
    kinds = args.db or ["sqlite", "postgresql"]
    if "sqlite" in kinds:
        with tempfile.TemporaryDirectory() as tmp:
            small = small_peak("sqlite", f"sqlite:///{Path(tmp) / 'small.db'}")
            big_url = f"sqlite:///{Path(tmp) / 'big.db'}"
            run_database("sqlite", big_url, args.rows, args.repeat, small)
    if "postgresql" in kinds:
        try:
            with throwaway_postgresql() as small_url:
                small = small_peak("postgresql", small_url)
            with throwaway_postgresql() as url:
                run_database("postgresql", url, args.rows, args.repeat, small)
        except ServerUnavailableError as e:
            for name in ("metrics", "report", "report-memory", "report-memory-flat"):
                skipped(f"{name}/postgresql", str(e))
    return 0


if __name__ == "__main__":
    sys.exit(main())
