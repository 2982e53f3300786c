"""The staff console through Flask's test client: access, CSRF, the actions, the filters,
the address views in the history, the errors, and the login of ``CSAT_CONSOLE_USERS``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine, event
from werkzeug.security import generate_password_hash

from csat import FixedClock
from csat.errors import ConfigurationError, FollowUpNotFoundError, FollowUpStateError
from csat.follow_ups.rules import Action, Outcome, State
from csat.storage.engine import create_csat_engine
from csat.storage.models import metadata
from csat.web import CSAT, HTTP_STATUS, create_app, get_service, get_state
from csat.web.console import access

from .conftest import SECRET, T0
from .web import invite, make_app

#: Quick hashes for tests (scrypt takes a while per check); the method is the user's.
FAST = "pbkdf2:sha256:1000"
PASSWORD = "correct horse battery staple"


def open_case(app: Flask, ticket: str = "T-1", **answers: Any) -> int:
    """Invite for ``ticket``, answer badly (or with ``answers``); the new case's id."""
    token = invite(app, ticket)
    result = get_service(app).record(token, answers or {"understood": 2})
    assert result.case is not None and result.case.opened
    return result.case.case_id


def tokens(page: str) -> dict[str, str]:
    """The CSRF tokens of a page's forms, by field name (``claim-csrf_token`` …)."""
    found = re.findall(r'name="([\w-]*csrf_token)" type="hidden" value="([^"]+)"', page)
    assert found, page
    return dict(found)


def post(client: FlaskClient, case_id: int, action: str, **fields: str) -> Any:
    """POST ``action`` on the case with the tokens of its page and ``fields`` (prefixed)."""
    page = client.get(f"/csat/follow-ups/{case_id}")
    assert page.status_code == 200, page.text
    data = {f"{action}-{name}": value for name, value in fields.items()}
    data[f"{action}-csrf_token"] = tokens(page.text)[f"{action}-csrf_token"]
    return client.post(f"/csat/follow-ups/{case_id}/{action}", data=data)


def history(app: Flask, case_id: int) -> list[tuple[str, Action]]:
    detail = get_service(app).follow_up(case_id, show_address=False)
    return [(entry.actor, entry.action) for entry in detail.history]


@pytest.fixture
def app(engine: Engine, clock: FixedClock) -> Flask:
    """A host whose rule lets everyone in as "lea"."""
    return make_app(engine, clock, console_access=lambda: "lea")


# -- access ----------------------------------------------------------------------------


def test_without_a_rule_or_users_every_console_page_says_how_to_open_it(
    engine: Engine, clock: FixedClock
) -> None:
    app = make_app(engine, clock)
    case_id = open_case(app)
    client = app.test_client()
    for method, path in [
        ("GET", "/csat/follow-ups"),
        ("GET", f"/csat/follow-ups/{case_id}?address=show"),
        ("POST", f"/csat/follow-ups/{case_id}/claim"),
        ("GET", "/csat/login"),
    ]:
        page = client.open(path, method=method)
        assert page.status_code == (404 if path.endswith("login") else 403), (path, page.text)
    page = client.get("/csat/follow-ups")
    assert "The follow-up console is not set up" in page.text
    assert 'console_access=lambda: current_user.has_role("lead")' in page.text
    assert "csat console add-user NAME" in page.text and "CSAT_CONSOLE_USERS" in page.text
    assert history(app, case_id) == [("csat", Action.OPENED)]  # nobody saw the address


@pytest.mark.parametrize("refusal", [False, None, "", 0])
def test_a_rule_is_asked_on_every_request_and_a_false_answer_is_403(
    engine: Engine, clock: FixedClock, refusal: object
) -> None:
    answers: list[object] = [refusal, "lea", refusal]
    app = make_app(engine, clock, console_access=lambda: answers.pop(0))
    client = app.test_client()
    first = client.get("/csat/follow-ups")
    assert first.status_code == 403 and "You have no access to the follow-up cases" in first.text
    assert client.get("/csat/follow-ups").status_code == 200
    assert client.get("/csat/follow-ups").status_code == 403
    assert answers == []


