"""The signed webhook POST {prefix}/hooks/resolved."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine

from csat import FixedClock
from csat.web import get_service
from csat.web.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

from .web import make_app

HOOK_SECRET = "hook-secret-0123456789"
FIELDS = {
    "ticket_id": "Z-42",
    "email": "kim@example.com",
    "agent": "ana",
    "team": "1st Level",
    "channel": "ticket",
    "resolved_at": "2026-10-05T08:00:00+00:00",
    "locale": "de",
}


@pytest.fixture
def app(engine: Engine, clock: FixedClock) -> Flask:
    return make_app(engine, clock, CSAT_WEBHOOK_SECRET=HOOK_SECRET)


def _post(app: Flask, body: bytes, *, at: float, secret: str = HOOK_SECRET, **headers: str) -> Any:
    timestamp = str(int(at))
    sent = {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(secret.encode(), timestamp, body)}
    sent.update(headers)
    return app.test_client().post(
        "/survey/hooks/resolved", data=body, headers=sent, content_type="application/json"
    )


def test_signed_request_invites_idempotently(app: Flask, clock: FixedClock) -> None:
    body = json.dumps(FIELDS).encode()
    first = _post(app, body, at=clock.now.timestamp())
    assert first.status_code == 201, first.json
    assert first.json["decision"] == "send" and first.json["url"].startswith("http")
    again = _post(app, body, at=clock.now.timestamp() - 200)
    assert again.status_code == 200 and again.json["url"] == first.json["url"]
    token = first.json["url"].rsplit("/", 1)[1]
    assert get_service(app).open(token).locale == "de"


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"secret": "wrong-secret-0123456"}, 401, "bad signature"),
        ({"age": 301}, 401, "outside the accepted window"),
        ({"age": -301}, 401, "outside the accepted window"),
        ({SIGNATURE_HEADER: ""}, 401, "missing"),
        ({TIMESTAMP_HEADER: "yesterday"}, 401, "missing"),
    ],
)
def test_bad_signature_or_stale_timestamp_is_401(
    app: Flask, clock: FixedClock, change: dict[str, Any], status: int, message: str
) -> None:
    body = json.dumps(FIELDS).encode()
    change = dict(change)  # the parameter is shared by the database runs
    at = clock.now.timestamp() - change.pop("age", 0)
    secret = change.pop("secret", HOOK_SECRET)
    response = _post(app, body, at=at, secret=secret, **change)
    assert response.status_code == status
    assert message in response.json["error"]


def test_malformed_json_is_400(app: Flask, clock: FixedClock) -> None:
    for body in (b"{not json", b"[1, 2]"):
        response = _post(app, body, at=clock.now.timestamp())
        assert response.status_code == 400 and response.json["error"]


def test_invalid_fields_are_422(app: Flask, clock: FixedClock) -> None:
    fields = dict(FIELDS, resolved_at="soon", channel=7, extra="x")
    del fields["agent"]
    response = _post(app, json.dumps(fields).encode(), at=clock.now.timestamp())
    assert response.status_code == 422
    assert set(response.json["problems"]) == {"resolved_at", "channel", "extra", "agent"}
    naive = dict(FIELDS, resolved_at="2026-10-05T08:00:00", channel="fax")
    response = _post(app, json.dumps(naive).encode(), at=clock.now.timestamp())
    assert response.status_code == 422 and response.json["problems"]


def test_disabled_without_secret(engine: Engine, clock: FixedClock) -> None:
    app = make_app(engine, clock)
    response = _post(app, json.dumps(FIELDS).encode(), at=clock.now.timestamp())
    assert response.status_code == 404
