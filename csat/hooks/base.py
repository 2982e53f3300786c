"""What every helpdesk adapter shares: the decisions, the options, the checks.

An adapter turns one helpdesk's own webhook into a decision, in three steps
the Flask layer calls in this order:

1. :meth:`Adapter.check_headers`: the signature headers are there and well
   formed, and a timestamp lies within the replay window, before the body is
   read;
2. :meth:`Adapter.verify`: the signature over the exact bytes of the body,
   compared in constant time, before the body is parsed;
3. :meth:`Adapter.parse`: the JSON body to :class:`Resolved` (invite),
   :class:`Reopened` (cancel a pending invitation) or :class:`Ignored` (any
   other event), reading every field with :class:`Fields`, which collects
   every problem of the body for one :class:`~csat.errors.HookPayloadError`.

Everything in a body or a header is hostile until checked: texts are bounded,
and control characters and lone surrogates are refused.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from ..config import Settings
from ..errors import ConfigurationError, HookPayloadError, SignatureError

#: The longest text taken from a body (ticket ids, names, teams): the invitation's limit.
MAX_TEXT = 255
#: The longest address taken from a body (RFC 5321's path limit).
MAX_ADDRESS = 320
#: How far in the future a resolved time may lie (the helpdesk's clock may run ahead).
CLOCK_SKEW = timedelta(minutes=5)
#: The options every helpdesk takes; :attr:`Adapter.extra_options` adds its own.
COMMON_OPTIONS = ("survey", "locale", "team", "agent")
#: The shared-secret header of the schemes without a signature (Jira, ``generic``).
TOKEN_HEADER = "X-CSAT-Token"  # noqa: S105 - a header name, no secret

#: C0 controls, DEL, and the other characters :meth:`str.splitlines` ends a line at.
_CONTROL = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")
#: Half of a UTF-16 pair alone (JSON's ``"\\ud800"``): no database or email can hold it.
_SURROGATE = re.compile("[\ud800-\udfff]")
#: A language tag (``de``, ``de-DE``, ``pt_BR``): its first part is the locale.
_LANGUAGE_TAG = re.compile(r"([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8}){0,3}")
#: Language names helpdesks send instead of tags (Zendesk's ``{{ticket.requester.language}}``).
_LANGUAGE_NAMES = {"english": "en", "englisch": "en", "german": "de", "deutsch": "de"}
#: Words of a helpdesk's channel name that make it csat's ``phone`` or ``chat``.
_PHONE_WORDS = ("phone", "call", "voice", "telefon", "téléphone")
_CHAT_WORDS = (
    "chat", "messag", "sms", "whatsapp", "telegram", "widget", "facebook", "instagram",
    "twitter", "signal",
)  # fmt: skip


# -- decisions -----------------------------------------------------------------------


@dataclass(frozen=True)
class Resolved:
    """A ticket was resolved or closed: invite its customer."""

    ticket_id: str
    email: str
    agent: str
    team: str
    #: csat's channel: ``ticket``, ``phone`` or ``chat``.
    channel: str
    resolved_at: datetime
    category: str | None = None
    #: The customer's language as the body gives it (``de``), if it does; the
    #: Flask layer uses it only when the survey has it.
    locale: str | None = None
    survey: str | None = None

    def invite_fields(self) -> dict[str, Any]:
        """The keyword arguments of :meth:`SurveyService.invite <csat.SurveyService.invite>`
        besides the ticket id and the address."""
        return {
            "agent": self.agent,
            "team": self.team,
            "channel": self.channel,
            "resolved_at": self.resolved_at,
            "category": self.category,
            "locale": self.locale,
            "survey": self.survey,
        }


@dataclass(frozen=True)
class Reopened:
    """A resolved ticket was reopened: cancel its pending invitation."""

    ticket_id: str
    #: Cancel only this survey's invitation (``None``: every pending one of the ticket).
    survey: str | None = None


@dataclass(frozen=True)
class Ignored:
    """Any other event: nothing to do, and ``reason`` says why (HTTP 202)."""

    reason: str


#: What an adapter makes of one webhook.
HookDecision = Resolved | Reopened | Ignored


# -- headers and signatures ----------------------------------------------------------


class Headers:
    """A request's headers by case-insensitive name.

    A header sent more than once reads as empty: of two signatures neither is
    trusted, and an empty value fails every check.
    """

    def __init__(self, pairs: Mapping[str, str] | Iterable[tuple[str, str]]) -> None:
        items = pairs.items() if isinstance(pairs, Mapping) else pairs
        self._values: dict[str, str] = {}
        for name, value in items:
            key = name.lower()
            self._values[key] = "" if key in self._values else value

    def get(self, name: str) -> str:
        """The header's value; ``""`` when it is missing or was sent more than once."""
        return self._values.get(name.lower(), "")


