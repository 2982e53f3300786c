"""Helpers for the web tests: an app on the test database and invitations."""

from __future__ import annotations

import re
import threading
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from werkzeug.serving import make_server

from csat import FixedClock, SurveyService
from csat.web import CSAT, get_service

from .conftest import SECRET, T0


def make_app(
    engine: Engine, clock: FixedClock, *, console_access: Any = None, **config: Any
) -> Flask:
    """A host app with csat on the test engine and the fixed clock (and ``console_access``)."""
    app = Flask("host")
    app.config.update(
        SECRET_KEY="host-session-secret", CSAT_SECRET_KEY=SECRET, TESTING=True, **config
    )
    CSAT(app, session=engine, clock=clock, console_access=console_access)
    return app


def invite(app: Flask, ticket: str = "T-1", **kwargs: Any) -> str:
    """Invite for ``ticket``; return the survey token."""
    service: SurveyService = get_service(app)
    fields: dict[str, Any] = {"agent": "ana", "team": "1st Level", "channel": "phone"}
    fields.update(resolved_at=T0, **kwargs)
    result = service.invite(ticket, f"{ticket.lower()}@example.com", **fields)
    assert result.token is not None, result
    return result.token


def csrf_token(client: FlaskClient, path: str) -> str:
    """GET ``path`` and return the form's CSRF token."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


class LiveServer:
    """The app on a real HTTP server thread on 127.0.0.1 (a free port)."""

    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()
