"""``csat send``: directory and SMTP senders, summary line, exit codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import update

from csat.cli.send import EXIT_FAILED, EXIT_UNDELIVERED
from csat.storage.engine import create_csat_engine
from csat.storage.models import Invitation
from tests.smtp_server import PASSWORD, USER, free_port, smtp_server
from tests.test_cli import assert_one_line_error, invitation_rows, invite_args, run


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A migrated SQLite file with two due invitations."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run("db", "upgrade", "--db", url).exit_code == 0
    for n in (1, 2):
        result = run(*invite_args(url, f"T-{n}", f"kim{n}@example.com"))
        assert result.exit_code == 0, result.output
    return url


def test_send_to_a_directory(db: str, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    result = run("send", "--db", db, "--outbox-dir", str(outbox))
    assert result.exit_code == 0, result.output
    assert result.stdout == "sent 2, retried 0, failed 0, reminded 0, expired 0\n"
    files = sorted(outbox.glob("*.eml"))
    assert len(files) == 2
    recipients = {message_from_bytes(f.read_bytes(), policy=policy.default)["To"] for f in files}
    assert recipients == {"kim1@example.com", "kim2@example.com"}
    assert [row.status for row in invitation_rows(db)] == ["sent", "sent"]
    again = run("send", "--db", db, "--outbox-dir", str(outbox))
    assert again.stdout == "sent 0, retried 0, failed 0, reminded 0, expired 0\n"


def test_send_over_smtp_with_login_and_a_permanent_failure(db: str) -> None:
    with smtp_server(auth=True) as server:
        server.handler.faults["kim2@example.com"] = ["rcpt:550"]
        result = run(
            "send", "--db", db, "--smtp-host", server.host, "--smtp-port", str(server.port),
            "--smtp-user", USER, env={"CSAT_SMTP_PASSWORD": PASSWORD,
                                      "CSAT_MAIL_FROM": "Support <support@example.com>"},
        )  # fmt: skip
        assert result.exit_code == EXIT_FAILED, result.output
        assert result.stdout == "sent 1, retried 0, failed 1, reminded 0, expired 0\n"
        assert "RCPT: 550 5.1.1 no such user" in result.stderr
        [received] = server.handler.received
        assert received.rcpt_tos == ["kim1@example.com"]
        assert received.mail_from == "support@example.com"
    rows = invitation_rows(db)
    assert [row.status for row in rows] == ["sent", "failed"]
    assert rows[1].last_error == "RCPT: 550 5.1.1 no such user"


def _problems(stderr: str) -> list[str]:
    lines = stderr.splitlines()
    assert all(line.startswith("csat: ") for line in lines), stderr
    assert "@" not in stderr.replace("…@", ""), stderr  # no address, only masked ones
    return [line.removeprefix("csat: ") for line in lines]


def test_a_closed_port_says_why_and_the_run_in_backoff_too(db: str) -> None:
    port = free_port()
    env = {"CSAT_SMTP_HOST": "127.0.0.1", "CSAT_SMTP_PORT": str(port)}
    result = run("send", "--db", db, env=env)
    assert result.exit_code == EXIT_UNDELIVERED, result.output
    assert result.stdout == "sent 0, retried 2, failed 0, reminded 0, expired 0\n"
    [line] = _problems(result.stderr)
    assert line.startswith(f"could not deliver: connection refused: 127.0.0.1:{port}: ")
    rows = invitation_rows(db)
    assert [row.status for row in rows] == ["pending", "pending"]
    assert all(row.last_error.startswith("connection refused: ") for row in rows)

    # The next run finds every row waiting for its retry: it says so, and fails again.
    later = datetime.now(UTC) + timedelta(minutes=10)
    with create_csat_engine(db).begin() as conn:
        conn.execute(update(Invitation).values(next_attempt_at=later))
    again = run("send", "--db", db, env=env)
    assert again.exit_code == EXIT_UNDELIVERED, again.output
    assert again.stdout == "sent 0, retried 0, failed 0, reminded 0, expired 0\n"
    waiting, last = _problems(again.stderr)
    assert waiting == f"nothing sent: 2 waiting to retry, the next at {later:%Y-%m-%d %H:%M} UTC"
    assert last.startswith(f"last error (2): connection refused: 127.0.0.1:{port}: ")


def test_a_name_that_does_not_resolve_says_so(db: str) -> None:
    result = run("send", "--db", db, "--smtp-host", "nonexistent.invalid")
    assert result.exit_code == EXIT_UNDELIVERED, result.output
    [line] = _problems(result.stderr)
    assert line.startswith("could not deliver: name not resolved: nonexistent.invalid:25: ")


def test_refused_login_says_why_in_one_line(db: str) -> None:
    with smtp_server(auth=True) as server:
        result = run(
            "send", "--db", db, "--smtp-host", server.host, "--smtp-port", str(server.port),
            "--smtp-user", USER, env={"CSAT_SMTP_PASSWORD": "wrong"},
        )  # fmt: skip
    assert result.exit_code == EXIT_UNDELIVERED, result.output
    [line] = _problems(result.stderr)
    assert line.startswith("could not deliver: authentication: ")
    assert "refused the login: 535" in line and line.endswith("(check CSAT_SMTP_USER)")
    assert all(row.attempts == 0 for row in invitation_rows(db))


def test_a_failed_tls_handshake_says_so(db: str) -> None:
    with smtp_server() as server:  # a plain server, asked for implicit TLS
        result = run("send", "--db", db, "--smtp-host", server.host,
                     "--smtp-port", str(server.port), "--smtp-ssl")  # fmt: skip
    assert result.exit_code == EXIT_UNDELIVERED, result.output
    [line] = _problems(result.stderr)
    assert line.startswith(f"could not deliver: TLS: {server.host}:{server.port}: ")
    assert line.endswith("(check CSAT_SMTP_SECURITY)")


def test_a_server_reply_quoting_the_address_is_masked_when_stored_and_printed(db: str) -> None:
    with smtp_server() as server:
        server.handler.faults["kim2@example.com"] = ["rcpt:550:quote"]
        result = run("send", "--db", db, "--smtp-host", server.host,
                     "--smtp-port", str(server.port))  # fmt: skip
    assert result.exit_code == EXIT_FAILED, result.output
    assert _problems(result.stderr) == [
        f"failed: invitation {invitation_rows(db)[1].id}: RCPT: 550 5.1.1 <…@example.com>: "
        "no such user"
    ]
    assert invitation_rows(db)[1].last_error == "RCPT: 550 5.1.1 <…@example.com>: no such user"


def test_login_without_password_is_an_error(db: str) -> None:
    result = run("send", "--db", db, "--smtp-user", USER)
    assert_one_line_error(result, 1, "CSAT_SMTP_PASSWORD")


def test_directory_and_smtp_options_exclude_each_other(db: str, tmp_path: Path) -> None:
    result = run("send", "--db", db, "--outbox-dir", str(tmp_path), "--smtp-host", "x")
    assert_one_line_error(result, 2, "--outbox-dir cannot be combined")


def test_limit(db: str, tmp_path: Path) -> None:
    result = run("send", "--db", db, "--outbox-dir", str(tmp_path / "o"), "--limit", "1")
    assert result.stdout.startswith("sent 1,")


def test_needs_the_secret_key(db: str, tmp_path: Path) -> None:
    result = run("send", "--db", db, "--outbox-dir", str(tmp_path), env={"CSAT_SECRET_KEY": None})
    assert_one_line_error(result, 1, "CSAT_SECRET_KEY")


def test_outbox_shows_counts_what_is_due_and_the_last_errors(db: str) -> None:
    empty = run("outbox", "--db", db)
    assert empty.exit_code == 0, empty.output
    assert empty.stdout.splitlines() == [
        "invitations: pending 2, sent 0, skipped 0, cancelled 0, failed 0, expired 0",
        "lead emails: pending 0, sent 0, failed 0",
        "due now: 2",
        "waiting to retry: 0",
        "next due: now",
        "last errors: none",
    ]
    with smtp_server() as server:
        server.handler.faults["kim1@example.com"] = ["rcpt:550:quote"]
        server.handler.faults["kim2@example.com"] = ["rcpt:451"]
        run("send", "--db", db, "--smtp-host", server.host, "--smtp-port", str(server.port))
    later = datetime.now(UTC) + timedelta(minutes=10)
    with create_csat_engine(db).begin() as conn:
        conn.execute(update(Invitation).where(Invitation.status == "pending")
                     .values(next_attempt_at=later))  # fmt: skip
    text = run("outbox", "--db", db)
    assert text.exit_code == 0, text.output
    assert text.stdout.splitlines() == [
        "invitations: pending 1, sent 0, skipped 0, cancelled 0, failed 1, expired 0",
        "lead emails: pending 0, sent 0, failed 0",
        "due now: 0",
        "waiting to retry: 1",
        f"next due: {later:%Y-%m-%d %H:%M} UTC",
        "last errors:",
        "       1  pending  RCPT: 451 4.3.0 try again later",
        "       1  failed   RCPT: 550 5.1.1 <…@example.com>: no such user",
    ]
    data = json.loads(run("outbox", "--db", db, "--format", "json").stdout)
    assert data["counts"]["failed"] == 1 and data["waiting_retry"] == 1
    assert datetime.fromisoformat(data["next_due_at"]) == later
    assert {e["reason"] for e in data["errors"]} == {
        "RCPT: 550 5.1.1 <…@example.com>: no such user",
        "RCPT: 451 4.3.0 try again later",
    }


def test_the_help_lists_the_exit_codes() -> None:
    shown = run("send", "--help").stdout
    for line in ("0  nothing failed", "3  some invitation or lead email failed for good",
                 "4  nothing could be delivered"):  # fmt: skip
        assert line in shown
