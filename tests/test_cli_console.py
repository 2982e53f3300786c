"""``csat console add-user``: a password hash into CSAT_CONSOLE_USERS, never a password."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result
from werkzeug.security import check_password_hash

from csat.config import Settings
from csat.web.console import PasswordLogin

from .conftest import T0
from .test_cli import CLEAN_ENV, assert_one_line_error

PASSWORD = "correct horse battery staple"


def add_user(*args: str, stdin: str, users: str | None = None) -> Result:
    from csat.cli.main import cli

    env = CLEAN_ENV | {"CSAT_CONSOLE_USERS": users}
    return CliRunner().invoke(
        cli, ["console", "add-user", *args], input=stdin, env=env, catch_exceptions=False
    )


def test_a_password_from_stdin_becomes_a_hash_csat_serve_reads() -> None:
    result = add_user("lea", "--password-stdin", stdin=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    users = json.loads(result.stdout)
    assert list(users) == ["lea"] and PASSWORD not in result.output
    assert check_password_hash(users["lea"], PASSWORD)
    assert Settings.from_mapping({"CSAT_CONSOLE_USERS": result.stdout}).console_users == users
    PasswordLogin(users, lambda: T0)  # a hash the console's login knows
    assert "added lea" in result.stderr and "export CSAT_CONSOLE_USERS='" in result.stderr


def test_the_users_in_the_environment_are_kept_and_a_password_changed() -> None:
    first = json.loads(add_user("ben", "--password-stdin", stdin=f"{PASSWORD}\n").stdout)
    both = add_user("lea", "--password-stdin", stdin="another long password\r\n",
                    users=json.dumps(first))  # fmt: skip
    users = json.loads(both.stdout)
    assert sorted(users) == ["ben", "lea"] and users["ben"] == first["ben"]
    assert check_password_hash(users["lea"], "another long password")  # CRLF stripped
    changed = add_user("ben", "--password-stdin", stdin="a new password for ben\n",
                       users=both.stdout)  # fmt: skip
    again = json.loads(changed.stdout)
    assert check_password_hash(again["ben"], "a new password for ben")
    assert again["lea"] == users["lea"] and "changed the password of ben" in changed.stderr


def test_the_password_is_asked_twice_without_stdin() -> None:
    result = add_user("lea", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert check_password_hash(json.loads(result.stdout)["lea"], PASSWORD)
    assert result.stderr.count("Password for lea") == 1 and "Repeat for confirmation" in (
        result.stderr
    )
    mismatch = add_user("lea", stdin=f"{PASSWORD}\nsomething else entirely\n")
    assert mismatch.exit_code != 0 and "do not match" in mismatch.stderr


@pytest.mark.parametrize(
    ("args", "stdin", "users", "fragment"),
    [
        (["lea"], "short\n", None, "at least 12 characters"),
        (["lea"], "\n", None, "at least 12 characters"),
        (["lea"], "x" * 1025 + "\n", None, "at most 1024 characters"),
        (["lea"], "tab\there is a control\n", None, "printable"),
        ([" lea"], f"{PASSWORD}\n", None, "is not a user name"),
        (["l" * 65], f"{PASSWORD}\n", None, "is not a user name"),
        (["le\x1ba"], f"{PASSWORD}\n", None, "is not a user name"),
        (["lea"], f"{PASSWORD}\n", '{"ben": "plain password"}', "not a password"),
        (["lea"], f"{PASSWORD}\n", "{not json", "not valid JSON"),
    ],
)
def test_bad_input_is_one_line_and_prints_no_users(
    args: list[str], stdin: str, users: str | None, fragment: str
) -> None:
    result = add_user(*args, "--password-stdin", stdin=stdin, users=users)
    code = 1 if users else 2
    assert_one_line_error(result, code, fragment)
