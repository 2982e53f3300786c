"""Benchmark: ``SurveyService.invite_many`` against a raw Core ``executemany`` insert.

Both sides write the same number of invitation rows of the same shape into
the same freshly created table; the raw rows are prepared beforehand, so the
raw side measures only the database insert. Target: invite_many reaches at
least half the raw rate. Runs on SQLite (a temporary file) and on a
throw-away PostgreSQL database (skipped when the server is unreachable).

    python -m bench.invite_many [--rows N] [--repeat K] [--budget S]
                                [--db sqlite|postgresql] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select

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
from csat.errors import InvalidAddressError
from csat.invitations import CHANNELS
from csat.invitations.addresses import normalize_address
from csat.storage.engine import create_csat_engine
from csat.storage.models import Invitation, SurveyVersion, metadata
from csat.tokens import customer_hash, derive_token, token_hash

TARGET = 0.5
SEED = 20261005
SECRET = "bench-secret-key-0123456789abcdef"
NOW = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
SPREAD_SECONDS = 30 * 86_400
CUSTOMER_SHARE = 0.6
INTERNAL_SHARE = 0.01
INVALID_SHARE = 0.001
OPT_OUTS = 50
WARM_UP_ROWS = 2_000
EXCLUDE = ("*@helpdesk.example.com",)
TEAMS = ("1st Level", "2nd Level", "Field Service")
AGENTS = tuple(f"agent{n:02d}" for n in range(20))
CATEGORIES = ("hardware", "software", "network", "account", "printing", None)
LOCALES = ("en", "de")
DOMAINS = ("example.com", "example.org", "firma.example.de", "mail.example.net")
FIRST = ("kim", "alex", "sam", "jo", "lea", "max", "noah", "mia", "ben", "emma")
LAST = ("meier", "schmidt", "huber", "novak", "rossi", "smith", "jones", "garcia")
SETTINGS = csat.Settings(secret_key=SECRET, exclude_addresses=EXCLUDE)
INVITATIONS = metadata.tables[Invitation.__tablename__]
VERSIONS = metadata.tables[SurveyVersion.__tablename__]


@dataclass(frozen=True)
class Workload:
    """The requests for invite_many and the equivalent raw rows."""

    requests: list[csat.InviteRequest]
    raw_rows: list[dict[str, Any]]
    opt_outs: list[str]
    customers: int


def _customer_emails(count: int, rng: random.Random) -> tuple[list[str], list[int]]:
    """Addresses of ``count`` customers and the indexes of the ordinary ones."""
    emails: list[str] = []
    ordinary: list[int] = []
    for n in range(count):
        name = f"{rng.choice(FIRST)}.{rng.choice(LAST)}{n}"
        roll = rng.random()
        if roll < INVALID_SHARE:
            emails.append(rng.choice((f"{name} at example.com", f"{name}@localhost")))
        elif roll < INVALID_SHARE + INTERNAL_SHARE:
            emails.append(f"{name}@helpdesk.example.com")
        else:
            emails.append(f"{name}@{rng.choice(DOMAINS)}")
            ordinary.append(n)
    return emails, ordinary


def make_workload(rows: int, seed: int = SEED) -> Workload:
    """Deterministic requests: ~60 % distinct customers, 30 days of resolved tickets."""
    rng = random.Random(seed)
    count = max(1, round(rows * CUSTOMER_SHARE))
    emails, ordinary = _customer_emails(count, rng)
    owners = list(range(count))[:rows] + [rng.randrange(count) for _ in range(rows - count)]
    rng.shuffle(owners)
    requests = []
    for i, owner in enumerate(owners):
        email = emails[owner]
        requests.append(
            csat.InviteRequest(
                ticket_id=f"T-{1_000_000 + i}",
                email=email.capitalize() if rng.random() < 0.1 else email,
                agent=rng.choice(AGENTS),
                team=rng.choice(TEAMS),
                channel=rng.choice(CHANNELS),
                resolved_at=NOW - timedelta(seconds=rng.randrange(SPREAD_SECONDS)),
                category=rng.choice(CATEGORIES),
                locale=rng.choice(LOCALES),
            )
        )
    opt_outs = [emails[n] for n in rng.sample(ordinary, min(OPT_OUTS, len(ordinary)))]
    return Workload(requests, _raw_rows(requests, rng), opt_outs, count)


def _raw_rows(requests: Sequence[csat.InviteRequest], rng: random.Random) -> list[dict[str, Any]]:
    """Invitation rows filled the way csat fills them (nonce, token hash, ...)."""
    secret = SECRET.encode()
    fingerprint = csat.stock_survey(SETTINGS.default_survey).fingerprint
    rows = []
    for r in requests:
        email: str | None
        try:
            email = normalize_address(r.email)
        except InvalidAddressError:
            email = None
        due = r.resolved_at + SETTINGS.delay
        nonce = rng.randbytes(16).hex()
        reason = csat.Reason.DUE if due <= NOW else csat.Reason.DELAYED
        if email is None:
            reason = csat.Reason.INVALID_ADDRESS
        rows.append(
            {
                "survey_key": SETTINGS.default_survey,
                "survey_version": fingerprint,
                "ticket_id": r.ticket_id,
                "email": email,
                "customer_hash": None if email is None else customer_hash(secret, email),
                "agent": r.agent,
                "team": r.team,
                "channel": r.channel,
                "category": r.category,
                "locale": r.locale,
                "resolved_at": r.resolved_at,
                "created_at": NOW,
                "due_at": due,
                "expires_at": max(due, NOW) + SETTINGS.validity,
                "status": (csat.Status.SKIPPED if email is None else csat.Status.PENDING).value,
                "reason": reason.value,
                "nonce": nonce,
                "token_hash": token_hash(derive_token(secret, nonce)),
                "attempts": 0,
            }
        )
    return rows


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise RuntimeError(f"invite_many benchmark is not measuring what it should: {message}")


def _fresh_schema(engine: Engine) -> None:
    metadata.drop_all(engine)
    metadata.create_all(engine)


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Invitation)).scalar_one())


def run_raw(engine: Engine, rows: list[dict[str, Any]]) -> float:
    """Insert ``rows`` with one Core executemany into a fresh table; return seconds."""
    _fresh_schema(engine)
    survey = csat.stock_survey(SETTINGS.default_survey)
    version = {
        "fingerprint": survey.fingerprint,
        "survey_key": survey.key,
        "definition": survey.to_dict(),
        "created_at": NOW,
    }
    with engine.begin() as conn:
        conn.execute(insert(VERSIONS), [version])

    def work() -> None:
        with engine.begin() as conn:
            conn.execute(insert(INVITATIONS), rows)

    _, seconds = timed(work)
    _check(_count(engine) == len(rows), "raw insert row count")
    return seconds


def run_invite_many(
    engine: Engine, workload: Workload, rows: int, *, profile: bool = False
) -> tuple[Counter[csat.Reason], float]:
    """Run invite_many on a fresh schema; verify it; return reasons and seconds."""
    _fresh_schema(engine)
    service = csat.SurveyService(engine, settings=SETTINGS, clock=csat.FixedClock(NOW))
    for email in workload.opt_outs:
        service.opt_out(email, now=NOW - timedelta(days=60))
    service.survey()  # parse the stock survey outside the timing
    requests = workload.requests[:rows]
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    results, seconds = timed(lambda: service.invite_many(requests, now=NOW))
    if profiler is not None:
        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(r"csat|sqlalchemy/(orm|engine)", 40)
    reasons = Counter(r.reason for r in results)
    _check(len(results) == rows, "one result per request")
    _check(all(r.created for r in results), "every invitation is new")
    _check(all(r.reason in csat.Reason for r in results), "reasons are csat.Reason values")
    _check(all(r.decision is r.reason.decision for r in results), "decision matches reason")
    _check(all((r.url is None) == (r.decision is csat.Decision.SKIP) for r in results), "links")
    with engine.connect() as conn:
        stored = Counter(
            {
                csat.Reason(reason): n
                for reason, n in conn.execute(
                    select(Invitation.reason, func.count()).group_by(Invitation.reason)
                )
            }
        )
        hashes = conn.execute(select(func.count(func.distinct(Invitation.token_hash)))).scalar()
    _check(stored == reasons, f"stored reasons {dict(stored)} != returned {dict(reasons)}")
    _check(hashes == rows, "distinct token hashes")
    _check(_count(engine) == rows, "invitation row count")
    if rows >= 1_000:
        for reason in (csat.Reason.COOLDOWN, csat.Reason.OPTED_OUT, csat.Reason.EXCLUDED_ADDRESS):
            _check(reasons[reason] > 0, f"some {reason.value} skips")
    return reasons, seconds


def measure(
    name: str, url: str, workload: Workload, repeat: int, budget: float, profile: bool
) -> None:
    """Warm up, then time both sides up to ``repeat`` times (best of each); print the figure.

    Repeats stop early once ``budget`` seconds have gone by, so a slow run still ends soon.
    """
    rows = len(workload.requests)
    engine = create_csat_engine(url)
    try:
        warm = min(WARM_UP_ROWS, rows)
        run_raw(engine, workload.raw_rows[:warm])
        run_invite_many(engine, workload, warm)
        raw_times: list[float] = []
        csat_times: list[float] = []
        reasons: Counter[csat.Reason] = Counter()
        started = time.perf_counter()
        while len(csat_times) < repeat and (
            not csat_times or time.perf_counter() - started < budget
        ):
            raw_times.append(run_raw(engine, workload.raw_rows))
            reasons, seconds = run_invite_many(engine, workload, rows, profile=profile)
            csat_times.append(seconds)
        _fresh_schema(engine)
    finally:
        engine.dispose()
    raw_rate = per_second(rows, min(raw_times))
    csat_rate = per_second(rows, min(csat_times))
    ratio = csat_rate / raw_rate
    note(
        name,
        f"{rows:,} invitations, {workload.customers:,} customers, "
        f"{len(workload.opt_outs)} opt-outs, best of {len(csat_times)}",
    )
    note(name, f"raw executemany {min(raw_times):7.3f} s = {raw_rate:>9,.0f} rows/s")
    note(name, f"invite_many     {min(csat_times):7.3f} s = {csat_rate:>9,.0f} rows/s")
    note(name, "reasons " + ", ".join(f"{r.value}={n:,}" for r, n in sorted(reasons.items())))
    bench(name, f"{ratio:.2f}x raw executemany", f">= {TARGET}x", ratio >= TARGET)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark on SQLite and PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000, help="invitations (100,000)")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs per side (best counts)")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument(
        "--budget", type=float, default=60.0, help="no further repeat after this many seconds"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile invite_many to stderr")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be positive")
    databases = args.db or ["sqlite", "postgresql"]
    workload = make_workload(args.rows)
    if "sqlite" in databases:
        with tempfile.TemporaryDirectory(prefix="csat-bench-") as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            measure("invite_many_sqlite", url, workload, args.repeat, args.budget, args.profile)
    if "postgresql" in databases:
        try:
            with throwaway_postgresql(POSTGRESQL_URL) as url:
                measure(
                    "invite_many_postgresql", url, workload, args.repeat, args.budget, args.profile
                )
        except ServerUnavailableError as e:
            skipped("invite_many_postgresql", str(e))
    return 0


if __name__ == "__main__":
    sys.exit(main())
