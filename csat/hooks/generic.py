"""Any other helpdesk: fields by dotted path (``CSAT_HOOK_MAPPING``), one of two schemes.

The option ``scheme`` chooses how the request is authenticated:

``token`` (the default)
    ``X-CSAT-Token: <secret>``, for tools that can set a header but not sign.
``hmac-sha256``
    csat's own signature, as on ``/hooks/resolved``: ``X-CSAT-Timestamp`` (Unix
    seconds) and ``X-CSAT-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." +
    body>``, refused outside ``max_age_seconds`` (default 300).

``CSAT_HOOK_MAPPING`` maps csat's fields to paths in the body: ``ticket_id`` and
``email`` are required; ``agent``, ``team``, ``channel``, ``resolved_at``,
``category``, ``locale`` and ``status`` are optional. With ``status`` mapped, its
value decides (case-insensitively): one of the option ``resolved`` (default
``resolved``, ``solved``, ``closed``) invites, one of ``reopened`` (default
``open``, ``reopened``) cancels, any other is ignored. Without it, every request
is a resolved ticket.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

from ..config import Settings
from ..errors import ConfigurationError
from .base import (
    Adapter,
    Fields,
    Headers,
    HookDecision,
    Ignored,
    channel_of,
    locale_of,
    option_texts,
)

TIMESTAMP_HEADER = "X-CSAT-Timestamp"
SIGNATURE_HEADER = "X-CSAT-Signature"
SCHEMES = ("token", "hmac-sha256")
#: csat's fields a mapping may name; the first two are required.
FIELDS = (
    "ticket_id", "email", "agent", "team", "channel", "resolved_at", "category", "locale",
    "status",
)  # fmt: skip
_SIGNATURE = re.compile("sha256=[0-9a-f]{64}")


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """csat's ``X-CSAT-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def check_mapping(mapping: Mapping[str, str]) -> Mapping[str, str]:
    """The mapping if it names only csat's fields and both required ones."""
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        raise ConfigurationError(
            "CSAT_HOOK_MAPPING", f"unknown field {unknown[0]!r} (known: {', '.join(FIELDS)})"
        )
    missing = [name for name in FIELDS[:2] if name not in mapping]
    if missing:
        raise ConfigurationError(
            "CSAT_HOOK_MAPPING", f"the generic webhook needs the path of {' and '.join(missing)}"
        )
    return mapping


class Generic(Adapter):
    """A helpdesk csat has no adapter for, mapped field by field."""

    name = "generic"
    extra_options = ("scheme", "resolved", "reopened")
    default_max_age: ClassVar[timedelta | None] = timedelta(seconds=300)
    # The hmac-sha256 scheme's; the token scheme reads X-CSAT-Token only.
    signature_header = SIGNATURE_HEADER
    signature_format = _SIGNATURE
    timestamp_header = TIMESTAMP_HEADER
    malformed = "missing or malformed signature headers"

    def __init__(
        self, options: Mapping[str, Any] | None = None, mapping: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(options)
        given = options or {}
        self.scheme = given.get("scheme", "token")
        if self.scheme not in SCHEMES:
            raise ConfigurationError(
                "CSAT_HOOK_OPTIONS", f"generic.scheme: expected one of {', '.join(SCHEMES)}"
            )
        self.uses_token = self.scheme == "token"
        self.resolved_states = option_texts(
            self.name, given, "resolved", ("resolved", "solved", "closed")
        )
        self.reopened_states = option_texts(self.name, given, "reopened", ("open", "reopened"))
        self.mapping = check_mapping(mapping or {})

    @classmethod
    def from_settings(cls, settings: Settings) -> Generic:
        """The adapter with its options and ``CSAT_HOOK_MAPPING`` from ``settings``."""
        return cls(settings.hook_options.get(cls.name, {}), settings.hook_mapping)

    def expected(self, headers: Headers, body: bytes, secret: bytes) -> tuple[str, ...]:
        return (sign(secret, headers.get(TIMESTAMP_HEADER), body),)

    def parse(self, payload: Mapping[str, Any], headers: Headers, now: datetime) -> HookDecision:
        fields = Fields(self.name, payload, now)
        path = self.mapping.get
        status_path = path("status")
        status = None
        if status_path is not None:
            status = (fields.text(status_path) or "").lower()
            fields.check()
            if status not in self.reopened_states + self.resolved_states:
                return Ignored(f"status {status[:40]!r} is neither resolved nor reopened")
        ticket = fields.text(self.mapping["ticket_id"])
        if status in self.reopened_states:
            return self.reopened(fields, ticket)
        email = fields.address(self.mapping["email"])
        agent = self._optional(fields, "agent", self.agent)
        team = self._optional(fields, "team", self.team)
        channel = self._value(fields, "channel")
        resolved_path = path("resolved_at")
        resolved_at = now if resolved_path is None else fields.moment(resolved_path)
        category = self._value(fields, "category")
        locale = self._value(fields, "locale")
        return self.resolved(
            fields,
            ticket,
            email,
            agent,
            team,
            channel=channel_of(channel),
            resolved_at=resolved_at,
            category=category,
            locale=locale_of(locale),
        )

    def _optional(self, fields: Fields, name: str, fallback: str | None) -> str | None:
        """A mapped field with the option of the same name as its default."""
        mapped = self.mapping.get(name)
        if mapped is None:
            if fallback is None:
                fields.problem(name, f'map it in CSAT_HOOK_MAPPING or set the "{name}" option')
            return fallback
        return fields.text(mapped, fallback=fallback, option=name)

    def _value(self, fields: Fields, name: str) -> str | None:
        mapped = self.mapping.get(name)
        return None if mapped is None else fields.text(mapped, required=False)
