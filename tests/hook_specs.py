"""The helpdesks as the hook tests see them: each signs as its vendor documents.

The signatures are computed here from the vendors' descriptions, with
``hmac`` directly, not with csat's own code: a test then shows csat accepts
what the helpdesk sends. The bodies are tests/fixtures/hooks/<name>_<kind>.json
(shaped as each helpdesk's documentation and code show; see each adapter's
docstring), with their dates moved next to the tests' clock.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures" / "hooks"
KINDS = ("closed", "reopened", "other")

Signer = Callable[[bytes, bytes, datetime], dict[str, str]]


def _hex(secret: bytes, message: bytes, digest: str) -> str:
    return hmac.new(secret, message, digest).hexdigest()


def _b64(secret: bytes, message: bytes, digest: str) -> str:
    return base64.b64encode(hmac.new(secret, message, digest).digest()).decode()


def zammad(secret: bytes, body: bytes, now: datetime) -> dict[str, str]:
    # lib/user_agent.rb: OpenSSL::HMAC.hexdigest('sha1', token, body) as "sha1=…"
    return {
        "X-Hub-Signature": "sha1=" + _hex(secret, body, "sha1"),
        "X-Zammad-Trigger": "csat: closed",
        "X-Zammad-Delivery": "9f3c6e0e-4b8a-4c55-9f0e-6a2d1f6a7b10",
    }


def glpi(secret: bytes, body: bytes, now: datetime) -> dict[str, str]:
    # src/Webhook.php: hash_hmac('sha256', $body . $timestamp, $secret)
    ts = str(int(now.timestamp()))
    return {"X-GLPI-signature": _hex(secret, body + ts.encode(), "sha256"), "X-GLPI-timestamp": ts}


def zendesk(secret: bytes, body: bytes, now: datetime) -> dict[str, str]:
    # developer.zendesk.com: base64(HMACSHA256(TIMESTAMP + BODY))
    ts = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "X-Zendesk-Webhook-Signature": _b64(secret, ts.encode() + body, "sha256"),
        "X-Zendesk-Webhook-Signature-Timestamp": ts,
    }


def chatwoot(secret: bytes, body: bytes, now: datetime) -> dict[str, str]:
    # lib/webhooks/trigger.rb: "sha256=" + hexdigest('SHA256', secret, "#{ts}.#{body}")
    ts = str(int(now.timestamp()))
    return {
        "X-Chatwoot-Signature": "sha256=" + _hex(secret, ts.encode() + b"." + body, "sha256"),
        "X-Chatwoot-Timestamp": ts,
        "X-Chatwoot-Delivery": "5d2b3c9e-0d6f-4f0f-8a1e-2a7c3b4d5e6f",
    }


def helpscout(secret: bytes, body: bytes, now: datetime) -> dict[str, str]:
    # developer.helpscout.com: base64_encode(hash_hmac('sha1', $data, KEY, true))
    return {"X-HelpScout-Signature": _b64(secret, body, "sha1")}


def freescout(secret: bytes, body: bytes, now: datetime) -> dict[str, str]:
    # Modules/ApiWebhooks/Entities/Webhook.php: base64_encode(hash_hmac('sha1', …, true))
    return {"X-FreeScout-Signature": _b64(secret, body, "sha1")}


def redmine(secret: bytes, body: bytes, now: datetime) -> dict[str, str]:
    # app/models/webhook.rb: 'sha256=' + OpenSSL::HMAC.hexdigest(sha256, secret, payload)
    return {"X-Redmine-Signature-256": "sha256=" + _hex(secret, body, "sha256")}


def token(secret: bytes, body: bytes, now: datetime) -> dict[str, str]:
    # Jira's "Send web request" (and the generic token scheme): a header the admin sets
    return {"X-CSAT-Token": secret.decode()}


def csat_hmac(secret: bytes, body: bytes, now: datetime) -> dict[str, str]:
    ts = str(int(now.timestamp()))
    return {
        "X-CSAT-Timestamp": ts,
        "X-CSAT-Signature": "sha256=" + _hex(secret, ts.encode() + b"." + body, "sha256"),
    }


GENERIC_MAPPING = {
    "ticket_id": "ticket.id",
    "email": "ticket.requester.email",
    "agent": "ticket.assignee",
    "team": "ticket.queue",
    "channel": "ticket.source",
    "resolved_at": "ticket.closed_at",
    "locale": "ticket.requester.lang",
    "status": "ticket.status",
}


@dataclass(frozen=True)
class Spec:
    """One helpdesk: how it signs, what its fixtures hold, what csat makes of them."""

    name: str
    sign: Signer
    #: The ticket id csat keeps for the fixtures' ticket.
    ticket: str
    customer: str
    #: The replay window where the scheme has a timestamp (seconds), else ``None``.
    window: float | None = None
    #: Headers a kind of fixture is sent with (the event of Help Scout, FreeScout).
    events: dict[str, dict[str, str]] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    #: The body's paths whose removal csat must name (a 422 listing them all).
    required: tuple[str, ...] = ()
    secret: str = "a-long-random-hook-secret-0123"

    def __str__(self) -> str:
        return self.name

    def body(self, kind: str) -> bytes:
        """The fixture's exact bytes."""
        return (FIXTURES / f"{self.name}_{kind}.json").read_bytes()

    def headers(self, body: bytes, now: datetime, kind: str = "closed") -> dict[str, str]:
        """The headers the helpdesk sends ``body`` with at ``now``."""
        return self.sign(self.secret.encode(), body, now) | self.events.get(kind, {})