def test_true_lets_a_request_in_as_staff(engine: Engine, clock: FixedClock) -> None:
    app = make_app(engine, clock, console_access=lambda: True)
    case_id = open_case(app)
    client = app.test_client()
    assert post(client, case_id, "claim").status_code == 303
    assert history(app, case_id)[-1] == ("staff", Action.CLAIMED)
    assert get_service(app).follow_up(case_id, show_address=False).case.claimed_by == "staff"


def test_a_rule_returning_a_name_that_is_not_one_line_is_a_configuration_error(
    engine: Engine, clock: FixedClock
) -> None:
    app = make_app(engine, clock, console_access=lambda: "lea\r\nX-Injected: 1")
    with pytest.raises(ConfigurationError, match="console_access"):
        app.test_client().get("/csat/follow-ups")


def test_console_access_must_be_callable(engine: Engine, clock: FixedClock) -> None:
    with pytest.raises(TypeError, match="callable"):
        make_app(engine, clock, console_access="lea")


def test_the_console_is_enabled_by_a_rule_for_the_thanks_page(
    engine: Engine, clock: FixedClock
) -> None:
    assert get_state(make_app(engine, clock, console_access=lambda: True)).console_enabled
    assert not get_state(make_app(engine, clock)).console_enabled


# -- the actions -------------------------------------------------------------------------


def test_claim_note_and_close_answer_303_to_the_case_page(app: Flask, clock: FixedClock) -> None:
    case_id = open_case(app)
    client = app.test_client()
    here = f"/csat/follow-ups/{case_id}"

    claimed = post(client, case_id, "claim")
    assert (claimed.status_code, claimed.headers["Location"]) == (303, here)
    clock.advance(hours=1)
    noted = post(client, case_id, "note", note="Called, no answer.\r\nTrying at 2 pm.",
                 contacted="y")  # fmt: skip
    assert (noted.status_code, noted.headers["Location"]) == (303, here)
    clock.advance(hours=3)
    closed = post(client, case_id, "close", outcome="resolved", note="Printer works.")
    assert (closed.status_code, closed.headers["Location"]) == (303, here)

    detail = get_service(app).follow_up(case_id, show_address=False)
    assert detail.case.state == State.CLOSED and detail.case.outcome == Outcome.RESOLVED
    assert detail.first_contact_at == T0.replace(hour=10)  # the note's attempt, not the close
    assert [(e.actor, e.action, e.note) for e in detail.history] == [
        ("csat", Action.OPENED, None),
        ("lea", Action.CLAIMED, None),
        ("lea", Action.CONTACTED, "Called, no answer.\nTrying at 2 pm."),
        ("lea", Action.CLOSED, "Printer works."),
    ]
    page = client.get(here).text
    assert "Called, no answer.\nTrying at 2 pm." in page  # line breaks kept
    assert "reached, concern resolved" in page and "Close the case" not in page
    assert "Claim the case" not in page  # closed: no claim either; notes still possible
    assert post(client, case_id, "note", note="Customer called back, all fine.").status_code == 303


def test_a_note_without_contacted_is_a_plain_note(app: Flask) -> None:
    case_id = open_case(app)
    client = app.test_client()
    assert post(client, case_id, "note", note="Will call tomorrow.").status_code == 303
    assert history(app, case_id)[-1] == ("lea", Action.NOTE)
    assert get_service(app).follow_up(case_id, show_address=False).first_contact_at is None


def test_another_lead_takes_over_a_claimed_case(engine: Engine, clock: FixedClock) -> None:
    who = ["ben"]
    app = make_app(engine, clock, console_access=lambda: who[0])
    case_id = open_case(app)
    client = app.test_client()
    assert post(client, case_id, "claim").status_code == 303
    assert "Claim the case" not in client.get(f"/csat/follow-ups/{case_id}").text
    who[0] = "lea"
    assert "Take over the case" in client.get(f"/csat/follow-ups/{case_id}").text
    assert post(client, case_id, "claim").status_code == 303
    assert get_service(app).follow_up(case_id, show_address=False).case.claimed_by == "lea"


