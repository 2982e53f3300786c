"""Chatwoot: an account webhook (Settings › Integrations › Webhooks).

Signature (chatwoot/chatwoot lib/webhooks/trigger.rb ``request_headers``, as
in current upstream copies, and Chatwoot's webhook API schema: "the HMAC-SHA256
of ``{timestamp}.{raw_request_body}``")::

    X-Chatwoot-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
    X-Chatwoot-Timestamp: <Unix seconds>

Versions before webhook secrets send neither header; csat refuses them. The
timestamp is taken per attempt, so the window is ``max_age_seconds``
(default 300).

The event ``conversation_status_changed`` (app/listeners/webhook_listener.rb)
carries the conversation (``Conversations::EventDataPresenter#push_data``):
``status`` ``resolved`` invites, ``open`` coming from ``resolved``
(``changed_attributes``) cancels; anything else is ignored. ``id`` is the
conversation's display id; the team is ``meta.team.name``, else the inbox's
name from the option ``inboxes`` (``{"3": "Website"}``), else the option
``team``, else ``inbox <id>``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

from .base import (
    Adapter,
    Fields,
    Headers,
    HookDecision,
    Ignored,
    channel_of,
    hmac_hex,
    locale_of,
    option_names,
)

SIGNATURE_HEADER = "X-Chatwoot-Signature"
TIMESTAMP_HEADER = "X-Chatwoot-Timestamp"
EVENT = "conversation_status_changed"
_SIGNATURE = re.compile("sha256=[0-9a-f]{64}")


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The ``X-Chatwoot-Signature`` value for ``body`` sent at ``timestamp``."""
    return "sha256=" + hmac_hex(secret, timestamp.encode("ascii") + b"." + body, "sha256")


class Chatwoot(Adapter):
    """Chatwoot account webhooks signed with the webhook's secret."""

    name = "chatwoot"
    extra_options = ("inboxes",)
    default_max_age: ClassVar[timedelta | None] = timedelta(seconds=300)
    signature_header = SIGNATURE_HEADER
    signature_format = _SIGNATURE
    timestamp_header = TIMESTAMP_HEADER

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self.inboxes = option_names(self.name, options or {}, "inboxes")

    def expected(self, headers: Headers, body: bytes, secret: bytes) -> tuple[str, ...]:
        return (sign(secret, headers.get(TIMESTAMP_HEADER), body),)

    def parse(self, payload: Mapping[str, Any], headers: Headers, now: datetime) -> HookDecision:
        fields = Fields(self.name, payload, now)
        event = fields.text("event") or ""
        fields.check()
        if event != EVENT:
            return Ignored(f"event {event[:40]!r} is no status change")
        status = (fields.text("status") or "").lower()
        fields.check()
        if status not in ("open", "resolved"):
            return Ignored(f"status {status[:40]!r} is neither resolved nor open")
        if status == "open" and self._previous_status(payload) not in (None, "resolved"):
            return Ignored("the conversation was not resolved before")
        conversation = fields.text("id")
        if status == "open":
            return self.reopened(fields, conversation)
        email = fields.address("meta.sender.email")
        agent = fields.text("meta.assignee.name", fallback=self.agent, option="agent")
        inbox = fields.text("inbox_id", required=False)
        team = fields.text("meta.team.name", required=False)
        if team is None:
            team = self.inboxes.get(inbox or "") or self.team or (inbox and f"inbox {inbox}")
            team = fields.or_option("meta.team.name", team, None, "team")
        kind = fields.text("channel", required=False) or ""
        resolved_at = fields.epoch("timestamp")
        language = fields.text("additional_attributes.browser_language", required=False)
        return self.resolved(
            fields,
            conversation,
            email,
            agent,
            team,
            channel="ticket" if kind == "Channel::Email" else channel_of(kind, default="chat"),
            resolved_at=resolved_at,
            locale=locale_of(language),
        )

    @staticmethod
    def _previous_status(payload: Mapping[str, Any]) -> str | None:
        """The status before this change (``changed_attributes``), if the body says."""
        changes = payload.get("changed_attributes")
        for change in changes if isinstance(changes, list) else ():
            status = change.get("status") if isinstance(change, Mapping) else None
            if isinstance(status, Mapping) and isinstance(status.get("previous_value"), str):
                return str(status["previous_value"]).lower()
        return None
