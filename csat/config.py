"""Settings: every ``CSAT_*`` key, its default and its meaning, in one place.

The same keys are read from a Flask app's config, from the environment (CLI)
or passed to :class:`Settings` directly. :data:`KEYS` says what each key
means and :data:`~csat.DEFAULTS` holds their defaults (the documentation's
table is made from them); :meth:`Settings.from_mapping
<csat.Settings.from_mapping>` turns a mapping of ``CSAT_*`` keys into typed
settings and rejects invalid values.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import timedelta
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigurationError

#: Who reads a key: every use of csat, the Flask layer, delivery, the report.
PARTS = ("core", "web", "delivery", "report")


@dataclass(frozen=True)
class Key:
    """One ``CSAT_*`` setting: its name, default, what it means and who reads it."""

    name: str
    default: Any
    meaning: str
    #: One of :data:`PARTS`.
    part: str = "core"


#: Every setting, in the order the documentation lists them. Durations are in
#: the unit the name says; ``None`` means "not set".
KEYS: tuple[Key, ...] = (
    Key("CSAT_DATABASE_URL", "sqlite:///csat.db", "SQLAlchemy URL of csat's database."),
    Key(
        "CSAT_SECRET_KEY",
        None,
        "Signs survey links and keys the hashes of opted-out addresses; required, at least "
        "16 characters, never stored. Changing it breaks every link sent so far.",
    ),
    Key(
        "CSAT_BASE_URL",
        "http://localhost:5000/survey",
        "Public base URL of the survey pages; every link in an email is built from it.",
    ),
    Key("CSAT_DELAY_SECONDS", 3600, "Wait after a ticket was resolved before the survey is sent."),
    Key("CSAT_SAMPLING_RATE", 1.0, "Share of resolved tickets that get a survey (0.0 to 1.0)."),
    Key(
        "CSAT_MAX_AGE_DAYS",
        7,
        "Tickets resolved longer ago than this get no survey (recorded as ``stale``).",
    ),
    Key("CSAT_COOLDOWN_DAYS", 14, "A customer gets at most one survey within this many days."),
    Key("CSAT_VALIDITY_DAYS", 14, "How long a survey link can be answered after it was due."),
    Key(
        "CSAT_EDIT_WINDOW_HOURS", 24, "How long stored answers can be changed; then they are final."
    ),
    Key(
        "CSAT_EXCLUDE_ADDRESSES",
        (),
        "Addresses that never get a survey: shell patterns, case-insensitive, e.g. "
        "``*@helpdesk.example.com`` (a list, or separated by commas or spaces).",
    ),
    Key("CSAT_COMMENT_MAX_LENGTH", 2000, "Longest comment accepted, in characters."),
    Key(
        "CSAT_RETENTION_DAYS",
        None,
        "``csat purge`` erases addresses and comments older than this; unset keeps them.",
    ),
    Key(
        "CSAT_TIMEZONE",
        "UTC",
        "IANA time zone (e.g. ``Europe/Berlin``) in which customers are shown times, unless "
        "their invitation names one.",
    ),
    Key(
        "CSAT_CONTACT",
        None,
        "Whom customers can contact, shown on the pages for unknown or expired links, e.g. "
        "``IT Support, +49 30 1234567, support@example.com``; unset: the address of "
        "``CSAT_MAIL_REPLY_TO`` or ``CSAT_MAIL_FROM``.",
    ),
    Key(
        "CSAT_FOLLOW_UPS",
        True,
        "Open a follow-up case for every answer that needs a call back (see "
        ":mod:`csat.follow_ups.rules`); ``False`` leaves that to a host's own task system "
        "(the ``follow_up_needed`` signal still fires).",
    ),
    Key(
        "CSAT_FOLLOW_UP_HOURS",
        24,
        "A follow-up case is due this many hours after it opened (the report counts the "
        "cases closed within it).",
    ),
    Key(
        "CSAT_TEAM_LEADS",
        {},
        "Who is emailed about a new case and reminded of overdue ones: team name to a list of "
        'addresses, ``"*"`` for every other team, e.g. ``{"1st Level": ["lead@example.com"], '
        '"*": ["head@example.com"]}`` (JSON in the environment).',
    ),
    Key(
        "CSAT_CONSOLE_URL",
        None,
        "Public base URL of the staff console, e.g. ``https://help.example.com/csat``: a lead "
        "email links each case as ``{CSAT_CONSOLE_URL}/follow-ups/{id}``; unset: it says to run "
        "``csat follow-ups list``. ``csat send`` refuses one that is not a plain http(s) URL.",
    ),
    Key("CSAT_DEFAULT_SURVEY", "post_ticket", "Survey used when an invitation names none."),
    Key(
        "CSAT_DEFAULT_LOCALE",
        "en",
        "Locale used when an invitation names none, or one the survey lacks.",
    ),
    Key(
        "CSAT_URL_PREFIX",
        "/survey",
        "Where the Flask blueprint's pages are mounted (the path of ``CSAT_BASE_URL``).",
        "web",
    ),
    Key(
        "CSAT_BASE_TEMPLATE",
        "csat/base.html",
        "The layout every page extends; a host's own must define the blocks ``title`` and "
        "``content``.",
        "web",
    ),
    Key(
        "CSAT_CONSOLE_PREFIX",
        "/csat",
        "Where the staff console (follow-up cases) is mounted, apart from the customer pages.",
        "web",
    ),
    Key(
        "CSAT_CONSOLE_USERS",
        {},
        "Console users of ``csat serve``: name to a Werkzeug password hash (``csat console "
        "add-user NAME`` writes one; JSON in the environment). A host app passes "
        "``console_access`` instead.",
        "web",
    ),
    Key(
        "CSAT_CONSOLE_SECURE_COOKIE",
        True,
        "The console's login cookie of ``csat serve`` is sent over HTTPS only; ``False`` for "
        "plain http on localhost.",
        "web",
    ),
    Key(
        "CSAT_FOLLOW_UP_PROMISE",
        True,
        "The thanks page tells a customer whose answer opened a case that someone will get in "
        'touch; ``"due"`` adds within how many hours; ``False``: it says nothing.',
        "web",
    ),
    Key(
        "CSAT_CONTENT_SECURITY_POLICY",
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'",
        "Content-Security-Policy header of csat's pages (they need no scripts).",
        "web",
    ),
    Key(
        "CSAT_MAX_BODY_BYTES",
        262144,
        "Largest request body the survey pages accept; larger ones answer 413.",
        "web",
    ),
    Key(
        "CSAT_WEBHOOK_MAX_BODY_BYTES",
        65536,
        "Largest webhook body accepted; larger ones answer 413 before they are read.",
        "web",
    ),
    Key(
        "CSAT_WEBHOOK_SECRET",
        None,
        "HMAC key of the signed webhook ``POST {prefix}/hooks/resolved``; unset turns it off.",
        "web",
    ),
    Key(
        "CSAT_WEBHOOK_MAX_AGE_SECONDS",
        300,
        "Accepted age of a webhook's timestamp (its replay window).",
        "web",
    ),
    Key(
        "CSAT_HOOK_SECRETS",
        {},
        "Turns on the helpdesks' own webhooks ``POST {prefix}/hooks/<name>``: helpdesk name "
        "(``zammad``, ``glpi``, ``zendesk``, ``chatwoot``, ``helpscout``, ``freescout``, "
        "``redmine``, ``jira``, ``generic``) to the secret it signs with, at least 16 "
        "characters (JSON in the environment, or one variable per helpdesk: "
        "``CSAT_HOOK_SECRET_ZAMMAD``). See :doc:`hooks/index`.",
        "web",
    ),
    Key(
        "CSAT_HOOK_OPTIONS",
        {},
        'Per helpdesk, its webhook\'s options, e.g. ``{"zammad": {"survey": "post_ticket", '
        '"locale": "de", "team": "Service Desk"}}`` (JSON in the environment; '
        "each helpdesk's page lists its options).",
        "web",
    ),
    Key(
        "CSAT_HOOK_MAPPING",
        {},
        "The ``generic`` webhook's fields: csat's field to a dotted path in the body, e.g. "
        '``{"ticket_id": "ticket.id", "email": "ticket.customer.email"}`` (JSON in '
        "the environment).",
        "web",
    ),
    Key(
        "CSAT_MIN_GROUP_N",
        10,
        "Groups (teams, agents …) with fewer responses are shown in reports, never ranked.",
        "report",
    ),
    Key(
        "CSAT_MAIL_FROM",
        "csat@localhost",
        "Sender of the survey emails, e.g. ``IT Support <support@example.com>``; its domain "
        "names the Message-IDs.",
        "delivery",
    ),
    Key(
        "CSAT_MAIL_REPLY_TO",
        None,
        "Where replies to a survey email go; unset: to ``CSAT_MAIL_FROM``.",
        "delivery",
    ),
    Key(
        "CSAT_REMINDER_DAYS",
        3,
        "One reminder this many days after sending when there is no answer; 0: none.",
        "delivery",
    ),
    Key("CSAT_SMTP_HOST", "localhost", "SMTP server of ``csat send``.", "delivery"),
    Key("CSAT_SMTP_PORT", 25, "Its port.", "delivery"),
    Key("CSAT_SMTP_USER", None, "SMTP login name; unset: no login.", "delivery"),
    Key(
        "CSAT_SMTP_PASSWORD",
        None,
        "SMTP password, read only from the environment (never a file or a flag).",
        "delivery",
    ),
    Key(
        "CSAT_SMTP_SECURITY",
        "none",
        "Transport security: ``none``, ``starttls`` or ``ssl`` (implicit TLS, port 465).",
        "delivery",
    ),
    Key(
        "CSAT_SMTP_TIMEOUT",
        30,
        "Seconds to wait for the SMTP server before the attempt counts as a transient failure.",
        "delivery",
    ),
)

#: Every key with its default (see :data:`KEYS` for what each means).
DEFAULTS: Mapping[str, Any] = MappingProxyType({key.name: key.default for key in KEYS})

SMTP_SECURITY = ("none", "starttls", "ssl")

#: The duration fields of :class:`Settings` and the keys they are read from.
_DURATION_KEYS = {
    "delay": "CSAT_DELAY_SECONDS",
    "max_age": "CSAT_MAX_AGE_DAYS",
    "cooldown": "CSAT_COOLDOWN_DAYS",
    "validity": "CSAT_VALIDITY_DAYS",
    "edit_window": "CSAT_EDIT_WINDOW_HOURS",
    "reminder": "CSAT_REMINDER_DAYS",
    "follow_up_due": "CSAT_FOLLOW_UP_HOURS",
}


def _duration(value: Any, key: str, unit: str) -> timedelta:
    if isinstance(value, timedelta):
        result = value
    else:
        try:
            number = float(value)
        except (TypeError, ValueError) as e:
            raise ConfigurationError(key, f"expected a number of {unit}, got {value!r}") from e
        result = timedelta(**{unit: number})
    if result < timedelta(0):
        raise ConfigurationError(key, "must not be negative")
    return result


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _flag(value: Any, key: str) -> bool:
    """A boolean from Python or from the environment (``true``/``false``, ``1``/``0`` …)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigurationError(key, f"expected true or false, got {value!r}")