@pytest.mark.parametrize(
    ("action", "fields"),
    [("claim", {}), ("note", {"note": "Hi"}), ("close", {"outcome": "declined"})],
)
def test_a_post_without_a_valid_csrf_token_is_refused(
    app: Flask, action: str, fields: dict[str, str]
) -> None:
    case_id = open_case(app)
    client = app.test_client()
    client.get(f"/csat/follow-ups/{case_id}")  # a session with a token exists
    data = {f"{action}-{name}": value for name, value in fields.items()}
    for token in ({}, {f"{action}-csrf_token": "forged"}):
        refused = client.post(f"/csat/follow-ups/{case_id}/{action}", data={**data, **token})
        assert refused.status_code == 400, refused.text
        assert "This page was open for too long. Please try again." in refused.text
    # The token of another form of the page is not this form's.
    other = "note" if action != "note" else "claim"
    page = client.get(f"/csat/follow-ups/{case_id}").text
    borrowed = {f"{other}-csrf_token": tokens(page)[f"{other}-csrf_token"]}
    assert client.post(f"/csat/follow-ups/{case_id}/{action}", data={**data, **borrowed}
                       ).status_code == 400  # fmt: skip
    assert history(app, case_id) == [("csat", Action.OPENED)]


@pytest.mark.parametrize(
    ("action", "fields", "message"),
    [
        ("note", {"note": ""}, "Please write a note."),
        ("note", {"note": "x" * 4001}, "Please write at most 4000 characters."),
        ("note", {"note": "bell \x07"}, "Please write the note as plain text."),
        ("close", {}, "Please choose an outcome."),
        ("close", {"outcome": "vanished"}, "Not a valid choice"),
        ("close", {"outcome": "declined", "note": "\x1b[31m"}, "as plain text"),
    ],
)
def test_an_invalid_form_comes_back_marked_with_400(
    app: Flask, action: str, fields: dict[str, str], message: str
) -> None:
    case_id = open_case(app)
    refused = post(app.test_client(), case_id, action, **fields)
    assert refused.status_code == 400
    assert message in refused.text
    assert 'aria-invalid="true"' in refused.text or 'class="question invalid"' in refused.text
    assert 'role="alert"' in refused.text
    assert history(app, case_id) == [("csat", Action.OPENED)]


def test_a_note_whose_bytes_are_not_utf8_is_refused(app: Flask) -> None:
    case_id = open_case(app)
    client = app.test_client()
    token = tokens(client.get(f"/csat/follow-ups/{case_id}").text)["note-csrf_token"]
    body = f"note-csrf_token={token}&note-note=%ED%A0%80".encode()
    refused = client.post(
        f"/csat/follow-ups/{case_id}/note",
        data=body,
        content_type="application/x-www-form-urlencoded",
    )
    assert refused.status_code == 400
    assert "Some characters could not be read." in refused.text
    assert history(app, case_id) == [("csat", Action.OPENED)]


def test_a_body_over_the_limit_is_413_unread(app: Flask) -> None:
    case_id = open_case(app)
    data = {"note-note": "x" * 300_000}
    refused = app.test_client().post(f"/csat/follow-ups/{case_id}/note", data=data)
    assert refused.status_code == 413 and "shorten your note" in refused.text


def test_closing_a_closed_case_is_409_and_an_unknown_case_404(app: Flask) -> None:
    case_id = open_case(app)
    client = app.test_client()
    page = client.get(f"/csat/follow-ups/{case_id}").text  # the form, before it is closed
    assert post(client, case_id, "close", outcome="declined").status_code == 303
    again = client.post(
        f"/csat/follow-ups/{case_id}/close",
        data={"close-csrf_token": tokens(page)["close-csrf_token"], "close-outcome": "resolved"},
    )
    assert again.status_code == 409 and "This case is closed already" in again.text
    assert f'href="/csat/follow-ups/{case_id}"' in again.text
    for path in ["/csat/follow-ups/999999", "/csat/follow-ups/99999999999999999999999"]:
        missing = client.get(path)
        assert missing.status_code == 404, path
    assert "This case does not exist" in client.get("/csat/follow-ups/999999").text
    assert client.post("/csat/follow-ups/999999/claim").status_code == 404


def test_follow_up_errors_have_http_statuses() -> None:
    assert HTTP_STATUS[FollowUpNotFoundError] == 404
    assert HTTP_STATUS[FollowUpStateError] == 409


# -- the list ------------------------------------------------------------------------------


