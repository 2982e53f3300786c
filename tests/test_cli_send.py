"""``csat send``: directory and SMTP senders, summary line, exit codes."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from csat.cli.send import EXIT_FAILED
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


def test_smtp_settings_from_the_environment_and_a_closed_port(db: str) -> None:
    result = run(
        "send", "--db", db,
        env={"CSAT_SMTP_HOST": "127.0.0.1", "CSAT_SMTP_PORT": str(free_port())},
    )  # fmt: skip
    assert result.exit_code == 0, result.output  # nothing failed for good: retried later
    assert result.stdout == "sent 0, retried 2, failed 0, reminded 0, expired 0\n"
    assert [row.status for row in invitation_rows(db)] == ["pending", "pending"]


def test_refused_login_is_one_error_line(db: str) -> None:
    with smtp_server(auth=True) as server:
        result = run(
            "send", "--db", db, "--smtp-host", server.host, "--smtp-port", str(server.port),
            "--smtp-user", USER, env={"CSAT_SMTP_PASSWORD": "wrong"},
        )  # fmt: skip
    assert_one_line_error(result, 1, "refused the login: 535")
    assert all(row.attempts == 0 for row in invitation_rows(db))


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
