"""``csat console add-user``: logins for the staff console of ``csat serve``.

The console's users live in ``CSAT_CONSOLE_USERS``: a JSON object of user name
to Werkzeug password hash. The command adds a user (or changes a password) to
the mapping in the environment and prints the whole mapping, so it can be put
back::

    export CSAT_CONSOLE_USERS="$(csat console add-user lea)"

No password is ever stored or printed, only its salted hash; there is no default.
"""

from __future__ import annotations

import json
import os
import sys

import click

from ..config import Settings
from .support import CLIUsageError, CSATGroup

#: Shortest password accepted.
PASSWORD_MIN_LENGTH = 12
#: Longest user name (as ``CSAT_CONSOLE_USERS`` accepts) and password (as the login does).
NAME_MAX_LENGTH = 64
PASSWORD_MAX_LENGTH = 1024


@click.group(cls=CSATGroup)
def console() -> None:
    """The staff console's logins for `csat serve` (CSAT_CONSOLE_USERS)."""


def _check_name(name: str) -> str:
    if not name or name.strip() != name or not name.isprintable() or len(name) > NAME_MAX_LENGTH:
        raise CLIUsageError(
            f"NAME: {name!r} is not a user name (1 to {NAME_MAX_LENGTH} printable characters, "
            "no spaces around it)"
        )
    return name


def _check_password(password: str) -> str:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise CLIUsageError(f"the password must have at least {PASSWORD_MIN_LENGTH} characters")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise CLIUsageError(f"the password must have at most {PASSWORD_MAX_LENGTH} characters")
    if not password.isprintable():
        raise CLIUsageError("the password must be one line of printable characters")
    return password


@console.command("add-user")
@click.argument("name")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of stdin instead of asking twice.",
)
def add_user(name: str, password_stdin: bool) -> None:
    """Print CSAT_CONSOLE_USERS with user NAME added, or with NAME's new password.

    Asks for the password twice (or reads it with --password-stdin) and
    keeps the users already in the environment's CSAT_CONSOLE_USERS. Put the
    printed JSON into the environment of `csat serve`.
    """
    from werkzeug.security import generate_password_hash

    _check_name(name)
    environment = {"CSAT_CONSOLE_USERS": os.environ.get("CSAT_CONSOLE_USERS")}
    existing = Settings.from_mapping(environment).console_users
    if password_stdin:
        line: str = sys.stdin.readline()
        password = line.removesuffix("\n").removesuffix("\r")
    else:
        password = click.prompt(
            f"Password for {name}", hide_input=True, confirmation_prompt=True, err=True
        )
    users = {**existing, name: generate_password_hash(_check_password(password))}
    Settings.from_mapping({"CSAT_CONSOLE_USERS": users})  # what csat serve will read: valid
    click.echo(json.dumps(users, indent=None, sort_keys=True))
    done = "changed the password of" if name in existing else "added"
    click.echo(
        f"csat: {done} {name}; put the line above into the environment of csat serve, "
        "e.g. export CSAT_CONSOLE_USERS='<the line>' (single quotes: the hashes contain $)",
        err=True,
    )
