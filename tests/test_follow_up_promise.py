"""The thanks page's promise of a call back: only what is configured and true."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine

from csat import FixedClock
from csat.web import get_service

from .web import csrf_token, invite, make_app

LEADS = {"1st Level": ["lead@example.com"]}
EN = "Someone from our team will get in touch with you."
EN_DUE = "Someone from our team will get in touch with you within 24 hours."
DE = "Jemand aus unserem Team meldet sich bei Ihnen."
DE_DUE = "Jemand aus unserem Team meldet sich innerhalb von 24 Stunden bei Ihnen."


def _thanks(app: Flask, answers: dict[str, str], **invitation: Any) -> str:
    token = invite(app, **invitation)
    client = app.test_client()
    data = {"csrf_token": csrf_token(client, f"/survey/{token}"), **answers}
    posted = client.post(f"/survey/{token}", data=data)
    assert posted.status_code == 303, posted.text
    page = client.get(posted.headers["Location"])
    assert page.status_code == 200
    return page.text


@pytest.mark.parametrize(
    ("promise", "locale", "expected"),
    [(True, "en", EN), (True, "de", DE), ("due", "en", EN_DUE), ("due", "de", DE_DUE)],
)
def test_a_case_is_promised_in_the_customers_language(
    engine: Engine, clock: FixedClock, promise: object, locale: str, expected: str
) -> None:
    app = make_app(engine, clock, CSAT_TEAM_LEADS=LEADS, CSAT_FOLLOW_UP_PROMISE=promise)
    page = _thanks(app, {"understood": "1"}, locale=locale)
    assert expected in page and 'class="promise" role="status"' in page


@pytest.mark.parametrize(
    ("config", "answers", "team"),
    [
        ({"CSAT_TEAM_LEADS": LEADS}, {"understood": "4"}, "1st Level"),  # no case
        ({"CSAT_TEAM_LEADS": LEADS, "CSAT_FOLLOW_UP_PROMISE": False}, {"understood": "1"},
         "1st Level"),  # turned off
        ({"CSAT_TEAM_LEADS": LEADS, "CSAT_FOLLOW_UPS": False}, {"understood": "1"},
         "1st Level"),  # no cases at all
        ({"CSAT_TEAM_LEADS": LEADS}, {"understood": "1"}, "2nd Level"),  # nobody is told
        ({}, {"understood": "1"}, "1st Level"),
    ],
)  # fmt: skip
def test_nothing_is_promised_that_is_not_configured(
    engine: Engine, clock: FixedClock, config: dict[str, Any], answers: dict[str, str], team: str
) -> None:
    app = make_app(engine, clock, **config)
    page = _thanks(app, answers, team=team)
    assert "get in touch" not in page and 'class="promise"' not in page


def test_a_console_user_counts_as_someone_who_is_told(engine: Engine, clock: FixedClock) -> None:
    users = {"lea": "scrypt:32768:8:1$salt$" + "0" * 128}
    app = make_app(engine, clock, CSAT_CONSOLE_USERS=users)
    assert EN in _thanks(app, {"understood": "1"})


def test_no_promise_once_closed_or_no_longer_needed(engine: Engine, clock: FixedClock) -> None:
    app = make_app(engine, clock, CSAT_TEAM_LEADS=LEADS)
    token = invite(app)
    client = app.test_client()
    service = get_service(app)
    result = service.record(token, {"understood": "1"})
    assert result.case is not None
    assert EN in client.get(f"/survey/{token}/thanks").text
    service.record(token, {"understood": "5"})  # an edit: no call back needed any more
    assert "get in touch" not in client.get(f"/survey/{token}/thanks").text
    service.record(token, {"understood": "2"})
    assert EN in client.get(f"/survey/{token}/thanks").text
    service.close_follow_up(result.case.case_id, "lea", "resolved")
    assert "get in touch" not in client.get(f"/survey/{token}/thanks").text


def test_the_host_changes_the_wording_with_its_own_template(
    engine: Engine, clock: FixedClock, tmp_path: Any
) -> None:
    (tmp_path / "csat").mkdir()
    (tmp_path / "csat" / "_follow_up_promise.html").write_text(
        "<p>Unser Teamleiter ruft Sie an.</p>", encoding="utf-8"
    )
    app = make_app(engine, clock, CSAT_TEAM_LEADS=LEADS)
    app.template_folder = str(tmp_path)
    page = _thanks(app, {"understood": "1"})
    assert "Unser Teamleiter ruft Sie an." in page and EN not in page
