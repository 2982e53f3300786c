"""The survey pages through the Flask test client: every route and status, en and de."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from werkzeug.datastructures import MultiDict

from csat import FixedClock
from csat.storage.models import Response, metadata
from csat.web import get_service

from .conftest import run_concurrently
from .web import csrf_token, invite, make_app

LANGS = ("en", "de")
TEXTS = {
    "en": {
        "submit": "Send answers",
        "thanks": "Thank you!",
        "comment": "Add a comment",
        "final": "your answers are final",
        "404": "This survey link is not valid",
        "410": "This survey link has expired",
        "edit": "You can change your answers until",
        "check": "Please check the marked answers.",
        "choose": "Please choose an answer.",
        "csrf": "This page was open for too long.",
        "unsub": "Unsubscribe from surveys",
        "unsubbed": "You are unsubscribed",
        "required": "(required)",
        "saved": "your answers are saved. You can change them until",
    },
    "de": {
        "submit": "Antworten senden",
        "thanks": "Vielen Dank!",
        "comment": "Kommentar hinzufügen",
        "final": "Ihre Antworten sind endgültig",
        "404": "Dieser Umfrage-Link ist ungültig",
        "410": "Dieser Umfrage-Link ist abgelaufen",
        "edit": "Sie können Ihre Antworten bis",
        "check": "Bitte prüfen Sie die markierten Antworten.",
        "choose": "Bitte wählen Sie eine Antwort.",
        "csrf": "Diese Seite war zu lange geöffnet.",
        "unsub": "Von Umfragen abmelden",
        "unsubbed": "Sie sind abgemeldet",
        "required": "(Pflichtfrage)",
        "saved": "Ihre Antworten sind gespeichert. Sie können sie bis",
    },
}


@pytest.fixture
def app(engine: Engine, clock: FixedClock) -> Flask:
    return make_app(engine, clock)


def _responses(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(Response)) or 0)


@pytest.mark.parametrize("lang", LANGS)
def test_get_shows_form_with_one_click_preselected_and_stores_nothing(
    app: Flask, engine: Engine, lang: str
) -> None:
    token = invite(app, locale=lang)
    page = app.test_client().get(f"/survey/{token}?understood=4")
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text
    checked = '<input checked id="understood-3" name="understood" required type="radio" value="4">'
    assert checked in page.text
    assert page.text.count("checked") == 1
    assert "<fieldset" in page.text and "<legend>" in page.text
    assert TEXTS[lang]["submit"] in page.text and TEXTS[lang]["required"] in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert "<script" not in page.text
    assert 'aria-invalid="None"' not in page.text and "aria-invalid" not in page.text
    assert _responses(engine) == 0


def test_question_markup_follows_preselection_errors_and_stored_text(
    app: Flask,
) -> None:
    token = invite(app)
    client = app.test_client()
    checked = '<input checked id="understood-{}" name="understood" required type="radio"'
    for value in ("4", "2", "4"):
        page = client.get(f"/survey/{token}?understood={value}")
        assert checked.format(int(value) - 1) in page.text and page.text.count("checked") == 1
    assert "checked" not in client.get(f"/survey/{token}").text
    csrf = csrf_token(client, f"/survey/{token}")
    invalid = client.post(f"/survey/{token}", data={"csrf_token": csrf, "understood": "04"})
    assert invalid.status_code == 400 and 'id="understood-error"' in invalid.text
    assert 'aria-invalid="true"' not in invalid.text  # the comment has no error
    data = {"csrf_token": csrf, "understood": "3", "comment": "<i>mine</i>"}
    assert client.post(f"/survey/{token}", data=data).status_code == 303
    edit = client.get(f"/survey/{token}").text
    assert ">\r\n&lt;i&gt;mine&lt;/i&gt;</textarea>" in edit and checked.format(2) in edit
    assert "&lt;i&gt;mine" not in client.get(f"/survey/{invite(app, 'T-2')}").text


def test_each_page_carries_its_own_token_and_csrf_token(app: Flask, engine: Engine) -> None:
    tokens = [invite(app, f"T-{i}") for i in range(3)]
    pages = []
    for token in tokens:
        client = app.test_client()
        page = client.get(f"/survey/{token}?understood=4")
        others = [t for t in tokens if t != token]
        assert page.text.count(token) == 2 and not any(t in page.text for t in others)
        assert f'action="/survey/{token}"' in page.text
        assert f'href="/survey/{token}/unsubscribe"' in page.text
        pages.append(page.text.replace(token, "TOKEN"))
        csrf = csrf_token(client, f"/survey/{token}?understood=4")
        answer = client.post(f"/survey/{token}", data={"csrf_token": csrf, "understood": "4"})
        assert answer.status_code == 303
    csrf_values = {re.search(r'type="hidden" value="([^"]+)"', p).group(1) for p in pages}  # type: ignore[union-attr]
    assert len(csrf_values) == 3  # each session its own token
    assert len({re.sub(r'type="hidden" value="[^"]+"', "", p) for p in pages}) == 1
    assert _responses(engine) == 3


def test_form_messages_in_the_page_language(app: Flask) -> None:
    token = invite(app, locale="de")
    client = app.test_client()
    csrf = csrf_token(client, f"/survey/{token}")
    page = client.post(
        f"/survey/{token}",
        data={"csrf_token": csrf, "understood": "4", "solved": "maybe"},
        headers={"Accept-Language": "en"},
    )
    assert page.status_code == 400 and "Keine gültige Auswahl." in page.text


def test_invalid_one_click_value_preselects_nothing(app: Flask) -> None:
    token = invite(app)
    page = app.test_client().get(f"/survey/{token}?understood=9&helped=x&bogus=1")
    assert page.status_code == 200
    assert "checked" not in page.text


@pytest.mark.parametrize("lang", LANGS)
def test_submit_rating_only_redirects_to_thanks_inviting_a_comment(
    app: Flask, engine: Engine, lang: str
) -> None:
    token = invite(app, locale=lang)
    client = app.test_client()
    csrf = csrf_token(client, f"/survey/{token}")
    posted = client.post(f"/survey/{token}", data={"csrf_token": csrf, "understood": "2"})
    assert posted.status_code == 303
    assert posted.headers["Location"] == f"/survey/{token}/thanks"
    thanks = client.get(posted.headers["Location"])
    assert thanks.status_code == 200
    assert TEXTS[lang]["thanks"] in thanks.text
    assert TEXTS[lang]["comment"] in thanks.text
    assert f'href="/survey/{token}#q-comment"' in thanks.text
    assert TEXTS[lang]["edit"] in thanks.text
    view = get_service(app).open(token)
    assert view.answers == {"understood": 2}


@pytest.mark.parametrize("lang", LANGS)
def test_edit_within_window_then_final(app: Flask, clock: FixedClock, lang: str) -> None:
    token = invite(app, locale=lang)
    client = app.test_client()
    csrf = csrf_token(client, f"/survey/{token}")
    data = {"csrf_token": csrf, "understood": "5", "solved": "yes", "comment": "Quick & kind <3"}
    assert client.post(f"/survey/{token}", data=data).status_code == 303
    page = client.get(f"/survey/{token}")
    assert TEXTS[lang]["saved"] in page.text
    assert "Quick &amp; kind &lt;3" in page.text
    thanks = client.get(f"/survey/{token}/thanks")
    assert TEXTS[lang]["comment"] not in thanks.text  # a comment was given
    data.update(understood="3")
    assert client.post(f"/survey/{token}", data=data).status_code == 303
    assert get_service(app).open(token).answers["understood"] == 3

    clock.advance(hours=25)
    final = client.get(f"/survey/{token}")
    assert final.status_code == 200 and TEXTS[lang]["final"] in final.text
    late = client.post(f"/survey/{token}", data=data | {"understood": "1"})
    assert late.status_code == 409 and TEXTS[lang]["final"] in late.text
    assert get_service(app).open(token).answers["understood"] == 3


@pytest.mark.parametrize("lang", LANGS)
def test_invalid_post_rerenders_with_errors(app: Flask, engine: Engine, lang: str) -> None:
    token = invite(app, locale=lang)
    client = app.test_client()
    csrf = csrf_token(client, f"/survey/{token}")
    missing = client.post(f"/survey/{token}", data={"csrf_token": csrf, "helped": "9"})
    assert missing.status_code == 400
    assert TEXTS[lang]["check"] in missing.text and TEXTS[lang]["choose"] in missing.text
    too_long = client.post(
        f"/survey/{token}", data={"csrf_token": csrf, "understood": "4", "comment": "x" * 2001}
    )
    assert too_long.status_code == 400
    no_csrf = client.post(f"/survey/{token}", data={"understood": "4"})
    assert no_csrf.status_code == 400 and TEXTS[lang]["csrf"] in no_csrf.text
    assert _responses(engine) == 0


def test_thanks_before_answering_redirects_to_the_form(app: Flask) -> None:
    token = invite(app)
    page = app.test_client().get(f"/survey/{token}/thanks")
    assert page.status_code == 303 and page.headers["Location"] == f"/survey/{token}"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", ["", "/thanks", "/unsubscribe"])
def test_unknown_token_is_a_friendly_404(app: Flask, lang: str, path: str) -> None:
    page = app.test_client().get(
        f"/survey/AAAAAAAAAAAAAAAAAAAAAAAA{path}", headers={"Accept-Language": f"{lang};q=0.9"}
    )
    assert page.status_code == 404
    assert TEXTS[lang]["404"] in page.text
    assert "Traceback" not in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("lang", LANGS)
def test_expired_and_cancelled_are_410_saying_only_expired(
    app: Flask, clock: FixedClock, lang: str
) -> None:
    headers = {"Accept-Language": lang}
    expired = invite(app, "T-1")
    cancelled = invite(app, "T-2")  # still pending (sent after a delay)
    get_service(app).cancel("T-2")
    client = app.test_client()
    gone = client.get(f"/survey/{cancelled}", headers=headers)
    assert gone.status_code == 410 and TEXTS[lang]["410"] in gone.text
    assert "cancel" not in gone.text.lower() and "storn" not in gone.text.lower()
    clock.advance(days=30)
    late = client.get(f"/survey/{expired}", headers=headers)
    assert late.status_code == 410 and TEXTS[lang]["410"] in late.text
    assert late.text == gone.text
    assert client.post(f"/survey/{expired}", headers=headers).status_code == 410


@pytest.mark.parametrize("lang", LANGS)
def test_unsubscribe_asks_on_get_and_acts_on_post(app: Flask, lang: str) -> None:
    token = invite(app, locale=lang)
    client = app.test_client()
    service = get_service(app)
    page = client.get(f"/survey/{token}/unsubscribe")
    assert page.status_code == 200 and TEXTS[lang]["unsub"] in page.text
    assert not service.is_opted_out("t-1@example.com")
    assert client.post(f"/survey/{token}/unsubscribe", data={}).status_code == 400
    csrf = csrf_token(client, f"/survey/{token}/unsubscribe")
    done = client.post(f"/survey/{token}/unsubscribe", data={"csrf_token": csrf})
    assert done.status_code == 303
    assert done.headers["Location"] == f"/survey/{token}/unsubscribed?lang={lang}"
    assert service.is_opted_out("t-1@example.com")
    confirmed = client.get(done.headers["Location"])
    assert confirmed.status_code == 200 and TEXTS[lang]["unsubbed"] in confirmed.text


def test_rfc8058_one_click_unsubscribe_post(app: Flask) -> None:
    token = invite(app)
    done = app.test_client().post(
        f"/survey/{token}/unsubscribe", data={"List-Unsubscribe": "One-Click"}
    )
    assert done.status_code == 200
    assert get_service(app).is_opted_out("t-1@example.com")


def test_unsubscribed_page_for_a_gone_link_uses_accept_language(app: Flask) -> None:
    page = app.test_client().get(
        "/survey/AAAAAAAAAAAAAAAAAAAAAAAA/unsubscribed", headers={"Accept-Language": "de"}
    )
    assert page.status_code == 200 and TEXTS["de"]["unsubbed"] in page.text


def test_invitation_locale_beats_accept_language(app: Flask) -> None:
    token = invite(app, locale="de")
    page = app.test_client().get(f"/survey/{token}", headers={"Accept-Language": "en"})
    assert TEXTS["de"]["submit"] in page.text


def test_static_stylesheet(app: Flask) -> None:
    css = app.test_client().get("/survey/static/csat.css")
    assert css.status_code == 200 and "min-height: 2.75rem" in css.text
    css.close()


def test_sixteen_simultaneous_submits_store_exactly_one_response(
    app: Flask, engine: Engine
) -> None:
    token = invite(app)
    clients = [app.test_client() for _ in range(16)]
    tokens = [csrf_token(c, f"/survey/{token}") for c in clients]

    def submit(i: int) -> int:
        data = {"csrf_token": tokens[i], "understood": str(i % 5 + 1), "comment": f"client {i}"}
        return clients[i].post(f"/survey/{token}", data=data).status_code

    assert run_concurrently(submit, 16) == [303] * 16
    assert _responses(engine) == 1
    stored = get_service(app).open(token).answers
    assert stored["comment"] in {f"client {i}" for i in range(16)}


_TEXT = st.text(st.characters(codec="utf-8"), max_size=40) | st.text(max_size=3000)
_FIELDS = st.sampled_from(
    ["understood", "respected", "solved", "helped", "effort", "overall", "comment", "x", ""]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fields=st.lists(st.tuples(_FIELDS, _TEXT), max_size=12))
def test_fuzzed_posts_never_fail_nor_store_invalid_answers(
    engine: Engine, clock: FixedClock, fields: list[tuple[str, str]]
) -> None:
    app = make_app(engine, clock, WTF_CSRF_ENABLED=False)
    token = invite(app, "T-fuzz")
    response = app.test_client().post(f"/survey/{token}", data=MultiDict(fields))
    assert response.status_code in (303, 400), response.status_code
    view = get_service(app).open(token)
    if response.status_code == 303:
        # Whatever was stored is valid for the survey version it was made with.
        assert view.survey.validate_answers(view.answers) == dict(view.answers)
    else:
        assert not view.answered
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


def test_a_comment_that_reads_none_is_kept(app: Flask, engine: Engine) -> None:
    token = invite(app)
    client = app.test_client()
    csrf = csrf_token(client, f"/survey/{token}")
    data = {"csrf_token": csrf, "understood": "4", "comment": "None"}
    assert client.post(f"/survey/{token}", data=data).status_code == 303
    assert get_service(app).open(token).answers == {"understood": 4, "comment": "None"}