def _json_mapping(value: Any, key: str) -> Mapping[str, Any]:
    """A mapping given as such, or as a JSON object (the environment's form)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as e:
            raise ConfigurationError(key, f"is not valid JSON: {e}") from e
    if not isinstance(value, Mapping):
        raise ConfigurationError(key, f"expected a mapping (a JSON object), got {value!r}")
    return value


def _plain(text: object) -> bool:
    return isinstance(text, str) and text.strip() == text and text.isprintable() and bool(text)


def _team_leads(value: Any, key: str = "CSAT_TEAM_LEADS") -> Mapping[str, tuple[str, ...]]:
    """Team name → lead addresses; every address one line of printable text with an @."""
    leads: dict[str, tuple[str, ...]] = {}
    for team, addresses in _json_mapping(value, key).items():
        if not _plain(team) or len(team) > 255:
            raise ConfigurationError(key, f"team {team!r} is not a plain team name")
        if isinstance(addresses, str):
            addresses = [addresses]
        if not isinstance(addresses, list | tuple) or not addresses:
            raise ConfigurationError(key, f"team {team!r}: expected a list of addresses")
        for address in addresses:
            if not _plain(address) or "@" not in address or len(address) > 320:
                raise ConfigurationError(key, f"team {team!r}: {address!r} is not an address")
        leads[team] = tuple(addresses)
    return MappingProxyType(leads)


#: The prefix of the one-helpdesk form of ``CSAT_HOOK_SECRETS``: ``CSAT_HOOK_SECRET_ZAMMAD``.
HOOK_SECRET_PREFIX = "CSAT_HOOK_SECRET_"  # noqa: S105 - a key name, no secret
#: A helpdesk's name in the hook settings (the ``<name>`` of ``/hooks/<name>``).
_HOOK_NAME = re.compile("[a-z][a-z0-9_]{0,31}")
#: The longest hook secret accepted (Redmine's limit is 255).
_HOOK_SECRET_MAX = 1024


def is_setting(name: str) -> bool:
    """Whether ``name`` is a csat setting: a key of :data:`KEYS` or a per-helpdesk hook secret."""
    return name in DEFAULTS or (name.startswith(HOOK_SECRET_PREFIX) and name != HOOK_SECRET_PREFIX)


def _hook_name(name: object, key: str) -> str:
    if not isinstance(name, str) or not _HOOK_NAME.fullmatch(name):
        shown = name[:40] if isinstance(name, str) else name
        raise ConfigurationError(
            key, f"{shown!r} is not a helpdesk name (lower-case letters, e.g. zammad)"
        )
    return name


def _hook_secrets(value: Any, key: str = "CSAT_HOOK_SECRETS") -> Mapping[str, str]:
    """Helpdesk name → webhook secret; the secret is never quoted in an error."""
    secrets: dict[str, str] = {}
    for name, secret in _json_mapping(value, key).items():
        _hook_name(name, key)
        if not _plain(secret) or not 16 <= len(secret) <= _HOOK_SECRET_MAX:
            raise ConfigurationError(
                key,
                f"the secret of {name!r} must be 16 to {_HOOK_SECRET_MAX} printable characters "
                "without spaces around it",
            )
        secrets[name] = secret
    return MappingProxyType(secrets)


def _hook_options(value: Any, key: str = "CSAT_HOOK_OPTIONS") -> Mapping[str, Mapping[str, Any]]:
    """Helpdesk name → its options (each adapter checks its own, :mod:`csat.hooks`)."""
    options: dict[str, Mapping[str, Any]] = {}
    for name, given in _json_mapping(value, key).items():
        _hook_name(name, key)
        if not isinstance(given, Mapping) or not all(isinstance(k, str) for k in given):
            raise ConfigurationError(key, f"{name}: expected an object of options")
        options[name] = MappingProxyType(dict(given))
    return MappingProxyType(options)


def _hook_mapping(value: Any, key: str = "CSAT_HOOK_MAPPING") -> Mapping[str, str]:
    """csat's field → a dotted path in the generic webhook's body."""
    mapping: dict[str, str] = {}
    for name, path in _json_mapping(value, key).items():
        if not _plain(name) or len(name) > 64:
            raise ConfigurationError(key, f"{str(name)[:64]!r} is not a field name")
        if not _plain(path) or len(path) > 255 or ".." in path or path.strip(".") != path:
            raise ConfigurationError(
                key, f"{name}: expected a dotted path such as ticket.customer.email"
            )
        mapping[name] = path
    return MappingProxyType(mapping)


def _all_hook_secrets(config: Mapping[str, Any], given: Any) -> Mapping[str, str]:
    """``CSAT_HOOK_SECRETS`` with the ``CSAT_HOOK_SECRET_<NAME>`` keys of ``config`` added."""
    secrets = dict(_hook_secrets(given))
    for key, value in config.items():
        if not isinstance(key, str) or not key.startswith(HOOK_SECRET_PREFIX):
            continue
        if value is None or value == "":
            continue
        name = key.removeprefix(HOOK_SECRET_PREFIX).lower()
        if name in secrets:
            raise ConfigurationError(
                key, f"the secret of {name!r} is also in CSAT_HOOK_SECRETS: set it once"
            )
        secrets.update(_hook_secrets({name: value}, key))
    return MappingProxyType(secrets)


def _console_users(value: Any, key: str = "CSAT_CONSOLE_USERS") -> Mapping[str, str]:
    """User name → Werkzeug password hash (``method$salt$hash``); never a plain password."""
    users: dict[str, str] = {}
    for name, hashed in _json_mapping(value, key).items():
        if not _plain(name) or len(name) > 64:
            raise ConfigurationError(key, f"user name {name!r} is not plain text")
        if not isinstance(hashed, str) or hashed.count("$") < 2:
            raise ConfigurationError(
                key,
                f"user {name!r}: expected a password hash such as `csat console add-user` "
                "writes, not a password",
            )
        users[name] = hashed
    return MappingProxyType(users)


def _promise(value: Any, key: str = "CSAT_FOLLOW_UP_PROMISE") -> bool | str:
    if isinstance(value, str) and value.strip().lower() == "due":
        return "due"
    try:
        return _flag(value, key)
    except ConfigurationError as e:
        raise ConfigurationError(key, f'expected true, false or "due", got {value!r}') from e


def _patterns(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [p for p in value.replace(",", " ").split() if p]
    try:
        patterns = tuple(str(p).strip().lower() for p in value)
    except TypeError as e:
        raise ConfigurationError(key, f"expected a list of patterns, got {value!r}") from e
    return tuple(p for p in patterns if p)


@dataclass(frozen=True)
class Settings:
    """Typed csat settings; see :data:`csat.config.KEYS` for each key's meaning."""

    secret_key: str | None = None
    database_url: str = DEFAULTS["CSAT_DATABASE_URL"]
    base_url: str = DEFAULTS["CSAT_BASE_URL"]
    delay: timedelta = timedelta(seconds=DEFAULTS["CSAT_DELAY_SECONDS"])
    sampling_rate: float = DEFAULTS["CSAT_SAMPLING_RATE"]
    max_age: timedelta = timedelta(days=DEFAULTS["CSAT_MAX_AGE_DAYS"])
    cooldown: timedelta = timedelta(days=DEFAULTS["CSAT_COOLDOWN_DAYS"])
    validity: timedelta = timedelta(days=DEFAULTS["CSAT_VALIDITY_DAYS"])
    edit_window: timedelta = timedelta(hours=DEFAULTS["CSAT_EDIT_WINDOW_HOURS"])
    exclude_addresses: tuple[str, ...] = field(default=())
    comment_max_length: int = DEFAULTS["CSAT_COMMENT_MAX_LENGTH"]
    retention: timedelta | None = None
    timezone: str = DEFAULTS["CSAT_TIMEZONE"]
    contact: str | None = None
    follow_ups: bool = DEFAULTS["CSAT_FOLLOW_UPS"]
    follow_up_due: timedelta = timedelta(hours=DEFAULTS["CSAT_FOLLOW_UP_HOURS"])
    team_leads: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    console_url: str | None = None
    default_survey: str = DEFAULTS["CSAT_DEFAULT_SURVEY"]
    default_locale: str = DEFAULTS["CSAT_DEFAULT_LOCALE"]
    min_group_n: int = DEFAULTS["CSAT_MIN_GROUP_N"]
    console_prefix: str = DEFAULTS["CSAT_CONSOLE_PREFIX"]
    console_users: Mapping[str, str] = field(default_factory=dict, repr=False)
    console_secure_cookie: bool = DEFAULTS["CSAT_CONSOLE_SECURE_COOKIE"]
    follow_up_promise: bool | str = DEFAULTS["CSAT_FOLLOW_UP_PROMISE"]
    hook_secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    hook_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    hook_mapping: Mapping[str, str] = field(default_factory=dict)
    max_body_bytes: int = DEFAULTS["CSAT_MAX_BODY_BYTES"]
    webhook_max_body_bytes: int = DEFAULTS["CSAT_WEBHOOK_MAX_BODY_BYTES"]
    mail_from: str = DEFAULTS["CSAT_MAIL_FROM"]
    mail_reply_to: str | None = None
    reminder: timedelta = timedelta(days=DEFAULTS["CSAT_REMINDER_DAYS"])
    smtp_host: str = DEFAULTS["CSAT_SMTP_HOST"]
    smtp_port: int = DEFAULTS["CSAT_SMTP_PORT"]
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_security: str = DEFAULTS["CSAT_SMTP_SECURITY"]
    smtp_timeout: float = DEFAULTS["CSAT_SMTP_TIMEOUT"]

    def __post_init__(self) -> None:
        if not 0.0 <= self.sampling_rate <= 1.0:
            raise ConfigurationError("CSAT_SAMPLING_RATE", "must be between 0.0 and 1.0")
        if self.comment_max_length < 1:
            raise ConfigurationError("CSAT_COMMENT_MAX_LENGTH", "must be at least 1")
        if self.min_group_n < 1:
            raise ConfigurationError("CSAT_MIN_GROUP_N", "must be at least 1")
        if self.smtp_security not in SMTP_SECURITY:
            raise ConfigurationError(
                "CSAT_SMTP_SECURITY", f"must be one of {', '.join(SMTP_SECURITY)}"
            )
        if not 0 < self.smtp_port < 65536:
            raise ConfigurationError("CSAT_SMTP_PORT", "must be between 1 and 65535")
        if self.smtp_timeout <= 0:
            raise ConfigurationError("CSAT_SMTP_TIMEOUT", "must be positive")
        for name, key in _DURATION_KEYS.items():
            if getattr(self, name) < timedelta(0):
                raise ConfigurationError(key, "must not be negative")
        for name in ("max_body_bytes", "webhook_max_body_bytes"):
            if getattr(self, name) < 1024:
                raise ConfigurationError(f"CSAT_{name.upper()}", "must be at least 1024")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ConfigurationError(
                "CSAT_TIMEZONE", f"{self.timezone!r} is not a known IANA time zone"
            ) from e
        object.__setattr__(self, "team_leads", _team_leads(self.team_leads))
        object.__setattr__(self, "console_users", _console_users(self.console_users))
        object.__setattr__(self, "follow_up_promise", _promise(self.follow_up_promise))
        object.__setattr__(self, "hook_secrets", _hook_secrets(self.hook_secrets))
        object.__setattr__(self, "hook_options", _hook_options(self.hook_options))
        object.__setattr__(self, "hook_mapping", _hook_mapping(self.hook_mapping))
        if not self.console_prefix.startswith("/") or self.console_prefix.endswith("/"):
            raise ConfigurationError(
                "CSAT_CONSOLE_PREFIX", "must start with / and not end with one, e.g. /csat"
            )
        object.__setattr__(
            self,
            "exclude_addresses",
            _patterns(self.exclude_addresses, "CSAT_EXCLUDE_ADDRESSES"),
        )
        if self.secret_key is not None and len(self.secret_key) < 16:
            raise ConfigurationError("CSAT_SECRET_KEY", "must be at least 16 characters long")

    def leads_of(self, team: str) -> tuple[str, ...]:
        """The lead addresses of ``team`` (``"*"``'s for a team not listed)."""
        return self.team_leads.get(team, self.team_leads.get("*", ()))

    def require_secret_key(self) -> bytes:
        """The secret key as bytes, or a :class:`~csat.errors.ConfigurationError` if unset."""
        if not self.secret_key:
            raise ConfigurationError(
                "CSAT_SECRET_KEY",
                "is not set; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`",
            )
        return self.secret_key.encode()

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> Settings:
        """Build settings from ``CSAT_*`` keys; missing keys take the defaults."""

        def get(key: str) -> Any:
            value = config.get(key)
            return DEFAULTS[key] if value is None or value == "" else value

        def number(key: str, kind: type[int] | type[float]) -> Any:
            value = get(key)
            try:
                return kind(value)
            except (TypeError, ValueError) as e:
                raise ConfigurationError(key, f"expected a number, got {value!r}") from e

        def optional(key: str) -> str | None:
            value = get(key)
            return None if value is None else str(value)

        retention = get("CSAT_RETENTION_DAYS")
        return cls(
            secret_key=get("CSAT_SECRET_KEY"),
            database_url=str(get("CSAT_DATABASE_URL")),
            base_url=str(get("CSAT_BASE_URL")),
            delay=_duration(get("CSAT_DELAY_SECONDS"), "CSAT_DELAY_SECONDS", "seconds"),
            sampling_rate=number("CSAT_SAMPLING_RATE", float),
            max_age=_duration(get("CSAT_MAX_AGE_DAYS"), "CSAT_MAX_AGE_DAYS", "days"),
            cooldown=_duration(get("CSAT_COOLDOWN_DAYS"), "CSAT_COOLDOWN_DAYS", "days"),
            validity=_duration(get("CSAT_VALIDITY_DAYS"), "CSAT_VALIDITY_DAYS", "days"),
            edit_window=_duration(get("CSAT_EDIT_WINDOW_HOURS"), "CSAT_EDIT_WINDOW_HOURS", "hours"),
            exclude_addresses=_patterns(get("CSAT_EXCLUDE_ADDRESSES"), "CSAT_EXCLUDE_ADDRESSES"),
            comment_max_length=number("CSAT_COMMENT_MAX_LENGTH", int),
            retention=None
            if retention is None
            else _duration(retention, "CSAT_RETENTION_DAYS", "days"),
            timezone=str(get("CSAT_TIMEZONE")),
            contact=optional("CSAT_CONTACT"),
            follow_ups=_flag(get("CSAT_FOLLOW_UPS"), "CSAT_FOLLOW_UPS"),
            follow_up_due=_duration(get("CSAT_FOLLOW_UP_HOURS"), "CSAT_FOLLOW_UP_HOURS", "hours"),
            team_leads=_team_leads(get("CSAT_TEAM_LEADS")),
            console_url=optional("CSAT_CONSOLE_URL"),
            default_survey=str(get("CSAT_DEFAULT_SURVEY")),
            default_locale=str(get("CSAT_DEFAULT_LOCALE")),
            min_group_n=number("CSAT_MIN_GROUP_N", int),
            console_prefix=str(get("CSAT_CONSOLE_PREFIX")),
            console_users=_console_users(get("CSAT_CONSOLE_USERS")),
            console_secure_cookie=_flag(
                get("CSAT_CONSOLE_SECURE_COOKIE"), "CSAT_CONSOLE_SECURE_COOKIE"
            ),
            follow_up_promise=_promise(get("CSAT_FOLLOW_UP_PROMISE")),
            hook_secrets=_all_hook_secrets(config, get("CSAT_HOOK_SECRETS")),
            hook_options=_hook_options(get("CSAT_HOOK_OPTIONS")),
            hook_mapping=_hook_mapping(get("CSAT_HOOK_MAPPING")),
            max_body_bytes=number("CSAT_MAX_BODY_BYTES", int),
            webhook_max_body_bytes=number("CSAT_WEBHOOK_MAX_BODY_BYTES", int),
            mail_from=str(get("CSAT_MAIL_FROM")),
            mail_reply_to=optional("CSAT_MAIL_REPLY_TO"),
            reminder=_duration(get("CSAT_REMINDER_DAYS"), "CSAT_REMINDER_DAYS", "days"),
            smtp_host=str(get("CSAT_SMTP_HOST")),
            smtp_port=number("CSAT_SMTP_PORT", int),
            smtp_user=optional("CSAT_SMTP_USER"),
            smtp_password=optional("CSAT_SMTP_PASSWORD"),
            smtp_security=str(get("CSAT_SMTP_SECURITY")).lower(),
            smtp_timeout=number("CSAT_SMTP_TIMEOUT", float),
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``CSAT_*`` environment variables."""
        env = os.environ if environ is None else environ
        return cls.from_mapping({k: v for k, v in env.items() if is_setting(k)})

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (validated again)."""
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        values = {name: getattr(self, name) for name in known}
        values.update(changes)
        return Settings(**values)
