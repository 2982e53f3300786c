"""Jira Service Management: an automation rule's "Send web request" action.

The action cannot sign (it sends the URL, headers and body the admin sets:
support.atlassian.com/cloud-automation, "Send web request"), so the admin adds
the header ``X-CSAT-Token: <secret>``, compared in constant time; the request
has no timestamp (HTTPS keeps it from being captured). Jira's admin webhooks
(System › WebHooks), which can sign with ``X-Hub-Signature: sha256=…``, send
another body and are not what this adapter reads.

The admin pastes csat's body (docs: ``hooks/jira``) as the action's custom
data::

    {"issue": {"key": "{{issue.key}}", "status": "{{issue.status.name}}",
               "statusCategory": "{{issue.status.statusCategory.key}}",
               "resolutiondate": "{{issue.resolutiondate}}",
               "project": "{{issue.project.name}}",
               "issueType": "{{issue.issueType.name}}",
               "assignee": "{{issue.assignee.displayName}}",
               "reporter": {"email": "{{issue.reporter.emailAddress}}"}},
     "csat_event": "resolved"}

``csat_event`` (``resolved`` or ``reopened``, written by each of the two
rules) decides; without it, a status in the ``done`` category is resolved and
any other is ignored. ``issueType`` becomes the category (optional).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .base import (
    Adapter,
    Fields,
    Headers,
    HookDecision,
    Ignored,
)

EVENTS = ("resolved", "reopened")


class Jira(Adapter):
    """Jira (Service Management) automation, authenticated by ``X-CSAT-Token``."""

    name = "jira"
    uses_token = True

    def parse(self, payload: Mapping[str, Any], headers: Headers, now: datetime) -> HookDecision:
        fields = Fields(self.name, payload, now)
        event = fields.text("csat_event", required=False)
        if event is not None and event.lower() not in EVENTS:
            fields.problem("csat_event", f"must be one of {', '.join(EVENTS)}")
        category = fields.text("issue.statusCategory", required=event is None)
        fields.check()
        if event is None and (category or "").lower() != "done":
            return Ignored(f"status category {(category or '')[:40]!r} is not done")
        key = fields.text("issue.key")
        if event is not None and event.lower() == "reopened":
            return self.reopened(fields, key)
        email = fields.address("issue.reporter.email")
        agent = fields.text("issue.assignee", fallback=self.agent, option="agent")
        team = fields.text("issue.project", fallback=self.team, option="team")
        resolved_at = fields.moment("issue.resolutiondate")
        issue_type = fields.text("issue.issueType", required=False)
        return self.resolved(
            fields,
            key,
            email,
            agent,
            team,
            channel="ticket",
            resolved_at=resolved_at,
            category=issue_type,
        )
