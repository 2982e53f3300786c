"""The signed webhook ``POST {prefix}/hooks/resolved``: invite from any helpdesk.

Enabled when ``CSAT_WEBHOOK_SECRET`` is set (404 otherwise). The caller sends
the invite fields as a JSON object and two headers::

    X-CSAT-Timestamp: 1790000000                      (Unix seconds)
    X-CSAT-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + body>

A timestamp more than ``CSAT_WEBHOOK_MAX_AGE_SECONDS`` (default 300) away
from now is refused, so a captured request cannot be replayed later (and the
invite is idempotent per ticket within that window). Errors are JSON
``{"error": ..., "problems": {...}}`` with 400 (not a JSON object), 401 (bad
or missing signature or timestamp) or 422 (invalid fields).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from flask import abort, jsonify, request
from flask.typing import ResponseReturnValue

from ..errors import InvalidInputError
from .state import get_state

TIMESTAMP_HEADER = "X-CSAT-Timestamp"
SIGNATURE_HEADER = "X-CSAT-Signature"
_REQUIRED = ("ticket_id", "email", "agent", "team", "channel", "resolved_at")
_OPTIONAL = ("category", "locale", "survey")


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The ``X-CSAT-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _error(status: int, message: str, **problems: str) -> ResponseReturnValue:
    payload: dict[str, Any] = {"error": message}
    if problems:
        payload["problems"] = problems
    return jsonify(payload), status


def _fields(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    problems: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name in _REQUIRED + _OPTIONAL:
        value = data.get(name)
        if value is None:
            if name in _REQUIRED:
                problems[name] = "required"
            continue
        if not isinstance(value, str) or not value.strip():
            problems[name] = "must be a non-empty string"
            continue
        values[name] = value
    for name in sorted(set(data) - set(_REQUIRED + _OPTIONAL)):
        problems[name] = "unknown field"
    if "resolved_at" in values:
        try:
            values["resolved_at"] = datetime.fromisoformat(values["resolved_at"])
        except ValueError:
            problems["resolved_at"] = "must be an ISO 8601 date and time with offset"
    return values, problems


def resolved() -> ResponseReturnValue:
    """Invite the customer of a ticket the calling helpdesk has resolved."""
    state = get_state()
    if state.webhook_secret is None:
        abort(404)
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    body = request.get_data(cache=True)
    if not timestamp.isdigit() or not signature:
        return _error(401, "missing or malformed signature headers")
    now = state.service.clock().timestamp()
    if abs(now - int(timestamp)) > state.webhook_max_age:
        return _error(401, "timestamp outside the accepted window")
    if not hmac.compare_digest(sign(state.webhook_secret, timestamp, body), signature):
        return _error(401, "bad signature")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _error(400, "the body must be a JSON object")
    values, problems = _fields(data)
    if problems:
        return _error(422, "invalid fields", **problems)
    try:
        result = state.service.invite(values.pop("ticket_id"), values.pop("email"), **values)
    except InvalidInputError as e:
        return _error(422, "invalid fields", **{e.field: str(e)})
    payload = {
        "invitation_id": result.invitation_id,
        "ticket_id": result.ticket_id,
        "decision": result.decision.value,
        "reason": result.reason.value,
        "status": result.status.value,
        "due_at": result.due_at.isoformat(),
        "url": result.url,
        "created": result.created,
    }
    return jsonify(payload), 201 if result.created else 200