def test_the_list_filters_by_team_agent_state_and_overdue_sorted_by_due_time(
    app: Flask, clock: FixedClock
) -> None:
    service = get_service(app)
    first = open_case(app, "T-1")
    clock.advance(hours=2)
    token = invite(app, "T-2", agent="ben", team="2nd Level")
    second = service.record(token, {"understood": 1}).case
    assert second is not None
    clock.advance(hours=2)
    third = open_case(app, "T-3")
    service.claim_follow_up(third, "lea")
    service.close_follow_up(first, "lea", "declined")
    client = app.test_client()

    def shown(query: str = "") -> list[str]:
        page = client.get(f"/csat/follow-ups{query}")
        assert page.status_code == 200
        return re.findall(r'<a href="/csat/follow-ups/\d+">Ticket ([\w-]+)</a>', page.text)

    assert shown() == ["T-1", "T-2", "T-3"]  # by due time
    assert shown("?team=2nd+Level") == ["T-2"]
    assert shown("?agent=ana") == ["T-1", "T-3"]
    assert shown("?state=claimed") == ["T-3"]
    assert shown("?state=closed&team=1st+Level") == ["T-1"]
    assert shown("?overdue=1") == []
    assert shown("?team=nobody&state=lost&agent=%00") == ["T-1", "T-2", "T-3"]  # ignored
    page = client.get("/csat/follow-ups").text
    assert "3 cases:" in page and "1 open, 1 claimed, 1 closed" in page
    assert "none overdue" in page
    assert (
        "<option selected>2nd Level</option>" in client.get("/csat/follow-ups?team=2nd+Level").text
    )

    clock.advance(hours=23)  # T0 + 27 h: T-2 was due at 26 h, T-3 is at 28 h
    assert shown("?overdue=1") == ["T-2"]
    page = client.get("/csat/follow-ups").text
    assert '<strong class="late">1 overdue</strong>' in page
    assert re.search(r'is-late">\s*<h2><a href="/csat/follow-ups/\d+">Ticket T-2', page)
    assert page.count('<strong class="late">Overdue</strong>') == 1  # said in words


def test_the_list_shows_at_most_its_limit(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    from csat.web.console import views

    monkeypatch.setattr(views, "LIST_LIMIT", 2)
    for ticket in ("T-1", "T-2", "T-3"):
        open_case(app, ticket)
    page = app.test_client().get("/csat/follow-ups").text
    assert page.count('class="case-item') == 2 and "Only the first 2 cases are shown." in page
    assert "3 cases:" in page


def test_an_empty_list_says_so(app: Flask) -> None:
    client = app.test_client()
    assert "There are no follow-up cases yet." in client.get("/csat/follow-ups").text
    assert "No cases match these filters." in client.get("/csat/follow-ups?state=open").text


# -- the case page -------------------------------------------------------------------------


def test_the_case_page_shows_the_answers_literally_with_the_questions_labels(
    app: Flask,
) -> None:
    comment = 'Nobody <script>alert("x")</script> listened.\nSecond line & more'
    case_id = open_case(app, understood=2, helped=3, solved="no", comment=comment)
    page = app.test_client().get(f"/csat/follow-ups/{case_id}").text
    assert "<script>" not in page
    assert (
        "Nobody &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; listened.\nSecond line &amp; more"
        in page
    )
    assert "Did you feel that we really understood your concern?" in page
    assert "2 of 5" in page and "3 of 5" in page
    assert "Is your problem solved?" in page and "<dd>No</dd>" in page
    assert "did not feel understood, did not feel helped, problem not solved" in page
    for shown in ("Ticket T-1", "1st Level", "ana", "phone", "open", "nobody yet", "English"):
        assert shown in page, shown
    assert re.search(r"Opened</dt><dd>Oct 5, 2026, 9:00\sAM UTC", page)  # CSAT_TIMEZONE, named
    assert re.search(r"Due</dt><dd>Oct 6, 2026, 9:00\sAM UTC", page)


def test_showing_the_address_is_an_explicit_action_recorded_each_time(app: Flask) -> None:
    case_id = open_case(app)
    client = app.test_client()
    page = client.get(f"/csat/follow-ups/{case_id}").text
    assert "t-1@example.com" not in page and "Show the address" in page
    assert history(app, case_id) == [("csat", Action.OPENED)]
    for _ in range(2):
        shown = client.get(f"/csat/follow-ups/{case_id}?address=show").text
        assert '<a href="mailto:t-1@example.com">t-1@example.com</a>' in shown
        assert "Show the address" not in shown
    assert history(app, case_id) == [
        ("csat", Action.OPENED),
        ("lea", Action.ADDRESS_SHOWN),
        ("lea", Action.ADDRESS_SHOWN),
    ]
    assert "lea</strong>: was shown the address" in shown


def test_an_erased_customer_has_no_address_to_show(app: Flask) -> None:
    case_id = open_case(app, understood=1, comment="Call me!")
    get_service(app).forget("t-1@example.com")
    page = app.test_client().get(f"/csat/follow-ups/{case_id}?address=show").text
    assert "Show the address" not in page and "Call me!" not in page
    assert "address and comments were erased" in page
    assert Action.ADDRESS_SHOWN not in [action for _, action in history(app, case_id)]


def test_the_console_speaks_german(app: Flask) -> None:
    case_id = open_case(app)
    client = app.test_client()
    headers = {"Accept-Language": "de-DE,de;q=0.9"}
    listing = client.get("/csat/follow-ups", headers=headers).text
    assert '<html lang="de">' in listing and "Rückrufe" in listing
    page = client.get(f"/csat/follow-ups/{case_id}", headers=headers).text
    assert "Fall übernehmen" in page and "Adresse anzeigen" in page
    assert "05.10.2026, 09:00 UTC" in page and "Englisch" in page


def test_console_pages_send_the_security_headers(app: Flask) -> None:
    page = app.test_client().get("/csat/follow-ups")
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]


