"""Zendesk: a trigger's webhook, with the body csat documents.

Signature (developer.zendesk.com/documentation/webhooks/verifying)::

    X-Zendesk-Webhook-Signature: base64(HMAC-SHA256(secret, timestamp + body))
    X-Zendesk-Webhook-Signature-Timestamp: 2026-12-02T10:15:00Z

The signing secret is used as it is shown (its text, not base64-decoded).
The current page says timestamp + body; an older copy of it
(documentation/event-connectors/webhooks/verifying) says body + timestamp,
and its test vector verifies only that way. Both are HMACs under the same
secret, so either is accepted: neither can be made without it. The timestamp
must lie within ``max_age_seconds`` (default 300).

The admin pastes csat's body (docs: ``hooks/zendesk``), with two triggers
(solved; reopened)::

    {"ticket": {"id": "{{ticket.id}}", "status": "{{ticket.status}}", "via": "{{ticket.via}}",
                "updated_at": "{{ticket.updated_at_with_timestamp}}",
                "group": "{{ticket.group.name}}", "assignee": "{{ticket.assignee.name}}",
                "requester": {"email": "{{ticket.requester.email}}",
                              "language": "{{ticket.requester.language}}"}}}

``status`` ``Solved`` or ``Closed`` invites, ``Open`` cancels (compared
case-insensitively); an optional ``"csat_event": "resolved"`` or ``"reopened"``
decides instead, whatever the status is called. ``updated_at`` may lack the
seconds (``2026-12-02T10:15Z``); ``language`` may be a name (``German``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

from ..errors import SignatureError
from .base import (
    Adapter,
    Fields,
    Headers,
    HookDecision,
    Ignored,
    base64_size,
    channel_of,
    hmac_base64,
    locale_of,
)

SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
RESOLVED = ("solved", "closed")
REOPENED = ("open",)
EVENTS = ("resolved", "reopened")


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The ``X-Zendesk-Webhook-Signature`` value for ``body`` sent at ``timestamp``."""
    return hmac_base64(secret, timestamp.encode("ascii") + body, "sha256")


class Zendesk(Adapter):
    """Zendesk triggers and automations, signed with the webhook's signing secret."""

    name = "zendesk"
    default_max_age: ClassVar[timedelta | None] = timedelta(seconds=300)
    signature_header = SIGNATURE_HEADER

    def check_headers(self, headers: Headers, secret: bytes, now: datetime) -> None:
        timestamp = headers.get(TIMESTAMP_HEADER)
        if (
            base64_size(headers.get(SIGNATURE_HEADER)) != 32  # a SHA-256 digest
            or not 0 < len(timestamp) <= 40
            or not timestamp.isascii()
        ):
            raise SignatureError(self.name, "missing or malformed signature headers")
        try:
            sent = datetime.fromisoformat(timestamp)
        except ValueError:
            sent = None
        if sent is None or sent.utcoffset() is None:
            raise SignatureError(self.name, "missing or malformed timestamp header")
        self.window(sent, now)

    def expected(self, headers: Headers, body: bytes, secret: bytes) -> tuple[str, ...]:
        timestamp = headers.get(TIMESTAMP_HEADER).encode("ascii")
        # The current documentation's order, then the older one's (module docstring).
        return (
            hmac_base64(secret, timestamp + body, "sha256"),
            hmac_base64(secret, body + timestamp, "sha256"),
        )

    def parse(self, payload: Mapping[str, Any], headers: Headers, now: datetime) -> HookDecision:
        fields = Fields(self.name, payload, now)
        event = fields.text("csat_event", required=False)
        if event is not None and event.lower() not in EVENTS:
            fields.problem("csat_event", f"must be one of {', '.join(EVENTS)}")
        status = fields.text("ticket.status", required=event is None)
        fields.check()
        if event is not None:
            resolved = event.lower() == "resolved"
        elif (status or "").lower() in RESOLVED:
            resolved = True
        elif (status or "").lower() in REOPENED:
            resolved = False
        else:
            return Ignored(f"ticket status {(status or '')[:40]!r} is neither solved nor open")
        ticket = fields.text("ticket.id")
        if not resolved:
            return self.reopened(fields, ticket)
        email = fields.address("ticket.requester.email")
        agent = fields.text("ticket.assignee", fallback=self.agent, option="agent")
        team = fields.text("ticket.group", fallback=self.team, option="team")
        via = fields.text("ticket.via", required=False)
        resolved_at = fields.moment("ticket.updated_at")
        language = fields.text("ticket.requester.language", required=False)
        return self.resolved(
            fields,
            ticket,
            email,
            agent,
            team,
            channel=channel_of(via),
            resolved_at=resolved_at,
            locale=locale_of(language),
        )