def hmac_hex(secret: bytes, message: bytes, digest: str) -> str:
    """The lower-case hex HMAC of ``message`` (``digest``: ``sha1``, ``sha256``)."""
    return hmac.new(secret, message, digest).hexdigest()


def hmac_base64(secret: bytes, message: bytes, digest: str) -> str:
    """The standard base64 of the raw HMAC of ``message``."""
    return base64.b64encode(hmac.new(secret, message, digest).digest()).decode("ascii")


def base64_size(value: str) -> int:
    """How many bytes the standard base64 ``value`` holds; 0 if it is no base64."""
    try:
        return len(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        return 0


def same(expected: str, given: str) -> bool:
    """Whether two secrets or signatures are equal, compared in constant time."""
    return hmac.compare_digest(
        expected.encode("utf-8", "backslashreplace"), given.encode("utf-8", "backslashreplace")
    )


def unix_time(helpdesk: str, value: str) -> datetime:
    """A Unix time header (ASCII digits, at most 12), or a :class:`SignatureError`."""
    if not re.fullmatch("[0-9]{1,12}", value):
        raise SignatureError(helpdesk, "missing or malformed timestamp header")
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (ValueError, OverflowError, OSError) as e:  # beyond the year 9999
        raise SignatureError(helpdesk, "timestamp outside the accepted window") from e


def check_window(helpdesk: str, sent: datetime, now: datetime, max_age: timedelta) -> None:
    """Refuse a timestamp further than ``max_age`` from ``now`` (a replay, or a stale retry)."""
    if abs(now - sent) > max_age:
        raise SignatureError(helpdesk, "timestamp outside the accepted window")


def check_token(helpdesk: str, headers: Headers, secret: bytes) -> None:
    """The shared-secret scheme: ``X-CSAT-Token`` must equal the secret."""
    token = headers.get(TOKEN_HEADER)
    if not token:
        raise SignatureError(helpdesk, f"missing {TOKEN_HEADER} header")
    # A header arrives as Latin-1 (WSGI): encoding it back gives the bytes sent.
    if not hmac.compare_digest(secret, token.encode("latin-1", "replace")):
        raise SignatureError(helpdesk, "bad token")


# -- fields --------------------------------------------------------------------------

#: What :meth:`Fields.value` returns for a path the body does not have.
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()


def bad_text(value: str, limit: int = MAX_TEXT) -> str | None:
    """What is wrong with a text from outside (in JSON terms), or ``None``."""
    if len(value) > limit:
        return f"must be at most {limit} characters"
    if _SURROGATE.search(value):
        return "must be valid Unicode (a lone surrogate escape such as \\ud800 is not)"
    if _CONTROL.search(value):
        return "must not contain control characters"
    return None


def channel_of(name: str | None, default: str = "ticket") -> str:
    """csat's channel (``ticket``, ``phone``, ``chat``) for a helpdesk's channel name."""
    text = (name or "").lower()
    if text in ("ticket", "phone", "chat"):
        return text
    if any(word in text for word in _PHONE_WORDS):
        return "phone"
    if any(word in text for word in _CHAT_WORDS):
        return "chat"
    return default


def locale_of(language: str | None) -> str | None:
    """The locale (``de``) of a language tag (``de-DE``) or name (``German``), if known."""
    if not language:
        return None
    match = _LANGUAGE_TAG.fullmatch(language.strip())
    if match:
        return match.group(1).lower()
    words = language.strip().lower().split()
    return _LANGUAGE_NAMES.get(words[0]) if words else None


class Fields:
    """Reads a body's values by dotted path (``ticket.customer.email``), and collects
    every problem on the way; :meth:`check` raises them all at once.

    A path's number parts index lists (``team.0.name``). Problems are keyed by
    the path in the helpdesk's body, so the answer names the helpdesk's fields.
    """

    def __init__(self, helpdesk: str, payload: Mapping[str, Any], now: datetime) -> None:
        self.helpdesk = helpdesk
        self.payload = payload
        self.now = now
        self.problems: dict[str, str] = {}

    def problem(self, path: str, message: str) -> None:
        """Note what is wrong at ``path`` (the first problem of a path is kept)."""
        self.problems.setdefault(path, message)

    def value(self, path: str, within: Any = MISSING) -> Any:
        """The value at ``path`` (of the body, or of ``within``); ``MISSING`` if absent."""
        node: Any = self.payload if within is MISSING else within
        for part in path.split("."):
            if isinstance(node, Mapping):
                node = node.get(part, MISSING)
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return MISSING
            if node is MISSING:
                return MISSING
        return node

    def text(
        self,
        path: str,
        *,
        required: bool = True,
        fallback: str | None = None,
        option: str | None = None,
        limit: int = MAX_TEXT,
        within: Any = MISSING,
        where: str | None = None,
    ) -> str | None:
        """The text at ``path``, stripped; missing, ``null`` or blank: ``fallback``.

        Without a fallback a required text is a problem; ``option`` names the
        option that would give one. Numbers are read as their digits (ids).
        ``where`` names the path in problems when ``within`` is a part of the body.
        """
        shown = where or path
        value = self.value(path, within)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if value is MISSING or value is None or (isinstance(value, str) and not value.strip()):
            if fallback is None and required:
                hint = f' (or set the "{option}" option for a default)' if option else ""
                self.problem(shown, f"required{hint}")
            return fallback
        if not isinstance(value, str):
            self.problem(shown, "must be a string")
            return fallback
        wrong = bad_text(value, limit)
        if wrong is not None:
            self.problem(shown, wrong)
            return fallback
        return value.strip()

    def address(self, path: str, *, within: Any = MISSING, where: str | None = None) -> str | None:
        """The customer's address at ``path`` (checked as an address by the invitation)."""
        return self.text(path, limit=MAX_ADDRESS, within=within, where=where)

    def or_option(
        self, path: str, value: str | None, fallback: str | None, option: str
    ) -> str | None:
        """``value``, else the option's ``fallback``; neither is a problem at ``path``."""
        if value is None and fallback is None:
            self.problem(path, f'required (or set the "{option}" option for a default)')
        return value if value is not None else fallback

    def person(self, path: str, first: str, last: str) -> str | None:
        """A person's name from the first and last names under ``path`` (``None``: neither)."""
        parts = [self.text(f"{path}.{part}", required=False) for part in (first, last)]
        name = " ".join(part for part in parts if part)
        return name[:MAX_TEXT] or None

    def moment(self, path: str) -> datetime:
        """The ISO 8601 date and time with offset at ``path``; missing or blank: now.

        Accepted between 1970 and now (plus ``CLOCK_SKEW``, five minutes), as UTC.
        """
        value = self.value(path)
        if value is MISSING or value is None or value == "":
            return self.now
        if not isinstance(value, str) or len(value) > 64:
            self.problem(path, "must be an ISO 8601 date and time, e.g. 2026-12-02T10:15:00Z")
            return self.now
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            self.problem(path, "must be an ISO 8601 date and time, e.g. 2026-12-02T10:15:00Z")
            return self.now
        if moment.tzinfo is None or moment.utcoffset() is None:
            self.problem(path, "needs a time zone offset, e.g. 2026-12-02T10:15:00Z")
            return self.now
        return self._within_range(path, moment)

    def epoch(self, path: str) -> datetime:
        """The Unix time (seconds) at ``path``; missing or ``null``: now."""
        value = self.value(path)
        if value is MISSING or value is None:
            return self.now
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            self.problem(path, "must be a Unix time in seconds")
            return self.now
        if not 0 <= value <= (self.now + CLOCK_SKEW).timestamp():
            self.problem(path, "must lie between 1970-01-01T00:00:00Z and now")
            return self.now
        return datetime.fromtimestamp(value, UTC)

    def _within_range(self, path: str, moment: datetime) -> datetime:
        latest = self.now + CLOCK_SKEW
        if not 1970 <= moment.year <= latest.year or not (
            datetime(1970, 1, 1, tzinfo=UTC) <= moment <= latest
        ):
            self.problem(path, "must lie between 1970-01-01T00:00:00Z and now")
            return self.now
        return moment.astimezone(UTC)

    def check(self) -> None:
        """Raise every problem noted so far as one :class:`~csat.errors.HookPayloadError`."""
        if self.problems:
            raise HookPayloadError(self.helpdesk, self.problems)


# -- adapters ------------------------------------------------------------------------


def _option_text(name: str, options: Mapping[str, Any], key: str) -> str | None:
    value = options.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or bad_text(value) is not None:
        raise ConfigurationError("CSAT_HOOK_OPTIONS", f"{name}.{key}: expected a plain text")
    return value.strip()


def option_texts(
    name: str, options: Mapping[str, Any], key: str, default: Iterable[str]
) -> tuple[str, ...]:
    """A list option of texts (compared in lower case), or ``default``."""
    value = options.get(key)
    if value is None:
        return tuple(default)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not value:
        raise ConfigurationError("CSAT_HOOK_OPTIONS", f"{name}.{key}: expected a list of texts")
    texts = []
    for item in value:
        if not isinstance(item, str) or not item.strip() or bad_text(item) is not None:
            raise ConfigurationError("CSAT_HOOK_OPTIONS", f"{name}.{key}: expected a list of texts")
        texts.append(item.strip().lower())
    return tuple(texts)


def option_names(name: str, options: Mapping[str, Any], key: str) -> Mapping[str, str]:
    """An option mapping ids (``"85"``) to names (a mailbox's, an inbox's)."""
    value = options.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigurationError("CSAT_HOOK_OPTIONS", f"{name}.{key}: expected an object of names")
    names: dict[str, str] = {}
    for ident, label in value.items():
        if not isinstance(label, str) or not label.strip() or bad_text(label) is not None:
            raise ConfigurationError(
                "CSAT_HOOK_OPTIONS",
                f"{name}.{key}: the name of {str(ident)[:40]!r} is not plain text",
            )
        names[str(ident)] = label.strip()
    return names


def _unread(fields: Fields, **values: str | None) -> HookPayloadError:
    """The error for required values that are missing though no problem was noted."""
    missing = {name: "required" for name, value in values.items() if value is None}
    return HookPayloadError(fields.helpdesk, missing)


class Adapter(ABC):
    """One helpdesk's webhook: its signature scheme and its body.

    :param options: this helpdesk's entry of :confval:`CSAT_HOOK_OPTIONS`; the
        common ones are ``survey``, ``locale`` (when the body names no language
        the survey has), ``team`` and ``agent`` (when the body names none), and
        ``max_age_seconds`` where the scheme has a timestamp.
    :raises ConfigurationError: an unknown or invalid option.
    """

    #: The ``<name>`` of ``/hooks/<name>``.
    name: ClassVar[str]
    #: The options this helpdesk takes besides the common ones (``survey``, ``locale`` …).
    extra_options: ClassVar[tuple[str, ...]] = ()
    #: The replay window of a scheme with a timestamp; ``None``: it has none.
    default_max_age: ClassVar[timedelta | None] = None
    #: The header with the signature of the body (:meth:`expected` computes it).
    signature_header: ClassVar[str] = ""
    #: A well-formed value of :attr:`signature_header` (:meth:`well_formed`).
    signature_format: ClassVar[re.Pattern[str]] = re.compile("(?!)")
    #: The header with the Unix time the signature covers; ``None``: it has none.
    timestamp_header: ClassVar[str | None] = None
    #: The reason a missing or malformed signature is refused, if not the header's name.
    malformed: ClassVar[str | None] = None
    #: Whether the scheme is the shared secret in ``X-CSAT-Token``, which signs nothing.
    uses_token: bool = False

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        given = dict(options or {})
        known = COMMON_OPTIONS + self.extra_options
        if self.default_max_age is not None:
            known += ("max_age_seconds",)
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise ConfigurationError(
                "CSAT_HOOK_OPTIONS",
                f"{self.name}: unknown option {unknown[0][:40]!r} (known: {', '.join(known)})",
            )
        self.survey = _option_text(self.name, given, "survey")
        self.locale = _option_text(self.name, given, "locale")
        self.team = _option_text(self.name, given, "team")
        self.agent = _option_text(self.name, given, "agent")
        self.max_age = self.default_max_age
        if "max_age_seconds" in given:
            seconds = given["max_age_seconds"]
            if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0:
                raise ConfigurationError(
                    "CSAT_HOOK_OPTIONS", f"{self.name}.max_age_seconds: expected a positive number"
                )
            self.max_age = timedelta(seconds=seconds)

    @classmethod
    def from_settings(cls, settings: Settings) -> Adapter:
        """The adapter with its options from ``settings``."""
        return cls(settings.hook_options.get(cls.name, {}))

    def check_headers(self, headers: Headers, secret: bytes, now: datetime) -> None:
        """Check what can be checked before the body is read: the signature headers
        are there and well formed, a timestamp is within the window (a shared-secret
        token is checked whole).

        :raises SignatureError: they are not.
        """
        if self.uses_token:
            check_token(self.name, headers, secret)
            return
        sent = None
        if self.timestamp_header is not None:
            sent = unix_time(self.name, headers.get(self.timestamp_header))
        if not self.well_formed(headers.get(self.signature_header)):
            reason = self.malformed or f"missing or malformed {self.signature_header} header"
            raise SignatureError(self.name, reason)
        if sent is not None:
            self.window(sent, now)

    def well_formed(self, signature: str) -> bool:
        """Whether ``signature`` has the scheme's form (:attr:`signature_format`)."""
        return self.signature_format.fullmatch(signature) is not None

    def verify(self, headers: Headers, body: bytes, secret: bytes, now: datetime) -> None:
        """Check the signature of ``body`` (before it is parsed), in constant time;
        :meth:`check_headers` first.

        :raises SignatureError: it is missing, stale or wrong.
        """
        self.check_headers(headers, secret, now)
        if self.uses_token:
            return  # the token signs nothing: no more to check
        given = headers.get(self.signature_header)
        # Every accepted value is compared (no short-circuit): constant time.
        matches = [same(value, given) for value in self.expected(headers, body, secret)]
        if not any(matches):
            raise SignatureError(self.name, "bad signature")

    def expected(self, headers: Headers, body: bytes, secret: bytes) -> tuple[str, ...]:
        """The values of :attr:`signature_header` that sign ``body`` (each one is
        accepted); a scheme that signs gives them, none is accepted otherwise."""
        return ()

    @abstractmethod
    def parse(self, payload: Mapping[str, Any], headers: Headers, now: datetime) -> HookDecision:
        """The decision for a verified body (a JSON object).

        :raises HookPayloadError: fields are missing or invalid, every one named.
        """

    def resolved(
        self,
        fields: Fields,
        ticket_id: str | None,
        email: str | None,
        agent: str | None,
        team: str | None,
        *,
        channel: str,
        resolved_at: datetime,
        category: str | None = None,
        locale: str | None = None,
    ) -> Resolved:
        """The :class:`Resolved` of values read with ``fields``, for this adapter's survey.

        :raises HookPayloadError: every problem ``fields`` noted; a required
            value is ``None`` only where one was noted.
        """
        fields.check()
        if ticket_id is not None and email is not None and agent is not None and team is not None:
            return Resolved(
                ticket_id=ticket_id,
                email=email,
                agent=agent,
                team=team,
                channel=channel,
                resolved_at=resolved_at,
                category=category,
                locale=locale,
                survey=self.survey,
            )
        raise _unread(fields, ticket_id=ticket_id, email=email, agent=agent, team=team)

    def reopened(self, fields: Fields, ticket_id: str | None) -> Reopened:
        """The :class:`Reopened` of a ticket id read with ``fields``, for this adapter's survey.

        :raises HookPayloadError: every problem ``fields`` noted.
        """
        fields.check()
        if ticket_id is not None:
            return Reopened(ticket_id, self.survey)
        raise _unread(fields, ticket_id=ticket_id)

    def window(self, sent: datetime, now: datetime) -> None:
        """Refuse a timestamp outside this helpdesk's replay window."""
        assert self.max_age is not None
        check_window(self.name, sent, now, self.max_age)