def test_the_prefix_is_configurable(engine: Engine, clock: FixedClock) -> None:
    app = make_app(engine, clock, CSAT_CONSOLE_PREFIX="/staff/csat", console_access=lambda: 1)
    client = app.test_client()
    assert client.get("/staff/csat/follow-ups").status_code == 200
    assert client.get("/csat/follow-ups").status_code == 404


# -- the login of CSAT_CONSOLE_USERS ----------------------------------------------------------


@pytest.fixture
def users() -> dict[str, str]:
    return {"lea": generate_password_hash(PASSWORD, method=FAST)}


@pytest.fixture
def login_app(tmp_path: Path, clock: FixedClock, users: dict[str, str]) -> Flask:
    """A host without a rule: the users sign in (SQLite only: the login needs no other)."""
    engine = create_csat_engine(f"sqlite:///{tmp_path / 'login.db'}")
    metadata.create_all(engine)
    return make_app(engine, clock, CSAT_CONSOLE_USERS=users)


def sign_in(client: FlaskClient, name: str, password: str, query: str = "") -> Any:
    page = client.get(f"/csat/login{query}")
    assert page.status_code == 200, page.text
    data = {"csrf_token": tokens(page.text)["csrf_token"], "name": name, "password": password}
    return client.post(f"/csat/login{query}", data=data, environ_base={"REMOTE_ADDR": "10.0.0.1"})


def test_login_then_the_console_then_logout(login_app: Flask) -> None:
    client = login_app.test_client()
    away = client.get("/csat/follow-ups?state=open")
    assert away.status_code == 303
    assert away.headers["Location"] == "/csat/login?next=/csat/follow-ups?state%3Dopen"
    signed_in = sign_in(client, "lea", PASSWORD, "?next=/csat/follow-ups?state%3Dopen")
    assert (signed_in.status_code, signed_in.headers["Location"]) == (
        303,
        "/csat/follow-ups?state=open",
    )
    listing = client.get("/csat/follow-ups")
    assert listing.status_code == 200 and "Signed in as lea" in listing.text
    assert client.get("/csat/login").status_code == 303  # signed in: on to the list
    logout = {"logout-csrf_token": tokens(listing.text)["logout-csrf_token"]}
    out = client.post("/csat/logout", data=logout)
    assert (out.status_code, out.headers["Location"]) == (303, "/csat/login")
    assert client.get("/csat/follow-ups").status_code == 303


def test_the_history_names_the_signed_in_user(login_app: Flask) -> None:
    case_id = open_case(login_app)
    client = login_app.test_client()
    assert sign_in(client, "lea", PASSWORD).status_code == 303
    assert post(client, case_id, "claim").status_code == 303
    assert history(login_app, case_id)[-1] == ("lea", Action.CLAIMED)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/csat/follow-ups", "/elsewhere",
               "/csat/follow-ups\\..", "/csat/follow-ups/../../x y"],
)  # fmt: skip
def test_after_the_login_only_console_pages_are_a_target(login_app: Flask, target: str) -> None:
    from urllib.parse import quote

    signed_in = sign_in(login_app.test_client(), "lea", PASSWORD, f"?next={quote(target)}")
    assert signed_in.headers["Location"] == "/csat/follow-ups"


