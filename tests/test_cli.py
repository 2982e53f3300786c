"""The ``csat`` command line, through click's CliRunner and as a real process.

Every command runs on a SQLite file migrated with ``csat db upgrade``; one
test runs ``invite`` on a freshly migrated database of each kind. Errors must
be exactly one ``csat: error: ...`` line on stderr, never a traceback.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Row, Select, select

from csat.cli.main import cli
from csat.config import DEFAULTS
from csat.storage.engine import create_csat_engine
from csat.storage.models import Event, Invitation, metadata
from csat.tokens import TOKEN_LENGTH

from .conftest import unavailable

SECRET = "test-secret-key-0123456789abcdef"
#: The CLI reads CSAT_* from the environment: start every run from a clean one.
CLEAN_ENV: dict[str, str | None] = dict.fromkeys(DEFAULTS) | {"CSAT_SECRET_KEY": SECRET}
#: Resolved two hours ago (the command runs on the real clock; a ticket older than
#: CSAT_MAX_AGE_DAYS would be skipped as stale), written with a +02:00 offset.
RESOLVED = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)
PAST = RESOLVED.astimezone(timezone(timedelta(hours=2))).isoformat()
BASE = "http://localhost:5000/survey/"
ERASED = "erased: {} invitation(s), {} comment(s); {} pending invitation(s) cancelled\n"


def run(*args: str, env: dict[str, str | None] | None = None) -> Result:
    """Invoke ``csat`` with ``args`` in a clean environment."""
    return CliRunner().invoke(cli, list(args), env=CLEAN_ENV | (env or {}), catch_exceptions=False)


def invite_args(db: str, ticket: str = "T-1", email: str = "kim@example.com") -> list[str]:
    """Arguments of a valid ``invite`` for a ticket resolved in the past."""
    return [
        "invite", "--db", db, "--ticket", ticket, "--email", email, "--agent", "ana",
        "--team", "1st Level", "--channel", "phone", "--resolved-at", PAST,
    ]  # fmt: skip


def assert_one_line_error(result: Result, exit_code: int, fragment: str) -> str:
    """The run failed with ``exit_code`` and one ``csat: error:`` line naming ``fragment``."""
    assert result.exit_code == exit_code, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("csat: error: ")
    assert fragment in lines[0]
    assert "Traceback" not in result.output
    return lines[0]


def fetch(db: str, query: Select[Any]) -> list[Row[Any]]:
    """The rows ``query`` returns on ``db``."""
    engine = create_csat_engine(db)
    try:
        with engine.connect() as conn:
            return list(conn.execute(query).all())
    finally:
        engine.dispose()


def invitation_rows(db: str) -> list[Row[Any]]:
    """All invitation rows, oldest first."""
    return fetch(db, select(Invitation.__table__).order_by(Invitation.id))


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A SQLite file migrated with ``csat db upgrade``."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = run("db", "upgrade", "--db", url)
    assert result.exit_code == 0, result.output
    return url


# -- db -------------------------------------------------------------------------


def test_db_upgrade_prints_the_revision_and_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert run("db", "current", "--db", url).stdout == "none (run `csat db upgrade`)\n"
    assert not (tmp_path / "new.db").exists()  # looking did not create the file
    for _ in range(2):
        result = run("db", "upgrade", "--db", url)
        assert result.exit_code == 0
        assert result.stdout == f"{url}: revision 0005 (head)\n"
    assert run("db", "current", "--db", url).stdout == "0005 (head)\n"


def test_db_url_comes_from_the_environment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    assert run("db", "upgrade", env={"CSAT_DATABASE_URL": url}).exit_code == 0
    result = run(*invite_args(url)[:1], *invite_args(url)[3:], env={"CSAT_DATABASE_URL": url})
    assert result.exit_code == 0
    assert len(invitation_rows(url)) == 1


# -- invite ---------------------------------------------------------------------


def test_invite_twice_prints_the_same_link(db: str) -> None:
    first = run(*invite_args(db))
    assert first.exit_code == 0, first.output
    link = first.stdout.strip()
    assert link.startswith(BASE)
    assert len(link.removeprefix(BASE)) == TOKEN_LENGTH
    assert first.stdout == f"{link}\n"  # due already: just the link
    second = run(*invite_args(db))
    assert second.exit_code == 0
    assert second.stdout == first.stdout
    assert len(invitation_rows(db)) == 1


def test_invite_resolved_now_is_delayed(db: str) -> None:
    args = invite_args(db)[:-2]  # no --resolved-at: now
    before = datetime.now(UTC)
    result = run(*args)
    assert result.exit_code == 0, result.output
    link, due_line = result.stdout.splitlines()
    assert link.startswith(BASE)
    due = datetime.fromisoformat(due_line.removeprefix("delayed until "))
    assert before + timedelta(hours=1) <= due <= datetime.now(UTC) + timedelta(hours=1)


def test_invite_options_are_stored(db: str) -> None:
    args = [*invite_args(db, "T-7"), "--survey", "quick", "--locale", "de", "--category", "VPN"]
    args[args.index("phone")] = "chat"
    result = run(*args, "--base-url", "https://help.example.com/s/")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("https://help.example.com/s/")
    (row,) = invitation_rows(db)
    assert (row.survey_key, row.locale, row.category, row.channel) == ("quick", "de", "VPN", "chat")
    assert row.resolved_at == RESOLVED


def test_invite_base_url_from_the_environment(db: str) -> None:
    result = run(*invite_args(db), env={"CSAT_BASE_URL": "https://csat.example.org/a"})
    assert result.stdout.startswith("https://csat.example.org/a/")


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"CSAT_EXCLUDE_ADDRESSES": "*@example.com"}, "excluded_address"),
        ({"CSAT_SAMPLING_RATE": "0"}, "sampled_out"),
    ],
)
def test_invite_rule_skips_exit_zero(db: str, env: dict[str, str | None], reason: str) -> None:
    result = run(*invite_args(db), env=env)
    assert result.exit_code == 0
    assert result.stdout == f"skipped: {reason}\n"
    assert result.stderr == ""


def test_invite_cooldown_and_opt_out(db: str) -> None:
    assert run(*invite_args(db, "T-1")).exit_code == 0
    assert run(*invite_args(db, "T-2")).stdout == "skipped: cooldown\n"
    result = run("opt-out", "--db", db, "--email", "Kim@Example.com")
    assert result.exit_code == 0
    assert result.stdout == "opted out; 1 pending invitation(s) cancelled\n"
    result = run(*invite_args(db, "T-3", "KIM@example.com"))
    assert (result.exit_code, result.stdout) == (0, "skipped: opted_out\n")


# -- bad input -------------------------------------------------------------------


def _replace(args: list[str], option: str, value: str) -> list[str]:
    changed = list(args)
    changed[changed.index(option) + 1] = value
    return changed


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (("--email", "kim@example"), "invalid address 'kim@example'"),
        (("--email", "kim@example.com\r\nBcc: x@evil.test"), "invalid address"),
        (("--channel", "fax"), "Invalid value for '--channel': 'fax' is not one of"),
        (("--resolved-at", "2026-10-05T09:00:00"), "has no timezone"),
        (("--resolved-at", "last tuesday"), "not an ISO-8601 date and time"),
        (("--resolved-at", "2026-02-30T09:00:00Z"), "not an ISO-8601 date and time"),
        (("--agent", " "), "agent: must be a non-empty string"),
        # Undecodable bytes in argv arrive as lone surrogates (surrogateescape):
        (("--ticket", "T-\udcff"), "ticket_id: must not contain lone surrogates"),
        (("--agent", "an\udce4"), "agent: must not contain lone surrogates"),
        (("--team", "1st\udcff"), "team: must not contain lone surrogates"),
        (("--email", "k\udcffm@example.com"), "email: invalid address"),
    ],
)
def test_invite_bad_input_exits_2_and_writes_nothing(
    db: str, change: tuple[str, str], fragment: str
) -> None:
    result = run(*_replace(invite_args(db), *change))
    assert_one_line_error(result, 2, fragment)
    assert len(invitation_rows(db)) == 0


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--survey", "nope"], "unknown survey 'nope'"),
        (["--locale", "fr"], "Invalid value for '--locale'"),
        (["--base-url", "ftp://x"], "base_url: 'ftp://x' is not an http(s) URL"),
        (["--base-url", "https://x/?=?utf-8?q?=0D=0A?="], "base_url: 'https://x/?=?utf-8"),
        (["--base-url", "https://x/s\r\nX: y"], "base_url: must be at most 900 printable ASCII"),
        (["--bogus"], "'--bogus'"),
    ],
)
def test_invite_bad_options_exit_2(db: str, extra: list[str], fragment: str) -> None:
    assert_one_line_error(run(*invite_args(db), *extra), 2, fragment)


def test_missing_required_option_exits_2(db: str) -> None:
    line = assert_one_line_error(run("invite", "--db", db, "--ticket", "T-1"), 2, "Missing option")
    assert "csat invite --help" in line


def test_missing_secret_key_is_an_error_only_where_needed(db: str) -> None:
    no_key: dict[str, str | None] = {"CSAT_SECRET_KEY": None}
    privacy = ["--db", db, "--email", "kim@example.com"]
    for args in (invite_args(db), ["opt-out", *privacy], ["forget", *privacy]):
        assert_one_line_error(run(*args, env=no_key), 1, "CSAT_SECRET_KEY: is not set")
    assert run("purge", "--db", db, env=no_key).exit_code == 0
    event = run("event", "add", "--db", db, "--name", "x", "--date", "2026-10-01", env=no_key)
    assert event.exit_code == 0
    assert run("db", "current", "--db", db, env=no_key).exit_code == 0
    assert_one_line_error(
        run(*invite_args(db), env={"CSAT_SECRET_KEY": "short"}), 1, "at least 16 characters"
    )


@pytest.mark.parametrize(
    "url",
    ["postgresql://csat:hunter2-pw@127.0.0.1:1/csat", "mysql://csat:hunter2-pw@127.0.0.1:1/csat"],
    ids=["postgresql", "mariadb"],
)
def test_unreachable_database_exits_1(url: str) -> None:
    for args in (invite_args(url), ["db", "upgrade", "--db", url]):
        line = assert_one_line_error(run(*args), 1, "database")
        assert "hunter2-pw" not in line


def test_malformed_database_url_exits_1() -> None:
    assert_one_line_error(run(*invite_args("no url at all")), 1, "CSAT_DATABASE_URL")


def test_unmigrated_database_says_run_db_upgrade(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    line = assert_one_line_error(run(*invite_args(f"sqlite:///{missing}")), 1, "csat db upgrade")
    assert "does not exist" in line
    assert not missing.exists()

    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    assert_one_line_error(
        run(*invite_args(f"sqlite:///{empty}")), 1, "run `csat db upgrade --db URL`"
    )
    assert_one_line_error(
        run("event", "add", "--db", f"sqlite:///{empty}", "--name", "x", "--date", "2026-10-01"),
        1,
        "run `csat db upgrade --db URL`",
    )
    with sqlite3.connect(empty) as conn:  # nothing was created implicitly
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []

    made = f"sqlite:///{tmp_path / 'create_all.db'}"
    engine = create_csat_engine(made)
    metadata.create_all(engine)
    engine.dispose()
    assert_one_line_error(run(*invite_args(made)), 1, "not under migration control")
    assert_one_line_error(run("db", "upgrade", "--db", made), 1, "not under migration control")


# -- privacy, purge, events ----------------------------------------------------------


def test_forget_prints_counts_and_erases(db: str) -> None:
    assert run(*invite_args(db)).exit_code == 0
    result = run("forget", "--db", db, "--email", "kim@example.com")
    assert result.exit_code == 0
    assert result.stdout == ERASED.format(1, 0, 1)
    (row,) = invitation_rows(db)
    assert (row.email, row.status) == (None, "cancelled")
    assert row.customer_hash is not None  # the keyed hash stays, for the unsubscribe link
    again = run("forget", "--db", db, "--email", "kim@example.com")
    assert again.stdout == ERASED.format(0, 0, 0)
    assert_one_line_error(run("forget", "--db", db, "--email", "nobody"), 2, "invalid address")
    assert_one_line_error(run("opt-out", "--db", db, "--email", "a@b@c"), 2, "invalid address")


def test_purge_uses_the_retention_period(db: str) -> None:
    assert run(*invite_args(db)).exit_code == 0
    result = run("purge", "--db", db)
    assert result.stdout == "nothing purged: no retention period (set CSAT_RETENTION_DAYS)\n"
    result = run("purge", "--db", db, env={"CSAT_RETENTION_DAYS": "36500"})
    assert result.exit_code == 0
    assert result.stdout.startswith("purged data older than 36500 day(s): 0 invitation(s)")
    result = run("purge", "--db", db, "--retention-days", "0")
    assert result.stdout.startswith("purged data older than 0 day(s): 1 invitation(s)")
    assert invitation_rows(db)[0].email is None
    assert_one_line_error(run("purge", "--db", db, "--retention-days", "-1"), 2, "-1")


def test_event_add(db: str) -> None:
    result = run("event", "add", "--db", db, "--name", "Training, part 1", "--date", "2026-10-01")
    assert (result.exit_code, result.stdout) == (0, "event 1: Training, part 1 on 2026-10-01\n")
    result = run(
        "event", "add", "--db", db, "--name", "Coaching", "--date", "2026-11-02", "--team", "2nd"
    )
    assert result.stdout == "event 2: Coaching on 2026-11-02 for team 2nd\n"
    rows = fetch(db, select(Event.name, Event.date, Event.team).order_by(Event.id))
    assert [(n, d.isoformat(), t) for n, d, t in rows] == [
        ("Training, part 1", "2026-10-01", None),
        ("Coaching", "2026-11-02", "2nd"),
    ]
    for bad in ("2026-13-01", "01.10.2026", "2026-10-01T10:00"):
        args = ("event", "add", "--db", db, "--name", "x", "--date", bad)
        assert_one_line_error(run(*args), 2, "Invalid value for '--date'")
    assert_one_line_error(
        run("event", "add", "--db", db, "--name", " ", "--date", "2026-10-01"), 2, "name:"
    )


def test_help_lists_every_command() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert all(f"\n  {c} " in result.stdout for c in ("db", "invite", "opt-out", "forget", "purge"))


# -- every database; the installed console script ------------------------------------


def test_invite_on_every_database(fresh_url: str) -> None:
    upgraded = run("db", "upgrade", "--db", fresh_url)
    assert upgraded.exit_code == 0, upgraded.output
    assert upgraded.stdout.endswith("revision 0005 (head)\n")
    first = run(*invite_args(fresh_url))
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith(BASE)
    assert run(*invite_args(fresh_url)).stdout == first.stdout
    assert run(*invite_args(fresh_url, "T-2")).stdout == "skipped: cooldown\n"
    assert len(invitation_rows(fresh_url)) == 2


def test_console_script_in_a_real_process(tmp_path: Path) -> None:
    script = shutil.which("csat", path=Path(sys.executable).parent) or shutil.which("csat")
    if script is None:
        unavailable("console script `csat` not installed (run `make test` / pip install -e .)")
    env = {k: v for k, v in os.environ.items() if k not in DEFAULTS} | {"CSAT_SECRET_KEY": SECRET}
    env["CSAT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'proc.db'}"

    def csat(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [script, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120
        )

    upgraded = csat("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    args = invite_args("unused")[3:]
    first, second = csat("invite", *args), csat("invite", *args)
    assert first.returncode == second.returncode == 0, first.stderr
    assert first.stdout.startswith(BASE)
    assert second.stdout == first.stdout
    bad = csat("invite", *_replace(args, "--resolved-at", "2026-10-05 09:00"))
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.splitlines() == [
        "csat: error: Invalid value for '--resolved-at': '2026-10-05 09:00' has no timezone; "
        "add an offset such as +00:00 or Z (see 'csat invite --help')"
    ]
    down = csat("invite", *args, "--db", "postgresql://csat@127.0.0.1:1/csat")
    assert down.returncode == 1
    assert len(down.stderr.splitlines()) == 1
    assert "Traceback" not in down.stderr


def test_python_dash_m_runs_the_same_commands() -> None:
    import subprocess
    import sys

    for module in ("csat",):
        done = subprocess.run(
            [sys.executable, "-m", module, "serve", "--help"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "Serve the survey pages" in done.stdout


def test_invite_base_url_is_the_base_of_every_link_csat_send_writes(db: str) -> None:
    """``csat invite --base-url X`` prints a link on X; ``csat send`` (with another
    CSAT_BASE_URL) sends that same link: buttons, survey and unsubscribe links,
    List-Unsubscribe. One invitation, one link."""
    from email import policy
    from email.parser import BytesParser

    from tests.smtp_server import smtp_server

    printed = {}
    for n in range(3):
        email = f"kim{n}@example.com"
        result = run(*invite_args(db, f"T-{n}", email), "--base-url", "https://help.example.com/s/")
        assert result.exit_code == 0, result.output
        printed[email] = result.stdout.strip()
        assert printed[email].startswith("https://help.example.com/s/")
    assert {row.base_url for row in invitation_rows(db)} == {"https://help.example.com/s/"}
    env = {"CSAT_BASE_URL": "https://elsewhere.example.org/survey"}
    with smtp_server() as server:
        sent = run("send", "--db", db, "--smtp-host", server.host, "--smtp-port",
                   str(server.port), env=env)  # fmt: skip
    assert sent.exit_code == 0, sent.output
    assert len(server.handler.received) == 3
    for received in server.handler.received:
        [email] = received.rcpt_tos
        link = printed[email]
        message = BytesParser(policy=policy.default).parsebytes(received.data)
        assert str(message["List-Unsubscribe"]) == f"<{link}/unsubscribe>"
        for kind in ("plain", "html"):
            body = message.get_body((kind,))
            assert body is not None
            text = body.get_content()
            assert "elsewhere.example.org" not in text
            urls = re.findall(r"https?://[^\s\"<>]+", text)
            assert urls and all(u.startswith(link) for u in urls), urls
            assert f"{link}/unsubscribe" in text and f"{link}?understood=" in text
    again = run(*invite_args(db, "T-0", "kim0@example.com"), env=env)
    assert again.stdout.strip() == printed["kim0@example.com"]  # the stored link, not the new base


def test_invite_of_a_month_old_ticket_is_skipped_as_stale(db: str) -> None:
    month_ago = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    args = _replace(invite_args(db, "T-OLD"), "--resolved-at", month_ago)
    result = run(*args)
    assert (result.exit_code, result.stdout) == (0, "skipped: stale\n")
