"""Redmine 7: a user's webhook (My account › Webhooks), on issues.

Signature (redmine/redmine app/models/webhook.rb ``compute_signature``,
verified at commit 890812e4, GitHub's scheme)::

    X-Redmine-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>

No timestamp. Webhooks exist from Redmine 7.0.0. The body
(lib/redmine/acts/webhookable.rb ``webhook_payload``) is ``{"type":
"issue.updated", "timestamp": …, "data": {"issue": <the REST API's issue>,
"journal": {…}}}``: an update whose journal changes ``status_id`` invites
when the new status ``is_closed`` and cancels when it is not; any other
event or change is ignored.

An issue names no customer address (its author is a Redmine user, named but
without an address), so the option ``email_field`` names the issue's custom
field that holds it (its name or id); without it, or with the field empty,
the answer is 422 saying so. ``locale_field`` names one holding the
customer's language, if any. The team is the project's name, the category
the tracker's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..errors import ConfigurationError
from .base import (
    MAX_ADDRESS,
    Adapter,
    Fields,
    Headers,
    HookDecision,
    Ignored,
    bad_text,
    hmac_hex,
    locale_of,
)

SIGNATURE_HEADER = "X-Redmine-Signature-256"
_SIGNATURE = re.compile("sha256=[0-9a-f]{64}")


def sign(secret: bytes, body: bytes) -> str:
    """The ``X-Redmine-Signature-256`` value Redmine sends with ``body``."""
    return "sha256=" + hmac_hex(secret, body, "sha256")


def _field_option(options: Mapping[str, Any], key: str) -> str | None:
    value = options.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or bad_text(value) is not None:
        raise ConfigurationError(
            "CSAT_HOOK_OPTIONS", f"redmine.{key}: expected a custom field's name or id"
        )
    return value.strip()


class Redmine(Adapter):
    """Redmine's signed webhooks on issues."""

    name = "redmine"
    extra_options = ("email_field", "locale_field")
    signature_header = SIGNATURE_HEADER
    signature_format = _SIGNATURE

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self.email_field = _field_option(options or {}, "email_field")
        self.locale_field = _field_option(options or {}, "locale_field")

    def expected(self, headers: Headers, body: bytes, secret: bytes) -> tuple[str, ...]:
        return (sign(secret, body),)

    def parse(self, payload: Mapping[str, Any], headers: Headers, now: datetime) -> HookDecision:
        fields = Fields(self.name, payload, now)
        event = fields.text("type") or ""
        fields.check()
        if event != "issue.updated":
            return Ignored(f"event {event[:40]!r} is no issue update")
        closed = fields.value("data.issue.status.is_closed")
        if not isinstance(closed, bool):
            fields.problem("data.issue.status.is_closed", "required: true or false")
        fields.check()
        if not self._status_changed(fields.value("data.journal.details")):
            return Ignored("the issue's status did not change")
        issue = fields.text("data.issue.id")
        if not closed:
            return self.reopened(fields, issue)
        email = self._custom(fields, self.email_field, "email_field")
        agent = fields.text("data.issue.assigned_to.name", required=False) or fields.text(
            "data.journal.user.name", required=False
        )
        agent = fields.or_option("data.issue.assigned_to.name", agent, self.agent, "agent")
        team = fields.text("data.issue.project.name", fallback=self.team, option="team")
        tracker = fields.text("data.issue.tracker.name", required=False)
        resolved_at = fields.moment("data.issue.closed_on")
        language = None
        if self.locale_field is not None:
            language = self._custom(fields, self.locale_field, "locale_field", required=False)
        return self.resolved(
            fields,
            issue,
            email,
            agent,
            team,
            channel="ticket",
            resolved_at=resolved_at,
            category=tracker,
            locale=locale_of(language),
        )

    @staticmethod
    def _status_changed(details: Any) -> bool:
        """Whether the journal's details change the status (not just any field)."""
        return isinstance(details, list) and any(
            isinstance(d, Mapping)
            and d.get("property") == "attr"
            and d.get("prop_key") == "status_id"
            for d in details
        )

    @staticmethod
    def _custom(
        fields: Fields, wanted: str | None, option: str, *, required: bool = True
    ) -> str | None:
        """The value of the issue's custom field named (or numbered) ``wanted``."""
        where = "data.issue.custom_fields"
        if wanted is None:
            fields.problem(
                where,
                "Redmine sends no customer address: name the custom field that holds it "
                f'in the "{option}" option',
            )
            return None
        custom = fields.value(where)
        for index, entry in enumerate(custom if isinstance(custom, list) else ()):
            if isinstance(entry, Mapping) and wanted in (entry.get("name"), str(entry.get("id"))):
                return fields.text(
                    "value",
                    within=entry,
                    where=f"{where}.{index}.value",
                    required=required,
                    limit=MAX_ADDRESS,
                )
        if required:
            fields.problem(where, f"has no custom field {wanted!r}")
        return None