def _events(header: str, closed: str, reopened: str, other: str) -> dict[str, dict[str, str]]:
    return {"closed": {header: closed}, "reopened": {header: reopened}, "other": {header: other}}


SPECS = (
    Spec(
        "zammad", zammad, "10081", "emily@example.com", options={"locale": "de"},
        required=("ticket.customer.email", "ticket.group.name"),
    ),
    Spec(
        "glpi", glpi, "1423", "marie.dupont@example.com", window=3600,
        required=("item.team", "item.id"),
    ),
    Spec(
        "zendesk", zendesk, "35436", "lucas.moreau@example.fr", window=300,
        required=("ticket.requester.email", "ticket.group"),
    ),
    Spec(
        "chatwoot", chatwoot, "87", "anna.schmidt@example.org", window=300,
        required=("meta.sender.email", "meta.assignee.name"),
    ),
    Spec(
        "helpscout", helpscout, "349", "ben.okafor@example.com",
        events=_events("X-HelpScout-Event", "convo.status", "convo.customer.reply.created",
                       "convo.created"),
        options={"mailboxes": {"85": "Billing"}},
        required=("primaryCustomer.email", "mailboxId"),
    ),
    Spec(
        "freescout", freescout, "1412", "tom.berger@example.net",
        events=_events("X-FreeScout-Event", "convo.status", "convo.customer.reply.created",
                       "convo.created"),
        required=("customer.email", "mailboxId"),
        secret="5f4dcc3b5aa765d61d8327deb882cf99",  # md5(APP_KEY . "webhook_key"): 32 hex digits
    ),
    Spec(
        "redmine", redmine, "4711", "piet.devries@example.nl",
        options={"email_field": "Customer email", "locale_field": "Language"},
        required=("data.issue.custom_fields", "data.issue.project.name"),
    ),
    Spec(
        "jira", token, "SUP-1287", "amelie.fischer@example.de",
        required=("issue.reporter.email", "issue.project"),
    ),
    Spec(
        "generic", csat_hmac, "OT-77", "noor.haddad@example.com", window=300,
        options={"scheme": "hmac-sha256"}, config={"CSAT_HOOK_MAPPING": GENERIC_MAPPING},
        required=("ticket.requester.email", "ticket.queue"),
    ),
)  # fmt: skip
BY_NAME = {spec.name: spec for spec in SPECS}


def app_config(*specs: Spec) -> dict[str, Any]:
    """The Flask config that turns on ``specs``' webhooks."""
    config: dict[str, Any] = {
        "CSAT_HOOK_SECRETS": {spec.name: spec.secret for spec in specs},
        "CSAT_HOOK_OPTIONS": {spec.name: spec.options for spec in specs if spec.options},
    }
    for spec in specs:
        config.update(spec.config)
    return config


def drop(data: Any, path: str) -> None:
    """Remove ``path`` (dotted) from ``data``."""
    *parents, last = path.split(".")
    for part in parents:
        data = data[int(part)] if isinstance(data, list) else data[part]
    if isinstance(data, list):
        del data[int(last)]
    else:
        del data[last]
