"""The signed webhook ``POST {prefix}/hooks/resolved``: invite from any helpdesk.

Enabled when ``CSAT_WEBHOOK_SECRET`` is set (404 otherwise). The caller sends
the invite fields as a JSON object and two headers::

    X-CSAT-Timestamp: 1790000000                      (Unix seconds)
    X-CSAT-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + body>

A timestamp more than ``CSAT_WEBHOOK_MAX_AGE_SECONDS`` (default 300) away
from now is refused, so a captured request cannot be replayed later (and the
invite is idempotent per ticket within that window). The headers are checked
before the body is read; a body over ``CSAT_WEBHOOK_MAX_BODY_BYTES`` is
refused unread. Errors are JSON ``{"error": ..., "problems": {...}}`` with
400 (not a JSON object), 401 (bad or missing signature or timestamp), 413
(body too large) or 422 (invalid fields, every one named at once).
"""

from __future__ import annotations

import hmac
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import abort, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import RequestEntityTooLarge

from ..errors import CSATError, DatabaseError, InvalidInputError
from ..hooks import generic
from ..invitations.invite import CHANNELS
from .errors import http_status
from .limits import read_body
from .state import get_state

TIMESTAMP_HEADER = "X-CSAT-Timestamp"
SIGNATURE_HEADER = "X-CSAT-Signature"
_REQUIRED = ("ticket_id", "email", "agent", "team", "channel", "resolved_at")
_OPTIONAL = ("category", "locale", "survey", "timezone")
#: Unix seconds in ASCII digits (``str.isdigit`` also accepts ``²``), at most 12 of them.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"sha256=[0-9a-f]{64}")
_EXAMPLE_TIME = "2026-12-02T10:15:00Z"
#: The earliest ``resolved_at`` accepted; the latest is now (plus the clock skew allowed).
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The ``X-CSAT-Signature`` value for ``body`` sent at ``timestamp``."""
    return generic.sign(secret, timestamp, body)


def error(status: int, message: str, problems: dict[str, str] | None = None) -> ResponseReturnValue:
    """A webhook's JSON error answer: ``{"error": ..., "problems": {...}}``."""
    payload: dict[str, Any] = {"error": message}
    if problems:
        payload["problems"] = problems
    return jsonify(payload), status


def _resolved_at(value: str, latest: datetime) -> datetime | str:
    """The parsed ``resolved_at``, or what is wrong with it (in JSON terms)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return f"must be an ISO 8601 date and time with offset, e.g. {_EXAMPLE_TIME}"
    if moment.tzinfo is None or moment.utcoffset() is None:
        return f"needs a time zone offset, e.g. {_EXAMPLE_TIME}"
    if not 1970 <= moment.year <= latest.year or not _EPOCH <= moment <= latest:
        return "must lie between 1970-01-01T00:00:00Z and now"
    return moment.astimezone(UTC)


def _fields(data: dict[str, Any], latest: datetime) -> tuple[dict[str, Any], dict[str, str]]:
    """The invite arguments of ``data`` and every problem with it, by field."""
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
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            problems[name] = (
                "must be valid Unicode (a lone surrogate escape such as \\ud800 is not)"
            )
            continue
        values[name] = value
    for name in sorted(set(data) - set(_REQUIRED + _OPTIONAL)):
        problems[name[:64].encode("utf-8", "backslashreplace").decode()] = "unknown field"
    if values.get("channel", CHANNELS[0]) not in CHANNELS:
        problems["channel"] = f"must be one of {', '.join(CHANNELS)}"
        del values["channel"]
    if "resolved_at" in values:
        moment = _resolved_at(values["resolved_at"], latest)
        if isinstance(moment, str):
            problems["resolved_at"] = moment
            del values["resolved_at"]
        else:
            values["resolved_at"] = moment
    return values, problems


def json_object(body: bytes) -> dict[str, Any] | None:
    """The JSON object ``body`` holds; ``None`` for anything else."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # invalid JSON or UTF-8; nested too deep to parse
        return None
    return data if isinstance(data, dict) else None


def resolved() -> ResponseReturnValue:
    """Invite the customer of a ticket the calling helpdesk has resolved."""
    state = get_state()
    if state.webhook_secret is None:
        abort(404)
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
        return error(401, "missing or malformed signature headers")
    now = state.service.clock()
    if abs(now.timestamp() - int(timestamp)) > state.webhook_max_age:
        return error(401, "timestamp outside the accepted window")
    try:  # read only now, after the headers, and never beyond the limit
        body = read_body(state.service.settings.webhook_max_body_bytes)
    except RequestEntityTooLarge:
        return error(413, "body too large")
    if not hmac.compare_digest(sign(state.webhook_secret, timestamp, body), signature):
        return error(401, "bad signature")
    data = json_object(body)
    if data is None:
        return error(400, "the body must be a JSON object")
    values, problems = _fields(data, now + timedelta(seconds=state.webhook_max_age))
    if problems:
        return error(422, "invalid fields", problems)
    return invite(values.pop("ticket_id"), values.pop("email"), values)


def invite(ticket_id: str, email: str, values: dict[str, Any]) -> ResponseReturnValue:
    """Invite through the service; the answer of a webhook: 201 new, 200 existing, 422
    refused (a database in trouble raises, 503)."""
    try:
        result = get_state().service.invite(ticket_id, email, **values)
    except InvalidInputError as e:
        return error(422, "invalid fields", {e.field: str(e).removeprefix(f"{e.field}: ")})
    except DatabaseError:
        raise  # the database's trouble, not the caller's: 503 (csat.web.errors)
    except CSATError as e:  # any other refusal of the core: a client error, never a 500
        status = http_status(e)
        return error(status if 400 <= status < 500 else 422, str(e))
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
