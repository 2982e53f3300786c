"""Who may open the console: the host's rule, or csat's own login (``csat serve``).

A rule is a callable asked on every console request (:data:`~csat.web.state.ConsoleAccess`).
A host passes its own, ``CSAT(app, console_access=lambda: current_user.has_role("lead"))``;
without one, the users of ``CSAT_CONSOLE_USERS`` sign in on ``{prefix}/login``
(:class:`PasswordLogin`): Werkzeug password hashes, the same work for unknown
names as for known ones, a bounded rate of failed attempts per client address
and per user name (:class:`LoginLimiter`), and a session cleared at each login.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict, deque
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import cached_property

from flask import session
from werkzeug.security import check_password_hash, generate_password_hash

from ...clock import Clock
from ...errors import ConfigurationError, InvalidInputError
from ...follow_ups.work import check_actor
from ..state import ConsoleAccess

#: The name in the history of a request a rule let in with ``True``.
STAFF = "staff"
#: Where the login keeps the signed-in user in Flask's session.
SESSION_KEY = "csat_console"
#: Longest user name and password the login form accepts (a longer password is
#: refused before it is hashed).
NAME_MAX_LENGTH = 64
PASSWORD_MAX_LENGTH = 1024
#: The hash methods Werkzeug's ``check_password_hash`` knows.
_METHODS = ("scrypt", "pbkdf2")


def console_user(rule: ConsoleAccess) -> str | None:
    """The name this request works under, or ``None`` when ``rule`` refuses it.

    A string is the user's name; any other true value lets the request in as
    :data:`STAFF`.

    :raises ConfigurationError: the rule returned a name that is not one line
        of printable text of at most 255 characters.
    """
    result = rule()
    if not isinstance(result, str):
        return STAFF if result else None
    if not result:
        return None
    try:
        return check_actor(result)
    except InvalidInputError as e:
        raise ConfigurationError(
            "console_access", "returned a name that is not one line of printable text"
        ) from e


def _fingerprint(hashed: str) -> str:
    """What a session keeps of the user's hash: a new password ends old sessions."""
    return hashlib.sha256(hashed.encode()).hexdigest()[:32]


class LoginLimiter:
    """Failed logins per client address and per user name within ``window``.

    At most ``per_user`` failures for one name and ``per_address`` from one
    address; beyond, :meth:`retry_after` says how long to wait. The table is
    bounded (``max_keys``; the longest untouched entries go first) and
    thread-safe; ``clock`` is the service's, so tests move time.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        per_user: int = 5,
        per_address: int = 20,
        window: timedelta = timedelta(minutes=15),
        max_keys: int = 10_000,
    ) -> None:
        self.clock = clock
        self.limits = {"user": per_user, "address": per_address}
        self.window = window
        self.max_keys = max_keys
        self._failures: OrderedDict[tuple[str, str], deque[datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def _keys(self, address: str, name: str) -> list[tuple[str, str]]:
        return [("address", address), ("user", name)]

    def _recent(self, key: tuple[str, str], now: datetime) -> deque[datetime]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            self._failures.pop(key, None)
        return times

    def retry_after(self, address: str, name: str) -> timedelta | None:
        """How long until this address may try this name again; ``None``: now."""
        now = self.clock()
        waits = []
        with self._lock:
            for key in self._keys(address, name):
                times = self._recent(key, now)
                if len(times) >= self.limits[key[0]]:
                    waits.append(times[0] + self.window - now)
        return max(waits) if waits else None

    def failed(self, address: str, name: str) -> None:
        """Count a failed attempt of ``address`` for ``name``."""
        now = self.clock()
        with self._lock:
            for key in self._keys(address, name):
                times = self._recent(key, now)
                times.append(now)
                while len(times) > self.limits[key[0]]:
                    times.popleft()
                self._failures[key] = times
                self._failures.move_to_end(key)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)

    def succeeded(self, name: str) -> None:
        """Forget the failures for ``name`` (its user just signed in)."""
        with self._lock:
            self._failures.pop(("user", name), None)


class PasswordLogin:
    """The access rule of the console's own login: a user of ``users`` (name →
    Werkzeug password hash, ``CSAT_CONSOLE_USERS``) signed in on this browser.

    :raises ConfigurationError: a hash of a method Werkzeug does not know.
    """

    def __init__(
        self, users: Mapping[str, str], clock: Clock, limiter: LoginLimiter | None = None
    ) -> None:
        for name, hashed in users.items():
            if hashed.split("$", 1)[0].split(":", 1)[0] not in _METHODS:
                raise ConfigurationError(
                    "CSAT_CONSOLE_USERS",
                    f"user {name!r}: not a Werkzeug password hash (scrypt or pbkdf2); "
                    "`csat console add-user` writes one",
                )
        self.users = dict(users)
        self.limiter = limiter if limiter is not None else LoginLimiter(clock)

    def __call__(self) -> str | None:
        """The signed-in user's name, while the user and the password are unchanged."""
        data = session.get(SESSION_KEY)
        if not isinstance(data, dict):
            return None
        name, check = data.get("user"), data.get("check")
        hashed = self.users.get(name) if isinstance(name, str) else None
        if hashed is None or not isinstance(check, str):
            return None
        if not hmac.compare_digest(check, _fingerprint(hashed)):
            return None
        assert isinstance(name, str)
        return name

    @cached_property
    def _dummy_hash(self) -> str:
        """A hash of a random password, by the users' method: an unknown name costs
        as much as a known one."""
        method = next(iter(self.users.values()), "scrypt").split("$", 1)[0]
        return generate_password_hash(secrets.token_urlsafe(16), method=method)

    def check(self, name: str, password: str) -> bool:
        """Whether ``password`` is ``name``'s; always one hash check (constant time)."""
        hashed = self.users.get(name)
        if hashed is None:
            check_password_hash(self._dummy_hash, password)
            return False
        return check_password_hash(hashed, password)

    def sign_in(self, name: str) -> None:
        """``name`` is signed in: the session starts afresh (no fixation)."""
        session.clear()
        session[SESSION_KEY] = {"user": name, "check": _fingerprint(self.users[name])}

    @staticmethod
    def sign_out() -> None:
        """Nobody is signed in any more: the session is cleared."""
        session.clear()
