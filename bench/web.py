"""Benchmark: csat's survey page and submit under gunicorn against an idiomatic Flask-WTF app.

Both apps run under the same gunicorn command (2 sync workers) on the same
database. The baseline (``flask_wtf_app`` in :mod:`bench.web_apps`) is what a
competent developer writes for the same two pages with the same stack: for
the GET one SELECT of the token's hash and the stock survey's seven-question
``FlaskForm`` rendered by a Jinja template into a full page with its CSRF
token; for the POST the same form validated with CSRF, one UPDATE (claim the
invitation) and one INSERT (the answers), then a 303 redirect. A load
generator on loopback (separate processes, a new connection per request, as
sync workers close them) measures requests per second of

- the survey page GET from a one-click link (``?understood=4``; English and
  German invitations alternate) against the baseline's GET (target: at
  least 0.8x),
- the first submit POST of a survey (every answer given, a short comment;
  each POST answers a fresh invitation) against the baseline's POST
  (target: at least 0.8x),

and, with one client, the submit POST's p99 latency (target: under 25 ms;
the baseline's is shown for context). Both sides take turns in short rounds
(csat, baseline, baseline, csat, ...), so a change in the load of a shared
machine falls on both; both are warmed up first (every worker has loaded its
templates and run its statements). A request that fails stops the benchmark.
Databases: a SQLite file in WAL mode, then a throw-away PostgreSQL database
when one is reachable (``CSAT_BENCH_POSTGRESQL_URL``).

    python -m bench.web [--seconds S] [--clients N] [--rounds R] [--single N]
                        [--invitations N] [--database sqlite|postgresql|all]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import insert

from bench.common import (
    ROOT,
    ServerUnavailableError,
    baseline_engine,
    bench,
    note,
    skipped,
    throwaway_postgresql,
)
from bench.web_apps import invitations, metadata, token_hash
from csat import InviteRequest, SurveyService
from csat.storage.migrate import upgrade

SECRET = "bench-secret-key-0123456789abcdef"
NOW = datetime.now(UTC)
TARGET = 0.8
P99_MS = 25.0
LOCALES = ("en", "de")
#: A complete first submission (the one-click answer and the rest of the survey).
ANSWERS = {
    "understood": "4", "respected": "5", "solved": "yes", "helped": "4", "effort": "6",
    "overall": "5", "comment": "Quick and friendly, thank you.",
}  # fmt: skip
#: Submits per side before the measured turns (both workers run the POST once or more).
WARM_POSTS = 10
_CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _gunicorn(target: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "sync"]
    command += ["-b", f"127.0.0.1:{port}", "--log-level", "warning", target]
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"gunicorn {target} did not start")


def _request(
    port: int, method: str, path: str, body: str | None = None, cookie: str | None = None
) -> tuple[int, float, http.client.HTTPResponse, bytes]:
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    if cookie:
        headers["Cookie"] = cookie
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, time.perf_counter() - start, response, data


def _load(
    port: int, method: str, paths: list[str], body: str | None, cookie: str | None, seconds: float
) -> tuple[int, list[float], int, float, float]:
    """One load process: requests back to back until time is up (or paths run out)."""
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    deadline = start + seconds
    for i, path in enumerate(paths):
        if i and time.perf_counter() >= deadline:
            break
        status, elapsed, _, _ = _request(port, method, path, body, cookie)
        latencies.append(elapsed)
        errors += status >= 400
    return len(latencies), latencies, errors, start, time.perf_counter()


class _Side:
    """One side of a comparison: its requests, and what its turns measured."""

    def __init__(
        self,
        port: int,
        method: str,
        paths: Sequence[str],
        body: str | None = None,
        cookie: str | None = None,
        *,
        fresh: bool = True,
    ) -> None:
        self.port, self.method, self.paths = port, method, list(paths)
        self.body, self.cookie, self.fresh = body, cookie, fresh
        self.used = self.count = self.errors = 0
        self.seconds = 0.0
        self.latencies: list[float] = []

    def turn(self, pool: ProcessPoolExecutor, clients: int, seconds: float) -> None:
        """Load this side for ``seconds`` from ``clients`` processes."""
        paths = self.paths[self.used :]
        shares = [paths[i::clients] for i in range(clients)]
        futures = [
            pool.submit(_load, self.port, self.method, share, self.body, self.cookie, seconds)
            for share in shares
        ]
        results = [f.result() for f in futures]
        done = [r[0] for r in results]
        if self.fresh:  # each path (token) once: skip past the furthest any client got
            self.used += max(done) * clients
        self.count += sum(done)
        self.errors += sum(r[2] for r in results)
        self.latencies.extend(x for r in results for x in r[1])
        self.seconds += max(r[4] for r in results) - min(r[3] for r in results)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


def _compare(csat: _Side, base: _Side, *, clients: int, seconds: float, rounds: int) -> None:
    """Alternate turns (ABBA ...) so drifting background load falls on both sides."""
    with ProcessPoolExecutor(clients) as pool:
        for r in range(rounds):
            order = (csat, base) if r % 2 == 0 else (base, csat)
            for side in order:
                side.turn(pool, clients, seconds / rounds)


def _rate(
    port: int,
    method: str,
    paths: Sequence[str],
    *,
    clients: int,
    seconds: float,
    body: str | None = None,
    cookie: str | None = None,
) -> tuple[float, list[float], int]:
    side = _Side(port, method, paths, body, cookie)
    with ProcessPoolExecutor(clients) as pool:
        side.turn(pool, clients, seconds)
    return side.rate, sorted(side.latencies), side.errors


def _p99(latencies: list[float]) -> float:
    return latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise RuntimeError(f"web benchmark is not measuring what it should: {message}")


def _prepare(url: str, count: int) -> tuple[list[str], list[str]]:
    """``count`` answerable invitations for each side (locales alternating); their tokens."""
    upgrade(url)
    service = SurveyService(url, secret_key=SECRET, delay=timedelta(0), cooldown=timedelta(0))
    requests = [
        InviteRequest(ticket_id=f"B-{i}", email=f"user{i}@example.com", agent="ana",
                      team="1st Level", channel="ticket", resolved_at=NOW,
                      locale=LOCALES[i % 2])
        for i in range(count)
    ]  # fmt: skip
    csat_tokens: list[str] = []
    for start in range(0, count, 5_000):
        results = service.invite_many(requests[start : start + 5_000], now=NOW)
        csat_tokens += [r.token for r in results if r.token]
    service.engine.dispose()
    _check(len(csat_tokens) == count, "every csat invitation has a token")

    base_tokens = [secrets.token_urlsafe(18) for _ in range(count)]
    expires = (NOW + timedelta(days=14)).replace(tzinfo=None)
    engine = baseline_engine(url)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(invitations),
            [
                {"token_hash": token_hash(t), "ticket_id": f"B-{i}", "locale": LOCALES[i % 2],
                 "expires_at": expires}
                for i, t in enumerate(base_tokens)
            ],
        )  # fmt: skip
    engine.dispose()
    return csat_tokens, base_tokens


def _session(port: int, token: str) -> tuple[str, str]:
    """A session cookie and its CSRF token, from a survey page (valid for every form)."""
    status, _, response, page = _request(port, "GET", f"/survey/{token}")
    match = _CSRF.search(page)
    _check(status == 200 and match is not None, f"survey page {status}: {page[:300]!r}")
    assert match is not None
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    return cookie, urlencode({"csrf_token": match.group(1).decode(), **ANSWERS})


def _warm_up(port: int, page_tokens: list[str], posts: list[str], body: str, cookie: str) -> None:
    """Both workers load templates, catalogs, statements; a few submits run."""
    for _ in range(10):
        for token in page_tokens:
            status = _request(port, "GET", f"/survey/{token}?understood=4")[0]
            _check(status == 200, f"warm-up GET {status}")
    for token in posts:
        status = _request(port, "POST", f"/survey/{token}", body, cookie)[0]
        _check(status == 303, f"warm-up POST {status}")


def _run(url: str, label: str, args: argparse.Namespace) -> None:
    """All three figures on the database at ``url`` (``label`` names it in the BENCH lines)."""
    suffix = "" if label == "SQLite" else f", {label}"
    csat_tokens, base_tokens = _prepare(url, args.invitations)
    env = dict(
        os.environ, CSAT_DATABASE_URL=url, CSAT_SECRET_KEY=SECRET,
        BENCH_DATABASE_URL=url, BENCH_SECRET_KEY=SECRET,
    )  # fmt: skip
    apps = [
        _gunicorn("bench.web_apps:csat_app()", env),
        _gunicorn("bench.web_apps:flask_wtf_app()", env),
    ]
    (_, csat_port), (_, base_port) = apps
    try:
        # Per side: two page tokens (en, de) for the GETs, the warm-up submits,
        # the one-client submits, and the rest for the submits under load.
        sides = []
        for port, tokens in ((csat_port, csat_tokens), (base_port, base_tokens)):
            pages, warm = tokens[:2], tokens[2 : 2 + WARM_POSTS]
            single = tokens[2 + WARM_POSTS : 2 + WARM_POSTS + args.single]
            load = tokens[2 + WARM_POSTS + args.single :]
            cookie, body = _session(port, pages[0])
            _warm_up(port, pages, warm, body, cookie)
            sides.append((port, pages, single, load, cookie, body))
        (c_port, c_pages, c_single, c_load, c_cookie, c_body) = sides[0]
        (b_port, b_pages, b_single, b_load, b_cookie, b_body) = sides[1]

        query = "?" + urlencode({"understood": 4})
        get_csat = _Side(
            c_port, "GET", [f"/survey/{t}{query}" for t in c_pages] * 20_000, fresh=False
        )
        get_base = _Side(
            b_port, "GET", [f"/survey/{t}{query}" for t in b_pages] * 20_000, fresh=False
        )
        _compare(get_csat, get_base, clients=args.clients, seconds=args.seconds, rounds=args.rounds)
        _check(
            get_csat.errors + get_base.errors == 0,
            f"GET errors: csat {get_csat.errors}, baseline {get_base.errors}",
        )
        note(
            "web",
            f"{label}: survey GET: csat {get_csat.rate:.0f}/s, Flask-WTF app {get_base.rate:.0f}/s "
            f"({get_csat.count} and {get_base.count} requests)",
        )
        ratio = get_csat.rate / get_base.rate
        bench(
            f"web survey GET vs Flask-WTF app GET{suffix}",
            f"{ratio:.2f}x",
            f">= {TARGET}x",
            ratio >= TARGET,
        )

        post_csat = _Side(c_port, "POST", [f"/survey/{t}" for t in c_load], c_body, c_cookie)
        post_base = _Side(b_port, "POST", [f"/survey/{t}" for t in b_load], b_body, b_cookie)
        _compare(
            post_csat, post_base, clients=args.clients, seconds=args.seconds, rounds=args.rounds
        )
        _check(
            post_csat.errors + post_base.errors == 0,
            f"POST errors: csat {post_csat.errors}, baseline {post_base.errors}",
        )
        used = [min(side.used, len(side.paths)) for side in (post_csat, post_base)]
        ran_out = used[0] >= len(c_load) or used[1] >= len(b_load)
        note(
            "web",
            f"{label}: submit POST: csat {post_csat.rate:.0f}/s, Flask-WTF app "
            f"{post_base.rate:.0f}/s (invitations used: csat {used[0]}/{len(c_load)}, "
            f"baseline {used[1]}/{len(b_load)}"
            + ("; some turns ran out of invitations: raise --invitations" if ran_out else "")
            + ")",
        )
        ratio = post_csat.rate / post_base.rate
        bench(
            f"web submit POST vs Flask-WTF app POST{suffix}",
            f"{ratio:.2f}x",
            f">= {TARGET}x",
            ratio >= TARGET,
        )

        latencies: dict[str, list[float]] = {}
        for name, port, tokens, body, cookie in (
            ("csat", c_port, c_single, c_body, c_cookie),
            ("baseline", b_port, b_single, b_body, b_cookie),
        ):
            paths = [f"/survey/{t}" for t in tokens]
            _, latencies[name], errors = _rate(
                port, "POST", paths, clients=1, seconds=600, body=body, cookie=cookie
            )
            _check(errors == 0, f"{name}: {errors} errors among one-client submits")
        ours, theirs = latencies["csat"], latencies["baseline"]
        p99 = _p99(ours) * 1000
        note(
            "web",
            f"{label}: one client, {len(ours)} submits each: csat median "
            f"{ours[len(ours) // 2] * 1000:.1f} ms, p99 {p99:.1f} ms; Flask-WTF app median "
            f"{theirs[len(theirs) // 2] * 1000:.1f} ms, p99 {_p99(theirs) * 1000:.1f} ms",
        )
        where = "SQLite WAL" if label == "SQLite" else label
        bench(
            f"web submit p99, one client, {where}",
            f"{p99:.1f} ms",
            f"< {P99_MS:g} ms",
            p99 < P99_MS,
        )
    finally:
        for process, _ in apps:
            process.terminate()
            process.wait(timeout=10)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=4.0, help="per side and figure (4)")
    parser.add_argument("--clients", type=int, default=4, help="load processes (4)")
    parser.add_argument("--rounds", type=int, default=4, help="turns per side and figure (4)")
    parser.add_argument("--single", type=int, default=300, help="one-client submits per side")
    parser.add_argument("--invitations", type=int, default=30_000, help="per side and database")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "all"), default="all")
    args = parser.parse_args(argv)
    if args.invitations < 2 + WARM_POSTS + args.single + args.clients:
        parser.error("--invitations too small for the warm-up and --single")
    note("web", f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} (shared machine)")
    if args.database in ("sqlite", "all"):
        with tempfile.TemporaryDirectory() as folder:
            _run(f"sqlite:///{Path(folder) / 'web.db'}", "SQLite", args)
    if args.database in ("postgresql", "all"):
        try:
            with throwaway_postgresql() as url:
                _run(url, "PostgreSQL", args)
        except ServerUnavailableError as e:
            for name in (
                "survey GET vs Flask-WTF app GET",
                "submit POST vs Flask-WTF app POST",
                "submit p99, one client",
            ):
                skipped(f"web {name}, PostgreSQL", str(e))
    note("web", f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