def test_a_wrong_password_or_unknown_user_gets_the_same_answer_and_one_hash_check(
    login_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    real = access.check_password_hash

    def counting(hashed: str, password: str) -> bool:
        checked.append(hashed)
        return real(hashed, password)

    monkeypatch.setattr(access, "check_password_hash", counting)
    client = login_app.test_client()
    answers = [sign_in(client, name, "guess") for name in ("lea", "nobody")]
    for answer in answers:
        assert answer.status_code == 400
        assert "The user name or the password is not right." in answer.text
    assert len(checked) == 2 and checked[1].startswith(FAST + "$")  # a dummy of lea's method
    assert checked[0] != checked[1]
    assert client.get("/csat/follow-ups").status_code == 303


def test_a_login_clears_the_session_it_started_with(login_app: Flask) -> None:
    client = login_app.test_client()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    assert sign_in(client, "lea", PASSWORD).status_code == 303
    with client.session_transaction() as session:
        assert "planted" not in session and session[access.SESSION_KEY]["user"] == "lea"


def test_a_new_password_or_a_removed_user_ends_the_session(
    tmp_path: Path, clock: FixedClock, users: dict[str, str]
) -> None:
    engine = create_csat_engine(f"sqlite:///{tmp_path / 'login.db'}")
    metadata.create_all(engine)
    app = make_app(engine, clock, CSAT_CONSOLE_USERS=users)
    client = app.test_client()
    assert sign_in(client, "lea", PASSWORD).status_code == 303
    cookie = client.get_cookie("session")
    assert cookie is not None
    for changed in (
        {"lea": generate_password_hash("another one", method=FAST)},
        {"ben": users["lea"]},
    ):
        other = make_app(engine, clock, CSAT_CONSOLE_USERS=changed)
        other_client = other.test_client()
        other_client.set_cookie("session", cookie.value)
        assert other_client.get("/csat/follow-ups").status_code == 303


def test_failed_logins_are_limited_per_user_name_and_per_address(
    login_app: Flask, clock: FixedClock
) -> None:
    client = login_app.test_client()
    for _ in range(5):
        assert sign_in(client, "lea", "guess").status_code == 400
    blocked = sign_in(client, "lea", PASSWORD)  # even the right password waits
    assert blocked.status_code == 429 and "Too many failed sign-ins" in blocked.text
    assert blocked.headers["Retry-After"] == "900"
    assert "Please wait 15 minutes, then try again." in blocked.text
    clock.advance(minutes=15)
    assert sign_in(client, "lea", PASSWORD).status_code == 303

    fresh = login_app.test_client()
    for i in range(20):  # the 5 above are out of the window: 20 more from this address
        assert sign_in(fresh, f"user{i}", "guess").status_code == 400
    assert sign_in(fresh, "someone", "guess").status_code == 429  # the address's 20


def test_the_limiter_is_bounded(clock: FixedClock) -> None:
    limiter = access.LoginLimiter(clock, per_user=2, per_address=2, max_keys=10)
    for i in range(100):
        limiter.failed(f"10.0.0.{i}", f"user{i}")
    assert len(limiter._failures) == 10
    limiter.failed("10.0.0.99", "user99")
    assert limiter.retry_after("10.0.0.99", "user99") is not None
    assert limiter.retry_after("10.0.0.1", "user1") is None  # dropped: the oldest go first


def test_a_login_form_with_a_missing_token_or_field_is_400(login_app: Flask) -> None:
    client = login_app.test_client()
    client.get("/csat/login")
    no_token = client.post("/csat/login", data={"name": "lea", "password": PASSWORD})
    assert no_token.status_code == 400 and "open for too long" in no_token.text
    token = tokens(client.get("/csat/login").text)["csrf_token"]
    no_name = client.post("/csat/login", data={"csrf_token": token, "password": PASSWORD})
    assert no_name.status_code == 400 and "Please enter your user name." in no_name.text
    long = client.post(
        "/csat/login", data={"csrf_token": token, "name": "lea", "password": "x" * 1025}
    )
    assert long.status_code == 400 and "at most 1024 characters" in long.text
    logout = client.post("/csat/logout", data={})
    assert logout.status_code == 400


def test_a_host_rule_has_no_login_pages(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/csat/login").status_code == 404
    assert client.post("/csat/logout").status_code == 404


def test_a_hash_werkzeug_does_not_know_is_refused_at_start(
    engine: Engine, clock: FixedClock
) -> None:
    with pytest.raises(ConfigurationError, match="not a Werkzeug password hash"):
        make_app(engine, clock, CSAT_CONSOLE_USERS={"lea": "md5$salt$hash"})


def _serve_app(tmp_path: Path, users: dict[str, str], **config: Any) -> Flask:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    engine = create_csat_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    return create_app(
        {"CSAT_DATABASE_URL": url, "CSAT_SECRET_KEY": SECRET, "CSAT_CONSOLE_USERS": users,
         **config}
    )  # fmt: skip


@pytest.mark.parametrize(("secure", "flag"), [(None, True), ("false", False)])
def test_csat_serve_login_cookie_is_secure_httponly_and_lax(
    tmp_path: Path, users: dict[str, str], secure: str | None, flag: bool
) -> None:
    config = {} if secure is None else {"CSAT_CONSOLE_SECURE_COOKIE": secure}
    app = _serve_app(tmp_path, users, **config)
    client = app.test_client()
    signed_in = sign_in(client, "lea", PASSWORD)
    assert signed_in.status_code == 303
    cookie = signed_in.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ("Secure" in cookie) is flag


def test_a_host_keeps_a_stricter_cookie(
    engine: Engine, clock: FixedClock, users: dict[str, str]
) -> None:
    app = make_app(engine, clock, CSAT_CONSOLE_USERS=users, SESSION_COOKIE_SAMESITE="Strict",
                   CSAT_CONSOLE_SECURE_COOKIE=False, SESSION_COOKIE_SECURE=True)  # fmt: skip
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Strict"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_without_users_csat_serve_has_no_console(tmp_path: Path) -> None:
    app = _serve_app(tmp_path, {})
    assert app.test_client().get("/csat/follow-ups").status_code == 403


# -- set-based ---------------------------------------------------------------------------


def test_counts_and_filter_choices(app: Flask, clock: FixedClock) -> None:
    service = get_service(app)
    first = open_case(app, "T-1")
    token = invite(app, "T-2", agent="ben", team="2nd Level")
    service.record(token, {"understood": 1})
    service.close_follow_up(first, "lea", "declined")
    clock.advance(days=2)
    counts = service.follow_up_counts()
    assert (counts.open, counts.claimed, counts.closed, counts.overdue) == (1, 0, 1, 1)
    assert counts.total == 2
    assert service.follow_up_counts(team="1st Level").overdue == 0
    assert service.follow_up_counts(agent="nobody").total == 0
    assert service.follow_up_teams_and_agents() == (["1st Level", "2nd Level"], ["ana", "ben"])


def test_the_pages_run_as_many_statements_for_many_cases_as_for_one(
    app: Flask, engine: Engine
) -> None:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    def run(path: str) -> int:
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert app.test_client().get(path).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    first = open_case(app, "T-1")
    one = (run("/csat/follow-ups"), run(f"/csat/follow-ups/{first}?address=show"))
    service = get_service(app)
    for i in range(2, 8):
        open_case(app, f"T-{i}")
    for i in range(5):
        service.note_follow_up(first, "lea", f"Note {i}")
    many = (run("/csat/follow-ups"), run(f"/csat/follow-ups/{first}?address=show"))
    assert many == one, (one, many)


def test_a_host_wide_csrf_protect_checks_the_console_forms_too(
    engine: Engine, clock: FixedClock
) -> None:
    app = Flask("host")
    app.config.update(SECRET_KEY="host-session-secret", CSAT_SECRET_KEY=SECRET, TESTING=True)
    CSRFProtect(app)
    CSAT(app, session=engine, clock=clock, console_access=lambda: "lea")
    case_id = open_case(app)
    client = app.test_client()
    refused = client.post(f"/csat/follow-ups/{case_id}/claim")
    assert refused.status_code == 400 and "This page was open for too long" in refused.text
    assert post(client, case_id, "claim").status_code == 303  # its prefixed token passes
