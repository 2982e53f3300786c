"""Help Scout: the Webhooks app (Manage › Apps › Webhooks), and what FreeScout shares.

Signature (developer.helpscout.com/webhooks: "generated using the given
secret key, along with the json encoded payload data"; its PHP example
``base64_encode(hash_hmac('sha1', $data, KEY, true))``)::

    X-HelpScout-Signature: base64(HMAC-SHA1(secret, body))

with the secret key the admin chose (at most 40 characters). The scheme has
no timestamp. The event is the header ``X-HelpScout-Event``; the body is the
conversation (the Mailbox API 2.0 object: ``id``, ``number``, ``status``,
``assignee`` with ``first``/``last``, ``primaryCustomer``, ``mailboxId``,
``closedAt``). ``convo.status`` with status ``closed`` invites;
``convo.status`` or ``convo.customer.reply.created`` with ``active`` or
``pending`` cancels (a customer's reply reopens a closed conversation);
anything else is ignored. The body names the mailbox by id only: the option
``mailboxes`` (``{"85": "Support"}``) names it, else the option ``team``,
else ``mailbox <id>``. The ticket id is the conversation's ``number``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from .base import (
    Adapter,
    Fields,
    Headers,
    HookDecision,
    Ignored,
    base64_size,
    channel_of,
    hmac_base64,
    option_names,
)


def sign(secret: bytes, body: bytes) -> str:
    """The ``X-HelpScout-Signature`` (and ``X-FreeScout-Signature``) value of ``body``."""
    return hmac_base64(secret, body, "sha1")


class ConversationAdapter(Adapter):
    """A helpdesk that sends its conversation object, signed with base64 HMAC-SHA1."""

    extra_options = ("mailboxes",)
    event_header: ClassVar[str]
    #: The events whose ``closed`` status invites.
    resolving: ClassVar[tuple[str, ...]]
    #: The events whose ``active`` or ``pending`` status cancels.
    reopening: ClassVar[tuple[str, ...]]
    #: The keys of a person's first and last name.
    first_name: ClassVar[str]
    last_name: ClassVar[str]
    #: Where the customer's address is, the first present wins.
    customer_paths: ClassVar[tuple[str, ...]]

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self.mailboxes = option_names(self.name, options or {}, "mailboxes")

    def well_formed(self, signature: str) -> bool:
        return base64_size(signature) == 20  # a SHA-1 digest

    def expected(self, headers: Headers, body: bytes, secret: bytes) -> tuple[str, ...]:
        return (sign(secret, body),)

    def parse(self, payload: Mapping[str, Any], headers: Headers, now: datetime) -> HookDecision:
        event = headers.get(self.event_header).strip().lower()
        fields = Fields(self.name, payload, now)
        status = (fields.text("status") or "").lower()
        fields.check()
        reopened = event in self.reopening and status in ("active", "pending")
        if not reopened and (event not in self.resolving or status != "closed"):
            shown = event[:40] or f"no {self.event_header}"
            return Ignored(f"event {shown!r} with status {status[:40]!r} closes nothing")
        number = fields.text("number")
        if reopened:
            return self.reopened(fields, number)
        present = [path for path in self.customer_paths if fields.value(path) not in (None, "")]
        email = fields.address(present[0] if present else self.customer_paths[0])
        agent = fields.person("assignee", self.first_name, self.last_name)
        if agent is None:
            agent = fields.person("closedByUser", self.first_name, self.last_name)
        agent = fields.or_option("assignee", agent, self.agent, "agent")
        mailbox = fields.text("mailboxId", required=False)
        team = self.mailboxes.get(mailbox or "") or self.team or (mailbox and f"mailbox {mailbox}")
        team = fields.or_option("mailboxId", team, None, "team")
        kind = fields.text("type", required=False)
        resolved_at = fields.moment("closedAt")
        return self.resolved(
            fields, number, email, agent, team, channel=channel_of(kind), resolved_at=resolved_at
        )


class HelpScout(ConversationAdapter):
    """Help Scout's webhooks, signed with the secret key the admin chose."""

    name = "helpscout"
    signature_header = "X-HelpScout-Signature"
    event_header = "X-HelpScout-Event"
    resolving = ("convo.status",)
    reopening = ("convo.status", "convo.customer.reply.created")
    first_name, last_name = "first", "last"
    # primaryCustomer in Mailbox API 2.0; customer in the older webhook object.
    customer_paths = ("primaryCustomer.email", "customer.email")
