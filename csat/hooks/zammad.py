"""Zammad: a trigger's webhook (Settings › Webhook, referenced by a Trigger).

Signature (zammad/zammad lib/user_agent.rb ``set_signature``, verified at
commit bfa96f03)::

    X-Hub-Signature: sha1=<hex HMAC-SHA1(token, body)>

with the webhook's "HMAC SHA1 Signature Token"; without a token Zammad sends
no header, and csat refuses the request. The scheme has no timestamp (the
job also sends ``X-Zammad-Trigger`` and ``X-Zammad-Delivery``, unsigned).

The default body (app/jobs/trigger_webhook_job.rb ``default_payload``) is
``{"ticket": {…}, "article": {…}}`` and names no event: the ticket's
``state`` (a name such as ``closed``) tells. A state of the option
``closed_states`` (default ``closed``) invites, one of ``reopened_states``
(default ``open``: where a customer's reply puts a closed ticket) cancels,
any other (``new``, ``pending close``, ``merged``) is ignored. Zammad strips
the users' preferences (record_payload/base.rb ``USER_ATTRIBUTE_BLACKLIST``),
so the body has no language: the option ``locale`` gives it. The ticket id
is the ``number`` agents see.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .base import (
    MISSING,
    Adapter,
    Fields,
    Headers,
    HookDecision,
    Ignored,
    channel_of,
    hmac_hex,
    option_texts,
)

SIGNATURE_HEADER = "X-Hub-Signature"
_SIGNATURE = re.compile("sha1=[0-9a-f]{40}")
#: Zammad's user 1 is the system user "-": an owner of id 1 means unassigned.
_NOBODY = 1


def sign(secret: bytes, body: bytes) -> str:
    """The ``X-Hub-Signature`` value Zammad sends with ``body``."""
    return "sha1=" + hmac_hex(secret, body, "sha1")


class Zammad(Adapter):
    """Zammad webhooks signed with their HMAC SHA1 signature token."""

    name = "zammad"
    extra_options = ("closed_states", "reopened_states")
    signature_header = SIGNATURE_HEADER
    signature_format = _SIGNATURE

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        given = options or {}
        self.closed_states = option_texts(self.name, given, "closed_states", ("closed",))
        self.reopened_states = option_texts(self.name, given, "reopened_states", ("open",))

    def expected(self, headers: Headers, body: bytes, secret: bytes) -> tuple[str, ...]:
        return (sign(secret, body),)

    def parse(self, payload: Mapping[str, Any], headers: Headers, now: datetime) -> HookDecision:
        fields = Fields(self.name, payload, now)
        state = (fields.text("ticket.state") or "").lower()
        fields.check()
        if state not in self.reopened_states + self.closed_states:
            return Ignored(f"ticket state {state[:40]!r} is neither closed nor reopened")
        number = fields.text("ticket.number")
        if state in self.reopened_states:
            return self.reopened(fields, number)
        email = fields.address("ticket.customer.email")
        agent = None
        if fields.value("ticket.owner.id") != _NOBODY:
            agent = fields.person("ticket.owner", "firstname", "lastname") or fields.text(
                "ticket.owner.email", required=False
            )
        agent = fields.or_option("ticket.owner", agent, self.agent, "agent")
        team = fields.text("ticket.group.name", fallback=self.team, option="team")
        # last_close_at is set on every close (app/models/ticket/sets_close_time.rb),
        # close_at on the first only; older versions have close_at alone.
        closed = "ticket.last_close_at"
        if fields.value(closed) in (None, "", MISSING):
            closed = "ticket.close_at"
        resolved_at = fields.moment(closed)
        article_type = fields.text("ticket.create_article_type", required=False)
        return self.resolved(
            fields,
            number,
            email,
            agent,
            team,
            channel=channel_of(article_type),
            resolved_at=resolved_at,
        )
