"""GLPI 11: an outgoing webhook (Setup › Notifications › Webhooks) on tickets.

Signature (glpi-project/glpi src/Webhook.php ``raise`` and ``getSignature``,
verified at commit 0042059c)::

    X-GLPI-signature: <hex HMAC-SHA256(secret, body + timestamp)>
    X-GLPI-timestamp: <Unix seconds>

the body's bytes followed by the timestamp's digits, no separator, no
prefix. GLPI takes the timestamp when the event is raised and stores the
headers with the queued webhook: its cron sends it later, and a retry sends
the same headers again. So the window is generous: ``max_age_seconds``,
default 3600. GLPI sets no ``Content-Type``; none is required.

GLPI raises webhooks only for ``new``, ``update`` and ``delete``
(src/CommonDBTM.php calls ``Webhook::raise``; the ``solved``/``closed``
events go to notifications only), so the body ``{"item": <the ticket as in
the high-level API>, "event": "update"}`` is decided by ``item.status.id``:
5 (solved) or 6 (closed) invites, 1 to 4 (new, assigned, planned, waiting) on
an update cancels; a new or deleted ticket is ignored. The status name is
translated: never compared.

The ticket names no address: the requester (``item.team``, role
``requester``) has their GLPI login as ``name``, which csat takes when it is
an address (accounts made by LDAP or the mail collector) and otherwise
answers 422. The agent and group are the assigned user and group; without a
group, the option ``team``, else the ticket's entity.
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
)

SIGNATURE_HEADER = "X-GLPI-signature"
TIMESTAMP_HEADER = "X-GLPI-timestamp"
#: CommonITILObject's statuses: INCOMING 1, ASSIGNED 2, PLANNED 3, WAITING 4, SOLVED 5, CLOSED 6.
RESOLVED = (5, 6)
REOPENED = (1, 2, 3, 4)
_SIGNATURE = re.compile("[0-9a-f]{64}")


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The ``X-GLPI-signature`` value for ``body`` raised at ``timestamp``."""
    return hmac_hex(secret, body + timestamp.encode("ascii"), "sha256")


class Glpi(Adapter):
    """GLPI 11's signed webhooks on tickets."""

    name = "glpi"
    default_max_age: ClassVar[timedelta | None] = timedelta(hours=1)
    signature_header = SIGNATURE_HEADER
    signature_format = _SIGNATURE
    timestamp_header = TIMESTAMP_HEADER

    def expected(self, headers: Headers, body: bytes, secret: bytes) -> tuple[str, ...]:
        return (sign(secret, headers.get(TIMESTAMP_HEADER), body),)

    def parse(self, payload: Mapping[str, Any], headers: Headers, now: datetime) -> HookDecision:
        fields = Fields(self.name, payload, now)
        event = (fields.text("event") or "").lower()
        status = fields.value("item.status.id")
        if isinstance(status, bool) or not isinstance(status, int):
            fields.problem("item.status.id", "required: a GLPI status number")
        fields.check()
        if event != "update" and not (event in ("solved", "closed") and status in RESOLVED):
            return Ignored(f"event {event[:40]!r} is no ticket update")
        if status not in REOPENED + RESOLVED:
            return Ignored(f"ticket status {status} is neither solved nor closed")
        ticket = fields.text("item.id")
        if status in REOPENED:
            return self.reopened(fields, ticket)
        team = fields.value("item.team")
        members = team if isinstance(team, list) else []
        requester = self._member(members, "requester", "User")
        email = None
        if requester is None:
            fields.problem("item.team", "has no requester")
        else:
            email = fields.text("name", within=requester, where="item.team.requester.name")
            if email is not None and "@" not in email:
                fields.problem(
                    "item.team.requester.name",
                    "GLPI sends the requester's login, and this one is no address",
                )
        agent_entry = self._member(members, "assigned", "User")
        agent = None
        if agent_entry is not None:
            agent = fields.text(
                "display_name",
                within=agent_entry,
                where="item.team.assigned.display_name",
                required=False,
            ) or fields.text(
                "name", within=agent_entry, where="item.team.assigned.name", required=False
            )
        agent = fields.or_option("item.team.assigned", agent, self.agent, "agent")
        group = self._member(members, "assigned", "Group")
        group_name = None
        if group is not None:
            group_name = fields.text("name", within=group, where="item.team.group.name")
        team_name = (
            group_name or self.team or fields.text("item.entity.completename", option="team")
        )
        category = fields.text("item.category.name", required=False)
        request_type = fields.text("item.request_type.name", required=False)
        resolved_at = fields.moment("item.date_mod")
        return self.resolved(
            fields,
            ticket,
            email,
            agent,
            team_name,
            channel=channel_of(request_type),
            resolved_at=resolved_at,
            category=category,
        )

    @staticmethod
    def _member(members: list[Any], role: str, kind: str) -> Mapping[str, Any] | None:
        """The first team member of ``role`` and ``kind`` (``User``, ``Group``)."""
        for member in members:
            if (
                isinstance(member, Mapping)
                and member.get("role") == role
                and member.get("type") == kind
            ):
                return member
        return None
