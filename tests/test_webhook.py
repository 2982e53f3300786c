"""The signed webhook POST {prefix}/hooks/resolved."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from csat import FixedClock
from csat.web import get_service
from csat.web.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

from .web import LiveServer, make_app

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


def test_every_problem_at_once_in_json_terms(app: Flask, clock: FixedClock) -> None:
    fields = dict(FIELDS, resolved_at="2026-10-05T08:00:00", channel="fax", team=" ")
    del fields["agent"]
    response = _post(app, json.dumps(fields).encode(), at=clock.now.timestamp())
    assert response.status_code == 422
    assert response.json["problems"] == {
        "resolved_at": "needs a time zone offset, e.g. 2026-12-02T10:15:00Z",
        "channel": "must be one of ticket, phone, chat",
        "team": "must be a non-empty string",
        "agent": "required",
    }
    assert "tzinfo" not in response.text


def test_timezone_field_is_stored_and_checked(app: Flask, clock: FixedClock) -> None:
    body = json.dumps(dict(FIELDS, timezone="Europe/Berlin")).encode()
    created = _post(app, body, at=clock.now.timestamp())
    assert created.status_code == 201, created.json
    token = created.json["url"].rsplit("/", 1)[1]
    assert get_service(app).open(token).timezone == "Europe/Berlin"
    bad = json.dumps(dict(FIELDS, ticket_id="Z-43", timezone="Mars/Olympus")).encode()
    refused = _post(app, bad, at=clock.now.timestamp())
    assert refused.status_code == 422 and set(refused.json["problems"]) == {"timezone"}


def _unsigned(app: Flask, timestamp: str, signature: str, body: bytes = b"{}") -> Any:
    headers = {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature}
    return app.test_client().post("/survey/hooks/resolved", data=body, headers=headers)


@pytest.mark.parametrize(
    ("timestamp", "signature"),
    [
        ("1790000000²", "sha256=" + "0" * 64),
        ("²", "sha256=" + "0" * 64),
        ("9" * 400, "sha256=" + "0" * 64),
        ("9" * 5000, "sha256=" + "0" * 64),
        ("NOW", "sha256=" + "0" * 64),
    ],
)
def test_odd_timestamps_are_401_not_500(app: Flask, timestamp: str, signature: str) -> None:
    response = _unsigned(app, timestamp, signature)
    assert response.status_code == 401 and response.json["error"]


def test_a_non_ascii_signature_is_401_not_500(app: Flask, clock: FixedClock) -> None:
    at = str(int(clock.now.timestamp()))
    for signature in ("sha256=" + "é" * 64, "sha256=ä", "ü"):
        response = _unsigned(app, at, signature)
        assert response.status_code == 401 and response.json["error"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (b"[" * 30_000 + b"]" * 30_000, 400, None),
        (json.dumps({**FIELDS, "agent": [[[[[[["deep"]]]]]]]}).encode(), 422, "agent"),
        (
            json.dumps(dict(FIELDS, resolved_at="9999-12-31T23:59:59-05:00")).encode(),
            422,
            "resolved_at",
        ),
        (
            json.dumps(dict(FIELDS, resolved_at="0001-01-01T00:00:00+05:00")).encode(),
            422,
            "resolved_at",
        ),
        (
            json.dumps(dict(FIELDS, resolved_at="2026-10-06T09:00:00+00:00")).encode(),
            422,
            "resolved_at",
        ),
        (json.dumps(dict(FIELDS, agent="\ud800")).encode(), 422, "agent"),
        (json.dumps(dict(FIELDS, email="kim\udfff@example.com")).encode(), 422, "email"),
        (json.dumps(dict(FIELDS, ticket_id="Z-\ud83d")).encode(), 422, "ticket_id"),
        (json.dumps(dict(FIELDS, timezone="\ud800")).encode(), 422, "timezone"),
        (json.dumps({**FIELDS, "\ud800": "x"}).encode(), 422, "\\ud800"),
        (b'{"ticket_id": "\xed\xa0\x80"}', 422, "ticket_id"),  # json: surrogatepass
        (b'{"ticket_id": "\xff"}', 400, None),
    ],
)
def test_signed_odd_bodies_are_4xx_with_a_reason(
    app: Flask, clock: FixedClock, body: bytes, status: int, field: str | None
) -> None:
    response = _post(app, body, at=clock.now.timestamp())
    assert response.status_code == status, response.text
    assert response.json["error"]
    if field is not None:
        assert field in response.json["problems"], response.json


_HEADER = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=80)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6)
    ),
    max_leaves=20,
)
_BODY = (
    st.binary(max_size=300)
    | _JSON.map(lambda v: json.dumps(v).encode())
    | st.fixed_dictionaries(
        {k: st.text(max_size=30) for k in FIELDS}, optional={"timezone": st.text(max_size=30)}
    ).map(lambda v: json.dumps(v).encode())
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=_BODY, timestamp=_HEADER, signature=_HEADER, signed=st.booleans())
def test_no_request_ever_gets_a_5xx(
    engine: Engine, clock: FixedClock, body: bytes, timestamp: str, signature: str, signed: bool
) -> None:
    app = make_app(engine, clock, CSAT_WEBHOOK_SECRET=HOOK_SECRET)
    if signed:
        timestamp = str(int(clock.now.timestamp()))
        signature = sign(HOOK_SECRET.encode(), timestamp, body)
    headers = {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature}
    response = app.test_client().post("/survey/hooks/resolved", data=body, headers=headers)
    assert response.status_code < 500, (response.status_code, response.text)
    assert response.is_json and response.json["error" if response.status_code >= 400 else "url"]


def _raw_exchange(server: LiveServer, head: bytes, body_parts: Iterator[bytes]) -> bytes:
    """Send ``head``, then the body from a thread for as long as the server takes it;
    return the answer's status line.

    The server answers without reading the body: the status line arrives
    while most of the body is still unsent (the parts are lazy; the sender
    stops at the answer).
    """
    answered = threading.Event()
    sent = [0]
    with socket.create_connection(("127.0.0.1", server.server.server_port), timeout=10) as conn:
        conn.sendall(head)

        def send() -> None:
            for part in body_parts:
                if answered.is_set():
                    return
                try:
                    conn.sendall(part)
                except OSError:  # the server closed the connection
                    return
                sent[0] += len(part)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        answer = b""
        while b"\r\n" not in answer:
            chunk = conn.recv(4096)
            if not chunk:
                break
            answer += chunk
        answered.set()
        conn.shutdown(socket.SHUT_RDWR)
        sender.join(timeout=10)
    # Socket buffers take a few MB; a server reading the body would have taken all.
    assert sent[0] <= 32 << 20, f"the server read {sent[0] >> 20} MB before answering"
    return answer.split(b"\r\n", 1)[0]


def _header_block(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _megabytes(count: int, chunked: bool = False) -> Iterator[bytes]:
    block = b"x" * 1_048_576
    for _ in range(count):
        yield b"%x\r\n%s\r\n" % (len(block), block) if chunked else block


@pytest.fixture
def live_hook(engine: Engine, clock: FixedClock) -> Iterator[LiveServer]:
    server = LiveServer(make_app(engine, clock, CSAT_WEBHOOK_SECRET=HOOK_SECRET))
    yield server
    server.close()


def test_headers_are_checked_before_a_huge_body_is_read(live_hook: LiveServer) -> None:
    head = _header_block(
        "/survey/hooks/resolved",
        {"Content-Type": "application/json", "Content-Length": str(300 * 1_048_576)},
    )
    assert _raw_exchange(live_hook, head, _megabytes(300)) == b"HTTP/1.1 401 UNAUTHORIZED"


def test_a_body_over_the_limit_is_413_unread(live_hook: LiveServer, clock: FixedClock) -> None:
    signed = {
        TIMESTAMP_HEADER: str(int(clock.now.timestamp())),
        SIGNATURE_HEADER: "sha256=" + "0" * 64,
        "Content-Type": "application/json",
    }
    sized = _header_block("/survey/hooks/resolved", signed | {"Content-Length": str(300 << 20)})
    assert (
        _raw_exchange(live_hook, sized, _megabytes(300)) == b"HTTP/1.1 413 REQUEST ENTITY TOO LARGE"
    )
    chunked = _header_block("/survey/hooks/resolved", signed | {"Transfer-Encoding": "chunked"})
    status = _raw_exchange(live_hook, chunked, _megabytes(300, chunked=True))
    assert status == b"HTTP/1.1 413 REQUEST ENTITY TOO LARGE"


def test_a_survey_page_body_over_the_limit_is_413_unread(live_hook: LiveServer) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    path = "/survey/AAAAAAAAAAAAAAAAAAAAAAAA"
    sized = _header_block(path, form | {"Content-Length": str(300 << 20)})
    assert (
        _raw_exchange(live_hook, sized, _megabytes(300)) == b"HTTP/1.1 413 REQUEST ENTITY TOO LARGE"
    )
    chunked = _header_block(path, form | {"Transfer-Encoding": "chunked"})
    status = _raw_exchange(live_hook, chunked, _megabytes(300, chunked=True))
    assert status == b"HTTP/1.1 413 REQUEST ENTITY TOO LARGE"
