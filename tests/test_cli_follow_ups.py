"""``csat follow-ups list``, ``close`` and ``remind`` through click's CliRunner.

Cases are opened through the service on a database migrated with ``csat db
upgrade`` (a SQLite file; one test on a fresh database of each kind), at
times around the real clock the commands run on.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from csat import Settings, SurveyService
from csat.cli.follow_ups import EXIT_STATE
from csat.storage.engine import create_csat_engine
from csat.storage.models import FollowUp, FollowUpEntry
from tests.conftest import SECRET
from tests.test_cli import assert_one_line_error, fetch, run

LEADS = {"1st Level": ["lead@example.com"], "*": ["head@example.com"]}
ENV: dict[str, str | None] = {"CSAT_TEAM_LEADS": json.dumps(LEADS)}
NOW = datetime.now(UTC).replace(microsecond=0)


def _open(engine: Engine, ticket: str, team: str, *, hours_ago: float, agent: str = "ana") -> int:
    """A case opened ``hours_ago`` (due 24 hours after that); its id."""
    service = SurveyService(engine, settings=Settings(secret_key=SECRET, team_leads=LEADS))
    at = NOW - timedelta(hours=hours_ago)
    invited = service.invite(ticket, f"{ticket.lower()}@customer.example", agent=agent,
                             team=team, channel="phone", resolved_at=at - timedelta(hours=1),
                             now=at)  # fmt: skip
    assert invited.token is not None
    result = service.record(invited.token, {"understood": 1, "comment": "Nobody listened."}, now=at)
    assert result.case is not None
    return result.case.case_id


def _migrated(url: str) -> Engine:
    upgraded = run("db", "upgrade", "--db", url)
    assert upgraded.exit_code == 0, upgraded.output
    return create_csat_engine(url)


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A migrated SQLite file with three cases: T-1 overdue, T-2 claimed and
    overdue (2nd Level), T-3 due tomorrow."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = _migrated(url)
    try:
        _open(engine, "T-1", "1st Level", hours_ago=30)
        claimed = _open(engine, "T-2", "2nd Level", hours_ago=26, agent="bo")
        _open(engine, "T-3", "1st Level", hours_ago=1)
        service = SurveyService(engine, settings=Settings(secret_key=SECRET))
        service.claim_follow_up(claimed, "sam", now=NOW)
    finally:
        engine.dispose()
    return url


def test_list_prints_a_table_sorted_by_due_time(db: str) -> None:
    result = run("follow-ups", "list", "--db", db)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "ticket", "team", "agent", "due", "state"]
    assert [line.split()[1] for line in lines[1:]] == ["T-1", "T-2", "T-3"]
    assert lines[1].endswith(" UTC open, overdue")
    assert lines[2].endswith("claimed by sam, overdue")
    assert lines[3].endswith(" open")
    due = (NOW - timedelta(hours=30) + timedelta(hours=24)).strftime("%Y-%m-%d %H:%M UTC")
    assert due in lines[1]


@pytest.mark.parametrize(
    ("options", "tickets"),
    [
        (["--team", "1st Level"], ["T-1", "T-3"]),
        (["--agent", "bo"], ["T-2"]),
        (["--state", "claimed"], ["T-2"]),
        (["--overdue"], ["T-1", "T-2"]),
        (["--overdue", "--limit", "1"], ["T-1"]),
        (["--state", "closed"], []),
    ],
)
def test_list_filters(db: str, options: list[str], tickets: list[str]) -> None:
    result = run("follow-ups", "list", "--db", db, "--format", "json", *options)
    assert result.exit_code == 0, result.output
    assert [case["ticket_id"] for case in json.loads(result.stdout)] == tickets


def test_list_as_json(db: str) -> None:
    result = run("follow-ups", "list", "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    first, second, third = json.loads(result.stdout)
    assert {"id", "ticket_id", "team", "agent", "state", "opened_at", "due_at",
            "outcome", "claimed_by", "reasons", "overdue"} <= set(first)  # fmt: skip
    assert (first["ticket_id"], first["team"], first["agent"]) == ("T-1", "1st Level", "ana")
    assert (first["state"], first["outcome"], first["overdue"]) == ("open", None, True)
    assert first["reasons"] == ["not_understood"] and first["understood_score"] == 1
    assert datetime.fromisoformat(first["opened_at"]) == NOW - timedelta(hours=30)
    assert datetime.fromisoformat(first["due_at"]) == NOW - timedelta(hours=6)
    assert (second["state"], second["claimed_by"]) == ("claimed", "sam")
    assert third["overdue"] is False
    assert "customer.example" not in result.stdout and "Nobody" not in result.stdout


def test_list_shows_no_terminal_control_characters(db: str) -> None:
    engine = create_csat_engine(db)
    with engine.begin() as conn:
        conn.execute(update(FollowUp).where(FollowUp.ticket_id == "T-1")
                     .values(team="Evil\x1b[2J\x07"))  # fmt: skip
    engine.dispose()
    result = run("follow-ups", "list", "--db", db)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "Evil\ufffd[2J\ufffd" in result.stdout
    assert run("follow-ups", "list", "--db", db, "--team", "nobody").stdout == (
        "no follow-up cases match\n"
    )


def test_close_with_outcome_note_and_actor(db: str) -> None:
    result = run("follow-ups", "close", "--db", db, "1", "--outcome", "resolved",
                 "--note", "Reached her; the printer works.", "--by", "lea")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == "closed case 1 (ticket T-1): resolved\n"
    [case] = fetch(db, select(FollowUp.state, FollowUp.outcome, FollowUp.closed_by)
                   .where(FollowUp.id == 1))  # fmt: skip
    assert tuple(case) == ("closed", "resolved", "lea")
    [entry] = fetch(db, select(FollowUpEntry.actor, FollowUpEntry.note)
                    .where(FollowUpEntry.action == "closed"))  # fmt: skip
    assert tuple(entry) == ("lea", "Reached her; the printer works.")


def test_close_is_recorded_as_the_login_by_default(db: str) -> None:
    result = run("follow-ups", "close", "--db", db, "3", "--outcome", "declined",
                 env={"LOGNAME": "kim"})  # fmt: skip
    assert result.exit_code == 0, result.output
    unnamed = run(
        "follow-ups",
        "close",
        "--db",
        db,
        "2",
        "--outcome",
        "not_reachable",
        env={"LOGNAME": "bad\nname", "USER": None, "LNAME": None, "USERNAME": None},
    )
    assert unnamed.exit_code == 0, unnamed.output
    actors = fetch(db, select(FollowUp.id, FollowUp.closed_by).where(FollowUp.id.in_([2, 3])))
    assert sorted(tuple(row) for row in actors) == [(2, "cli"), (3, "kim")]


def test_close_errors(db: str) -> None:
    assert_one_line_error(
        run("follow-ups", "close", "--db", db, "999", "--outcome", "resolved"), 2,
        "no follow-up case 999",
    )  # fmt: skip
    assert_one_line_error(
        run("follow-ups", "close", "--db", db, "1", "--outcome", "happy"), 2, "--outcome"
    )
    assert_one_line_error(
        run("follow-ups", "close", "--db", db, "1", "--outcome", "resolved", "--note", "a\x00b"),
        2, "note:",
    )  # fmt: skip
    assert_one_line_error(
        run("follow-ups", "close", "--db", db, "1", "--outcome", "resolved", "--by", " "),
        2, "actor:",
    )  # fmt: skip
    assert run("follow-ups", "close", "--db", db, "1", "--outcome", "resolved").exit_code == 0
    again = run("follow-ups", "close", "--db", db, "1", "--outcome", "declined")
    assert_one_line_error(again, EXIT_STATE, "follow-up case 1 is closed: cannot close it")
    assert_one_line_error(run("follow-ups", "list", "--db", db, "--state", "done"), 2, "--state")


def test_remind_queues_the_digests_and_csat_send_delivers_them(db: str, tmp_path: Path) -> None:
    result = run("follow-ups", "remind", "--db", db, env=ENV)
    assert result.exit_code == 0, result.output
    assert result.stdout == ("2 overdue case(s); queued 2 digest(s); `csat send` delivers them\n")
    again = run("follow-ups", "remind", "--db", db, env=ENV)
    assert again.stdout == (
        "2 overdue case(s); queued 0 digest(s)\n2 lead(s) have today's digest already\n"
    )
    outbox = tmp_path / "outbox"
    sent = run("send", "--db", db, "--outbox-dir", str(outbox), env=ENV)
    assert sent.exit_code == 0, sent.output
    # Three case emails (two to lead@, one to head@) and the two digests.
    assert sent.stdout == "sent 0, retried 0, failed 0, reminded 0, expired 0, lead emails 5\n"
    messages = [message_from_bytes(f.read_bytes(), policy=policy.default)
                for f in sorted(outbox.glob("*.eml"))]  # fmt: skip
    subjects = sorted(str(m["Subject"]) for m in messages)
    assert subjects.count("1 overdue follow-up case") == 2
    status = run("outbox", "--db", db)
    assert "lead emails: pending 0, sent 5, failed 0" in status.stdout.splitlines()


def test_remind_says_what_it_could_not_do(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = _migrated(url)
    try:
        assert run("follow-ups", "remind", "--db", url, env=ENV).stdout == "no overdue cases\n"
        _open(engine, "T-9", "Field Service", hours_ago=48)
    finally:
        engine.dispose()
    lonely = run("follow-ups", "remind", "--db", url,
                 env={"CSAT_TEAM_LEADS": '{"1st Level": ["lead@example.com"]}'})  # fmt: skip
    assert lonely.exit_code == 0, lonely.output
    assert lonely.stdout == "1 overdue case(s); queued 0 digest(s)\n"
    assert lonely.stderr == "1 overdue case(s) of teams without a lead in CSAT_TEAM_LEADS\n"


def test_follow_ups_on_every_database(fresh_url: str) -> None:
    engine = _migrated(fresh_url)
    try:
        case_id = _open(engine, "T-1", "1st Level", hours_ago=25)
    finally:
        engine.dispose()
    listed = run("follow-ups", "list", "--db", fresh_url, "--format", "json", "--overdue")
    assert [case["id"] for case in json.loads(listed.stdout)] == [case_id]
    assert run("follow-ups", "remind", "--db", fresh_url, env=ENV).stdout.startswith(
        "1 overdue case(s); queued 1 digest(s)"
    )
    closed = run("follow-ups", "close", "--db", fresh_url, str(case_id), "--outcome", "resolved")
    assert closed.exit_code == 0, closed.output
    assert run("follow-ups", "list", "--db", fresh_url, "--overdue").stdout == (
        "no follow-up cases match\n"
    )


def test_help_lists_the_group() -> None:
    shown = run("follow-ups", "--help").stdout
    assert all(f"\n  {command} " in shown for command in ("list", "close", "remind"))
    assert "follow-ups" in run("--help").stdout
